from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from privacy.models import AccountEvent, ReadEntry, RetentionRun, SignedInSession


class NoEditsAdmin:
    """A record nobody adds, changes or deletes by hand (put first among an admin class's bases, so that it
    wins over a base that scopes those rights); who may read it is the other bases' rule."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoEditsAdmin, admin.ModelAdmin):
    """Records nobody edits: superusers read them; nobody adds, changes or deletes one by hand."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(ReadEntry)
class ReadEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "reader", "kind", "label", "subject", "address")
    list_filter = ("kind",)
    search_fields = ("label", "object_id", "reader__username", "subject__username")
    date_hierarchy = "at"


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "person", "kind", "actor", "address")
    list_filter = ("kind",)
    search_fields = ("person__username", "actor__username")


@admin.register(SignedInSession)
class SignedInSessionAdmin(ReadOnlyAdmin):
    list_display = ("user", "started_at", "last_seen_at", "address", "user_agent")
    search_fields = ("user__username",)


# django-otp's own admin pages would show every person's secret key (its QR code page) to superusers and
# let a device be deleted without a record: a second factor is reset from the person's page instead,
# which records who did it.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ("at", "dry_run", "started_by", "confirmed_at", "confirmed_by")
    list_filter = ("dry_run",)
