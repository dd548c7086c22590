"""The units pages: the tree (expanded on demand with htmx), a unit's page, admin actions, history."""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from collaborators.access import STAFF_ROLES, get_visible_or_404, is_admin, role_required, staff_or_404
from collaborators.filters import UNIT_PURPOSES, units_for, with_children
from collaborators.forms.units import (
    UnitCreateForm,
    UnitDissolveForm,
    UnitFieldsForm,
    UnitMergeForm,
    UnitMoveForm,
    UnitSplitForm,
)
from collaborators.models import Role, Unit
from collaborators.selectors import page_actions_for
from collaborators.selectors import units as selectors
from collaborators.services import units as services
from core import fragments
from core.ids import parse_id

_FIELD_ID = re.compile(r"^id_[a-z_]{1,40}$")


def _hide_ended(request) -> bool:
    return request.GET.get("hide_ended") == "1"


def _page_number(request) -> int:
    # Bounded far beyond any unit's children, so the page's offset always fits the database's integers.
    return min(parse_id(request.GET.get("page")) or 1, 100_000)


def _form_error(form, exc: ValidationError):
    for message in exc.messages:
        form.add_error(None, message)


@role_required(*STAFF_ROLES)
def unit_tree(request):
    """The user's root unit(s) and their children; deeper levels load with htmx; or search results."""
    hide_ended = _hide_ended(request)
    query = request.GET.get("q", "").strip()[:100]
    context = {
        "query": query,
        "hide_ended": hide_ended,
        "can_manage": is_admin(request.user),
        "search_limit": selectors.SEARCH_LIMIT,
    }
    if query:
        results = selectors.unit_search(request.user, query, include_ended=not hide_ended)
        context["results"] = selectors.without_ended_children(request.user, results) if hide_ended else results
    else:
        # The tree's HTML is kept per viewer's scope, language, day and view of ended units, under the
        # versions that the writes of its figures and of the units move (as its figures are). Rendering a
        # hundred units with their figures is most of the page's time; on a kept tree the units are not
        # even read (``roots`` is read only while the tree's block renders).
        user = request.user
        make_key, _kept, _keep = fragments.read_under(fragments.FIGURES, fragments.CHOICES)
        context["fragment_key"] = make_key(
            "unit-tree", get_language(), user.role, user.unit_id, user.is_superuser, hide_ended, timezone.localdate()
        )
        context["roots"] = SimpleLazyObject(lambda: selectors.unit_tree(user, include_ended=not hide_ended))
    return render(request, "collaborators/unit_tree.html", context)


@role_required(*STAFF_ROLES)
def unit_children(request, pk):
    """The children of one unit (a page of them), for the tree's htmx expansion."""
    parent = get_visible_or_404(Unit, request.user, pk=pk)
    hide_ended = _hide_ended(request)
    page = _page_number(request)
    children, has_more = selectors.unit_children(request.user, parent, include_ended=not hide_ended, page=page)
    return render(
        request,
        "collaborators/_partials/unit_children.html",
        {
            "parent": parent,
            "children": children,
            "has_more": has_more,
            "next_page": page + 1,
            "wrap": page == 1,
            "hide_ended": hide_ended,
        },
    )


@role_required(*STAFF_ROLES)
def unit_detail(request, pk):
    unit = get_visible_or_404(Unit, request.user, pk=pk)
    context = selectors.unit_page(request.user, unit, include_ended=not _hide_ended(request))
    context["hide_ended"] = _hide_ended(request)
    context["actions"] = [] if unit.ended else page_actions_for(unit, request.user)
    return render(request, "collaborators/unit_detail.html", context)


@role_required(Role.ADMIN)
def unit_create(request):
    initial = {}
    parent_id = parse_id(request.GET.get("parent"))
    if parent_id is not None:
        parent = Unit.objects.visible_to(request.user).filter(pk=parent_id).first()
        if parent is not None:
            initial["parent"] = parent
    form = UnitCreateForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_add(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The unit %(name)s has been created.") % {"name": unit.name})
            return redirect("roster:unit_detail", pk=unit.pk)
    return render(
        request,
        "collaborators/unit_form.html",
        {"form": form, "unit": None, "action": "create", "cancel_url": _cancel_url(initial.get("parent"))},
    )


def _cancel_url(unit):
    return reverse("roster:unit_detail", args=[unit.pk]) if unit else reverse("roster:unit_tree")


@role_required(Role.ADMIN)
def unit_edit(request, pk):
    unit = get_visible_or_404(Unit, request.user, pk=pk)
    form = UnitFieldsForm(request.POST or None, initial=UnitFieldsForm.initial_for(unit))
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("roster:unit_detail", pk=unit.pk)
    return render(
        request,
        "collaborators/unit_form.html",
        {"form": form, "unit": unit, "action": "edit", "cancel_url": _cancel_url(unit)},
    )


def _restructure(request, pk, *, action, form_class, service, success_message, form_kwargs=None):
    """The shared flow of move, dissolve, merge and split: scope (404), refusal (message), form, service."""
    unit = get_visible_or_404(Unit, request.user, pk=pk)
    refusal = selectors.restructure_refusal(request.user, unit)
    if refusal:
        messages.error(request, refusal)
        return redirect("roster:unit_detail", pk=unit.pk)
    kwargs = {"actor": request.user} if action in ("move", "merge", "split") else {}
    if form_kwargs is not None:
        kwargs.update(form_kwargs(unit))
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs() if hasattr(form, "service_kwargs") else form.cleaned_data
        try:
            result = service(actor=request.user, unit=unit, **data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, success_message(result, form.cleaned_data))
            return redirect("roster:unit_detail", pk=unit.pk)
    return render(
        request,
        "collaborators/unit_form.html",
        {"form": form, "unit": unit, "action": action, "cancel_url": _cancel_url(unit)},
    )


@role_required(Role.ADMIN)
def unit_move(request, pk):
    return _restructure(
        request,
        pk,
        action="move",
        form_class=UnitMoveForm,
        service=services.unit_move,
        success_message=lambda unit, data: (
            _("%(name)s now belongs to %(parent)s.") % {"name": unit.name, "parent": data["new_parent"].name}
        ),
    )


@role_required(Role.ADMIN)
def unit_dissolve(request, pk):
    return _restructure(
        request,
        pk,
        action="dissolve",
        form_class=UnitDissolveForm,
        service=services.unit_dissolve,
        success_message=lambda unit, data: (
            _("%(name)s has been dissolved (last day in force: %(date)s). It stays in the records with its history.")
            % {"name": unit.name, "date": formats.date_format(data["on"], "SHORT_DATE_FORMAT")}
        ),
    )


@role_required(Role.ADMIN)
def unit_merge(request, pk):
    return _restructure(
        request,
        pk,
        action="merge",
        form_class=UnitMergeForm,
        service=services.unit_merge,
        success_message=lambda unit, data: (
            _("%(name)s has been merged into %(successor)s, which now has its people and the units under it.")
            % {"name": unit.name, "successor": data["successor"].name}
        ),
    )


@role_required(Role.ADMIN)
def unit_split(request, pk):
    def form_kwargs(unit):
        children, people = services.split_candidates(unit, timezone.localdate())
        return {"unit": unit, "children": children, "people": people}

    return _restructure(
        request,
        pk,
        action="split",
        form_class=UnitSplitForm,
        service=services.unit_split,
        form_kwargs=form_kwargs,
        success_message=lambda unit, data: (
            _("%(name)s has been split: its units and people now belong to %(successors)s.")
            % {
                "name": unit.name,
                "successors": ", ".join(s.name for s in unit.successors.order_by("name")),
            }
        ),
    )


@role_required(Role.ADMIN)
def unit_history(request, pk):
    unit = get_visible_or_404(Unit, request.user, pk=pk)
    return render(
        request,
        "collaborators/unit_history.html",
        {
            "unit": unit,
            "entries": selectors.unit_history(unit),
            "predecessors": Unit.objects.visible_to(request.user).filter(successors=unit).order_by("name"),
            "successors": Unit.objects.visible_to(request.user).filter(predecessors=unit).order_by("name"),
        },
    )


@staff_or_404
@require_GET
def unit_options(request):
    """The unit picker's search (JSON): units the viewer sees matching ``q`` by name or code, or the units
    right under the unit ``parent`` (a branch opened in the tree), with their code, tree path, depth, number
    of units under them (``children``: not ended, ``children_ended``: ended, by the same rule) and parent's
    name; ended units, in a search as in a branch, only with ``ended=1`` (the picker's switch). ``purpose``
    names the form's own narrowing (a key of ``collaborators.filters.UNIT_PURPOSES``: "in-force", "manage" …;
    "visible" by default), so a form's picker brings only units the form accepts; an unknown name: 404."""
    purpose = request.GET.get("purpose") or "visible"
    if purpose not in UNIT_PURPOSES:
        raise Http404
    units = units_for(request.user, purpose)
    query = (request.GET.get("q") or "").strip()[:100]
    parent_id = parse_id(request.GET.get("parent"))
    include_ended = request.GET.get("ended") == "1"
    if parent_id is not None:
        rows = selectors.unit_branch(request.user, parent_id, include_ended=include_ended, units=units)
    elif query:
        rows = selectors.unit_search(request.user, query, include_ended=include_ended, units=units)
    else:
        rows = []
    rows = with_children(units, rows)
    today = timezone.localdate()
    return JsonResponse(
        {
            "results": [
                {
                    "id": unit.pk,
                    "code": unit.code,
                    "path": unit.path,
                    "name": unit.name,
                    "depth": unit.depth,
                    "children": unit.children_open,
                    "children_ended": unit.children_ended,
                    "parent": getattr(unit, "parent_name", ""),
                    "ended": unit.valid_to is not None and unit.valid_to < today,
                }
                for unit in rows
            ]
        }
    )


@role_required(Role.ADMIN)
def unit_pick(request):
    """Units in force matching a name or code, to fill a parent or successor field (htmx)."""
    target = request.GET.get("target", "")
    if not _FIELD_ID.match(target):
        target = ""
    query = (request.GET.get("pick_q") or "").strip()[:100]
    exclude = None
    exclude_id = parse_id(request.GET.get("exclude"))
    if exclude_id is not None:
        exclude = Unit.objects.visible_to(request.user).filter(pk=exclude_id).first()
    units = selectors.unit_pick_candidates(request.user, query, exclude=exclude) if query else []
    return render(
        request,
        "collaborators/_partials/unit_pick.html",
        {"units": units, "query": query, "target": target},
    )
