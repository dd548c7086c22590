from django.contrib import admin

from trainings.models import CalendarFeedToken, Material, Registration, TrainingSession


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "starts_at", "ends_at", "capacity", "status"]
    list_filter = ["status"]
    search_fields = ["title", "venue", "speakers"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["unit", "created_by"]
    filter_horizontal = ["target_units"]
    inlines = [MaterialInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["person", "session", "status", "queued_at", "checked_in_at", "reminder_sent_at", "rating"]
    list_filter = ["status"]
    search_fields = ["person__full_name", "person__username", "session__title"]
    raw_id_fields = ["session", "person", "marked_by", "added_by"]


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    raw_id_fields = ["user"]
    exclude = ["token"]
