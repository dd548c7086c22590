from django.contrib import admin

from collaborators.admin import ScopedAdmin
from core import uploads
from core.forms import ReadableAdminInput
from trainings.models import CalendarFeedToken, Material, Registration, TrainingSession


class MaterialAdminForm(uploads.CheckedUploadModelForm):
    upload_use = uploads.TRAINING_MATERIAL


class MaterialInline(ReadableAdminInput, admin.TabularInline):
    """A file added here is checked as in the app (core.uploads); its name and kind are filled by the check."""

    model = Material
    form = MaterialAdminForm
    extra = 0
    fields = ["title", "file", "url", "original_name", "content_type", "size"]
    readonly_fields = ["original_name", "content_type", "size"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["title", "unit", "starts_at", "ends_at", "capacity", "status"]
    list_filter = ["status"]
    search_fields = ["title", "venue", "speakers"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["unit", "created_by"]
    filter_horizontal = ["target_units"]
    inlines = [MaterialInline]


@admin.register(Registration)
class RegistrationAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["person", "session", "status", "queued_at", "checked_in_at", "reminder_sent_at", "rating"]
    list_filter = ["status"]
    search_fields = ["person__full_name", "person__username", "session__title"]
    raw_id_fields = ["session", "person", "marked_by", "added_by"]


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["user", "created_at"]
    raw_id_fields = ["user"]
    exclude = ["token"]
