from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from collaborators.admin import ScopedAdmin
from reports.models import FocusPolicy, Report, ReportEvent, Rumour, Topic


@admin.register(Topic)
class TopicAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["name", "code", "order", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["name", "code"]


@admin.register(FocusPolicy)
class FocusPolicyAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["name", "code", "topic", "started_on", "ended_on", "is_active"]
    list_editable = ["is_active"]
    list_filter = ["is_active", "topic"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class ReportEventInline(admin.TabularInline):
    model = ReportEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "actor", "internal", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """Read-mostly: the workflow (status, review, rumours) changes through the review pages and
    their services, so that every step is an event; here reports are only read."""

    list_display = ["title", "kind", "status", "unit", "author", "urgent", "alert_level", "submitted_at"]
    list_filter = ["status", "kind", "urgent", "alert_level", "topic"]
    search_fields = ["title", "search_text"]
    date_hierarchy = "submitted_at"
    list_select_related = ["unit", "author"]
    inlines = [ReportEventInline]
    readonly_fields = [
        "author",
        "unit",
        "nothing_new",
        *Report.AUTHOR_FIELDS,
        "status",
        "verification",
        "assignee",
        "escalated_to",
        "created_at",
        "updated_at",
        "submitted_at",
        "first_submitted_at",
        "reviewed_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rumour)
class RumourAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["title", "verification", "sighting_count", "first_seen_at", "last_seen_at"]
    list_filter = ["verification", "topic"]
    search_fields = ["title", "search_text"]
    readonly_fields = [
        "verification",
        "resolution_note",
        "verified_by",
        "verified_at",
        "first_seen_at",
        "last_seen_at",
        "sighting_count",
        "created_by",
        "created_at",
    ]
    filter_horizontal = ["listed_units"]
