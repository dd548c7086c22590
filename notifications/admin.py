from django.contrib import admin

from collaborators.admin import ScopedAdmin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["subject", "recipient", "kind", "created_at", "sent_at", "read_at", "attempts"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter), ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "recipient__username", "recipient__full_name"]
    raw_id_fields = ["recipient"]
    readonly_fields = ["created_at", "sent_at", "read_at", "attempts", "last_error"]
