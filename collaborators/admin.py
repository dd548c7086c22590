from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from collaborators.models import CollaboratorProfile, ExportRecord, ImportBatch, RecognitionDecision, Unit, User


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin, TreeAdmin):
    form = movenodeform_factory(Unit, exclude=["predecessors"])
    list_display = ["name", "code", "kind", "valid_from", "valid_to", "member_count"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]

    def get_queryset(self, request):
        return Unit.objects.visible_to(request.user)


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    list_display = ["username", "full_name", "role", "unit", "phone", "email", "is_active"]
    list_filter = ["role", "is_active", "is_superuser"]
    search_fields = ["username", "full_name", "phone", "email"]
    ordering = ["full_name"]
    raw_id_fields = ["unit"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone", "email")}),
        (_("Place in the network"), {"fields": ("unit", "role")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "unit", "role", "password1", "password2")}),
    )

    def get_queryset(self, request):
        return User.objects.visible_to(request.user)


@admin.register(CollaboratorProfile)
class CollaboratorProfileAdmin(SimpleHistoryAdmin):
    list_display = ["user", "position", "status", "status_since", "term_end"]
    list_filter = ["status", "position"]
    search_fields = ["user__full_name", "user__username"]
    raw_id_fields = ["user", "recognition_decision"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user__in=User.objects.visible_to(request.user))


@admin.register(RecognitionDecision)
class RecognitionDecisionAdmin(SimpleHistoryAdmin):
    list_display = ["number", "issued_on", "kind", "unit", "signer", "applied_at"]
    list_filter = ["kind"]
    search_fields = ["number", "signer"]
    raw_id_fields = ["unit", "people", "created_by"]


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    """Read-only: the record of who exported what and when."""

    list_display = ["created_at", "user", "kind", "file_format", "row_count"]
    list_filter = ["kind", "file_format"]
    readonly_fields = ["created_at", "user", "kind", "file_format", "row_count", "parameters"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["created_at", "created_by", "filename", "status", "error_count", "applied_at"]
    list_filter = ["status"]
    readonly_fields = ["rows"]
