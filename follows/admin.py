"""What staff follow, in the Django admin: each person sees and stops their own follows (the access rule);
a follow is started from the pages of what is followed, so nothing is added or changed here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from collaborators.admin import ScopedAdmin
from follows.models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["user", "kind", "target_name", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__full_name", "topic__name", "focus_policy__name", "unit__name", "rumour__title"]
    list_select_related = ["user", "topic", "focus_policy", "unit", "rumour"]
    readonly_fields = ["user", "kind", "topic", "focus_policy", "unit", "rumour", "created_at"]

    @admin.display(description=_("what is followed"))
    def target_name(self, obj):
        return str(obj.target)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
