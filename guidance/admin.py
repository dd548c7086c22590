from django.contrib import admin

from collaborators.admin import ScopedAdmin
from core import uploads
from guidance.models import GuidanceNote, NoteAttachment, PulseRecipient, PulseRequest, Receipt, RumourAlert


@admin.register(GuidanceNote)
class GuidanceNoteAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ("title", "status", "published_at", "author_unit")
    list_filter = ("status",)
    search_fields = ("title",)
    raw_id_fields = ("author", "author_unit", "target_units", "rumours", "questions")
    # The body is sanitised by the service: edit notes through the app, not here.
    readonly_fields = ("body", "search_text", "published_at", "status")


@admin.register(Receipt)
class ReceiptAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ("note", "person", "read_at", "acknowledged_at")
    raw_id_fields = ("note", "person")


@admin.register(RumourAlert)
class RumourAlertAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ("rumour", "sightings", "units", "created_at")
    raw_id_fields = ("rumour",)


@admin.register(PulseRequest)
class PulseRequestAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ("question", "status", "deadline", "author_unit")
    list_filter = ("status", "mode")
    raw_id_fields = ("author", "author_unit", "target_units", "topic", "focus_policy")
    # Open requests through the app (pulse_open), which fixes the people asked and notifies them.
    readonly_fields = ("status", "opened_at", "closed_at", "seed")


@admin.register(PulseRecipient)
class PulseRecipientAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ("pulse", "person", "unit", "answered_at", "reminded_at")
    raw_id_fields = ("pulse", "person", "unit", "report")


class NoteAttachmentAdminForm(uploads.CheckedUploadModelForm):
    upload_use = uploads.GUIDANCE_FILE


@admin.register(NoteAttachment)
class NoteAttachmentAdmin(ScopedAdmin, admin.ModelAdmin):
    """A file added here is checked as in the app (core.uploads); its name and kind are filled by the check."""

    form = NoteAttachmentAdminForm
    list_display = ("original_name", "note", "content_type", "size")
    raw_id_fields = ("note", "uploaded_by")
    fields = ("note", "file", "uploaded_by", "original_name", "content_type", "size")
    readonly_fields = ("original_name", "content_type", "size")
