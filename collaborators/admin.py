from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR, IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import Http404, HttpResponseBadRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from collaborators.access import ScopedQuerySet
from collaborators.models import CollaboratorProfile, ExportRecord, ImportBatch, RecognitionDecision, Unit, User
from collaborators.models.exports import ExportJob
from core.forms import ReadableAdminInput
from core.ids import parse_id
from privacy.admin import NoEditsAdmin


class ScopedAdmin(ReadableAdminInput):
    """The admin follows the app's access rule.

    Superusers see and change everything. Any other account let into the admin (Django's ``is_staff``,
    which the app gives only to superusers, but an administrator may tick it) sees only the rows in its
    scope (``visible_to``), changes and deletes only those it may act on (``manageable_by``), adds
    nothing, and does not see models without a scope rule (reference data, events, notifications) at
    all. An object out of scope answers as a missing one. Mix in before the ModelAdmin class. Odd input
    (an add page's initial values, ids of related rows) is read as ``ReadableAdminInput`` reads it.
    """

    def _scoped_queryset(self):
        queryset = self.model._default_manager.get_queryset()
        return queryset if isinstance(queryset, ScopedQuerySet) else None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        scoped = self._scoped_queryset()
        if scoped is None:
            return queryset if request.user.is_superuser else queryset.none()
        # Superusers too: what the rule hides from everyone (another person's drafts) stays hidden.
        # Filtered by key, so that what the parent class narrowed (a tree level, a join) is kept.
        return queryset.filter(pk__in=scoped.visible_to(request.user).values("pk"))

    def _within(self, request, obj, *, acting):
        if request.user.is_superuser:
            return True
        scoped = self._scoped_queryset()
        if scoped is None:
            return False
        if obj is None:
            return True
        rows = scoped.manageable_by(request.user) if acting else scoped.visible_to(request.user)
        return rows.filter(pk=obj.pk).exists()

    def has_module_permission(self, request):
        return super().has_module_permission(request) and self._within(request, None, acting=False)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._within(request, obj, acting=False)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._within(request, obj, acting=True)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._within(request, obj, acting=True)

    def history_view(self, request, object_id, extra_context=None):
        # The history would otherwise fall back on the object's past rows: out of scope is missing.
        if not request.user.is_superuser and self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A past version is never picked in a popup window: Django's answer to a popup reads the object's
        # id from the URL by name, which a past version's URL does not give (simple_history's).
        if IS_POPUP_VAR in request.GET or IS_POPUP_VAR in request.POST:
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)


@admin.register(Unit)
class UnitAdmin(ScopedAdmin, SimpleHistoryAdmin, TreeAdmin):
    form = movenodeform_factory(Unit)
    list_display = ["name", "code", "kind", "valid_from", "valid_to", "member_count"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    # 7,000 units: predecessors are searched, not listed; successors are read from the other side.
    autocomplete_fields = ["predecessors"]
    readonly_fields = ["successor_list"]

    @admin.display(description=_("successors"))
    def successor_list(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return ", ".join(f"{unit.name} ({unit.code})" for unit in obj.successors.order_by("name")) or "—"

    def changelist_view(self, request, extra_context=None):
        # The tree's own list marks its level on GET only; a POST (an action) shows the list too.
        if request.method != "GET":
            request._treebeard_parent = None
        return super().changelist_view(request, extra_context)

    def children_view(self, request, parent_id):
        if parse_id(parent_id) is None:
            raise Http404
        try:
            return super().children_view(request, parent_id)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(_("The list cannot be filtered that way."))

    def get_deleted_objects(self, objs, request):
        # treebeard deletes a unit's descendants by their path, not through foreign keys: what refers to
        # them (people, reports) protects the unit as well, and the confirmation page lists it.
        return super().get_deleted_objects([node for obj in objs for node in Unit.objects.get_tree(obj)], request)


@admin.register(User)
class UserAdmin(ScopedAdmin, SimpleHistoryAdmin, DjangoUserAdmin):
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


@admin.register(CollaboratorProfile)
class CollaboratorProfileAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["user", "position", "status", "status_since", "term_end"]
    list_filter = ["status", "position"]
    search_fields = ["user__full_name", "user__username"]
    raw_id_fields = ["user", "recognition_decision"]


@admin.register(RecognitionDecision)
class RecognitionDecisionAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["number", "issued_on", "kind", "unit", "signer", "applied_at"]
    list_filter = ["kind"]
    search_fields = ["number", "signer"]
    raw_id_fields = ["unit", "people", "created_by"]


class RecordAdmin(NoEditsAdmin, ScopedAdmin, admin.ModelAdmin):
    """Rows the system writes (exports, the outbox's deliveries…): read within scope; nobody adds, changes
    or deletes one by hand."""


@admin.register(ExportRecord)
class ExportRecordAdmin(RecordAdmin):
    """Read-only: the record of who exported what and when."""

    list_display = ["created_at", "user", "kind", "file_format", "row_count"]
    list_filter = ["kind", "file_format"]
    readonly_fields = ["created_at", "user", "kind", "file_format", "row_count", "parameters"]


@admin.register(ExportJob)
class ExportJobAdmin(RecordAdmin):
    """Read-only, for superusers only (as the export records): every export job, what was asked with which
    filters, by whom, its progress and status. The file is not shown: only its asker downloads it, from
    the job's page."""

    list_display = ["created_at", "kind", "requested_by", "status", "rows_done", "rows_total", "finished_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [
        "kind",
        "requested_by",
        "parameters",
        "language",
        "status",
        "rows_done",
        "rows_total",
        "created_at",
        "finished_at",
    ]
    exclude = ["file", "return_path"]

    def _scoped_queryset(self):
        # The asker-only rule is for the pages; here the jobs are an audit list like the export records.
        return None


@admin.register(ImportBatch)
class ImportBatchAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["created_at", "created_by", "filename", "status", "error_count", "applied_at"]
    list_filter = ["status"]
    readonly_fields = ["rows"]
