"""The outbox in the Django admin: messages, how each reached its person (read only), paid-message counts and
digests (read only), and each person's own choices, phone and browsers.

What belongs to a person (their choices, quiet hours, push subscriptions) is listed to that person only, as
everywhere (the models' access rule); deliveries, counts and digests are records the jobs write, never
edited by hand; a verified number changes only through the code sent to it, and the codes are never shown.
"""

from django.contrib import admin

from collaborators.admin import RecordAdmin, ScopedAdmin
from notifications.models import (
    ContactSettings,
    Delivery,
    Digest,
    Notification,
    PaidMessageTally,
    PhoneVerification,
    Preference,
    PushSubscription,
)


@admin.register(Notification)
class NotificationAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["subject", "recipient", "kind", "created_at", "sent_at", "read_at", "attempts"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter), ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "recipient__username", "recipient__full_name"]
    raw_id_fields = ["recipient"]
    readonly_fields = ["created_at", "sent_at", "read_at", "attempts", "last_error"]


@admin.register(Delivery)
class DeliveryAdmin(RecordAdmin):
    list_display = ["notification", "recipient", "channel", "status", "attempts", "sent_at", "delivered_at"]
    list_filter = ["channel", "status", "cadence"]
    search_fields = ["notification__subject", "notification__recipient__full_name", "provider_id"]
    list_select_related = ["notification__recipient"]
    exclude = ["claimed_until"]

    @admin.display(description=Notification._meta.get_field("recipient").verbose_name)
    def recipient(self, obj):
        return obj.notification.recipient


@admin.register(PaidMessageTally)
class PaidMessageTallyAdmin(RecordAdmin):
    list_display = ["unit", "month", "channel", "messages"]
    list_filter = ["channel", "month"]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["unit"]


@admin.register(Digest)
class DigestAdmin(RecordAdmin):
    list_display = ["user", "cadence", "period_start", "items", "sent_at"]
    list_filter = ["cadence", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__full_name", "user__username"]
    list_select_related = ["user"]


@admin.register(PhoneVerification)
class PhoneVerificationAdmin(RecordAdmin):
    list_display = ["phone", "user", "created_at", "expires_at", "attempts", "verified_at"]
    list_filter = [("verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["phone", "user__full_name", "user__username"]
    list_select_related = ["user"]
    exclude = ["code_hash"]  # never shown, not even hashed


@admin.register(Preference)
class PreferenceAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["user", "category", "channels", "cadence"]
    list_filter = ["category", "cadence"]
    search_fields = ["user__full_name", "user__username"]
    raw_id_fields = ["user"]


@admin.register(ContactSettings)
class ContactSettingsAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["user", "verified_phone", "phone_verified_at", "quiet_from", "quiet_until"]
    search_fields = ["user__full_name", "user__username", "verified_phone"]
    raw_id_fields = ["user"]
    readonly_fields = ["verified_phone", "phone_verified_at"]  # only the code sent to the number verifies it


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ScopedAdmin, admin.ModelAdmin):
    """A browser that receives Web Push: seen and forgotten here, never written by hand (the browser's
    push service issues its keys)."""

    list_display = ["user", "endpoint", "created_at"]
    search_fields = ["user__full_name", "user__username", "endpoint"]
    readonly_fields = ["user", "endpoint", "p256dh", "auth", "created_at"]

    def has_add_permission(self, request, *args):
        return False
