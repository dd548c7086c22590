"""The units pages: the tree, a unit's page, admin actions (create, edit, move, dissolve, merge) and history."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from collaborators.models import Role, Unit, UnitKind, User
from collaborators.selectors import units as selectors_units
from collaborators.services import units as services
from collaborators.signals import unit_figures
from tests.clock import A_WORKING_MORNING, frozen_clock
from tests.factories import UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english"), pytest.mark.clock]
_clock = frozen_clock(A_WORKING_MORNING)  # "today" and "yesterday" below are this morning's

YESTERDAY = A_WORKING_MORNING.date() - timedelta(days=1)


@pytest.fixture
def union_admin(union):
    return UserFactory(username="unionadmin", full_name="Trần Văn Bình", unit=union, role=Role.ADMIN)


@pytest.fixture
def other_admin(other_union):
    return UserFactory(username="otheradmin", full_name="Đỗ Thị Hạnh", unit=other_union, role=Role.ADMIN)


@pytest.fixture
def grassroots_b(union):
    return UnitFactory(parent=union, kind=UnitKind.GRASSROOTS, code="WARD-A-02", name="Công đoàn cơ sở Bệnh viện")


def url(name, unit=None):
    return reverse(f"roster:{name}", args=[unit.pk] if unit is not None else [])


def fresh(unit):
    return Unit.objects.get(pk=unit.pk)


def html_of(response):
    return response.content.decode()


# --- Access: three actors on every view ---------------------------------------------------

STAFF_VIEWS = ["unit_detail", "unit_children"]
ADMIN_VIEWS = ["unit_edit", "unit_move", "unit_dissolve", "unit_merge", "unit_history"]


def test_collaborator_is_refused_every_units_page(client, collaborator, grassroots):
    client.force_login(collaborator)
    assert client.get(url("unit_tree")).status_code == 404
    assert client.get(url("unit_create")).status_code == 404
    assert client.get(url("unit_pick") + "?pick_q=ba").status_code == 404
    for name in STAFF_VIEWS + ADMIN_VIEWS:
        assert client.get(url(name, grassroots)).status_code == 404, name


def test_anonymous_visitor_is_sent_to_the_login_page(client, union):
    response = client.get(url("unit_detail", union))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", STAFF_VIEWS)
def test_staff_of_the_union_open_its_pages_and_staff_of_another_union_get_404(
    client, name, unit_staff, other_staff, grassroots
):
    client.force_login(unit_staff)
    assert client.get(url(name, grassroots)).status_code == 200
    client.force_login(other_staff)
    assert client.get(url(name, grassroots)).status_code == 404


@pytest.mark.parametrize("name", ADMIN_VIEWS)
def test_admin_of_the_union_opens_the_admin_pages_staff_get_403_and_another_union_404(
    client, name, union_admin, unit_staff, other_admin, grassroots
):
    client.force_login(union_admin)
    assert client.get(url(name, grassroots)).status_code == 200
    client.force_login(unit_staff)
    assert client.get(url(name, grassroots)).status_code == 404
    client.force_login(other_admin)
    assert client.get(url(name, grassroots)).status_code == 404


@pytest.mark.parametrize("name", ["unit_edit", "unit_move", "unit_dissolve", "unit_merge"])
def test_admin_posting_an_action_on_a_unit_outside_their_subtree_gets_404_and_nothing_changes(
    client, name, union_admin, other_union
):
    client.force_login(union_admin)
    before = Unit.objects.get(pk=other_union.pk)
    data = {"name": "X", "code": "X", "kind": UnitKind.GRASSROOTS, "member_count": 0, "new_parent": "WARD-A"}
    data |= {"successor": "WARD-A", "on": "2025-06-30", "reason": "test"}
    assert client.post(url(name, other_union), data).status_code == 404
    after = fresh(other_union)
    assert (after.name, after.code, after.path, after.valid_to) == (before.name, before.code, before.path, None)


# --- The tree -------------------------------------------------------------------------------


def test_staff_see_their_union_and_the_units_under_it_not_the_others(
    client, unit_staff, union, grassroots, other_union, city
):
    client.force_login(unit_staff)
    response = client.get(url("unit_tree"))
    html = html_of(response)
    assert response.status_code == 200
    assert union.name in html and grassroots.name in html
    assert other_union.name not in html
    assert f'data-unit-id="{city.pk}"' not in html and f'data-unit-id="{union.pk}"' in html


def test_tree_shows_kind_code_and_people_counted_over_the_whole_subtree(
    client, unit_staff, collaborator, union, grassroots
):
    UserFactory(unit=grassroots, role=Role.COLLABORATOR)
    client.force_login(unit_staff)
    [root] = client.get(url("unit_tree")).context["roots"]
    assert root == union
    assert root.people_count == 3  # the staff member at the union and two collaborators below
    assert root.child_rows == [grassroots] and root.child_rows[0].people_count == 2
    html = html_of(client.get(url("unit_tree")))
    assert "WARD-A-01" in html and "Công đoàn cơ sở" in html


def test_the_tree_is_kept_and_a_renamed_unit_or_a_new_person_shows_on_the_next_visit(
    client, unit_staff, union, grassroots
):
    client.force_login(unit_staff)

    def tree(response):
        html = html_of(response)
        return html[html.index('id="unit-tree"') : html.index("</main>")]

    with CaptureQueriesContext(connection) as first:
        html = tree(client.get(url("unit_tree")))
    with CaptureQueriesContext(connection) as kept:
        assert tree(client.get(url("unit_tree"))) == html
    # Served from the cache: the units and their figures are not read again.
    assert len(kept) < len(first)

    def reads_the_children(ctx):
        return any('"collaborators_unit"."depth" = ' in query["sql"] for query in ctx.captured_queries)

    assert reads_the_children(first) and not reads_the_children(kept)

    grassroots.name = "Công đoàn cơ sở Nhà máy nước"
    grassroots.save()
    assert "Nhà máy nước" in html_of(client.get(url("unit_tree")))
    before = selectors_units.units_with_counts(unit_staff, [union])[0].people_count
    UserFactory(unit=grassroots, role=Role.COLLABORATOR)
    [root] = client.get(url("unit_tree")).context["roots"]
    assert root.people_count == before + 1


def test_a_node_with_children_expands_with_htmx_and_the_partial_lists_them(
    client, federation_admin, city, union, grassroots
):
    client.force_login(federation_admin)
    html = html_of(client.get(url("unit_tree")))
    # The city is open; the union (one level down) loads its children on demand.
    assert f'hx-get="{url("unit_children", union)}"' in html
    assert f'id="unit-children-{union.pk}"' in html
    assert grassroots.name not in html
    partial = client.get(url("unit_children", union), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert grassroots.name in html_of(partial)
    assert "<html" not in html_of(partial)


def test_children_partial_pages_long_lists_with_a_show_more_button(client, federation_admin, union, monkeypatch):
    monkeypatch.setattr(selectors_units, "CHILDREN_PAGE_SIZE", 2)
    for n in range(3):
        UnitFactory(parent=union, kind=UnitKind.GRASSROOTS, name=f"Công đoàn cơ sở số {n}")
    client.force_login(federation_admin)
    first = client.get(url("unit_children", union))
    assert len(first.context["children"]) == 2 and 'data-testid="more-units"' in html_of(first)
    second = client.get(url("unit_children", union) + "?page=2")
    assert len(second.context["children"]) == 1 and 'data-testid="more-units"' not in html_of(second)


def test_search_ignores_accents_and_case_and_stays_in_scope(client, unit_staff, federation_admin, other_union, union):
    client.force_login(federation_admin)
    response = client.get(url("unit_tree") + "?q=hoan kiem")
    assert [u.code for u in response.context["results"]] == ["WARD-B"]
    assert "Hoàn Kiếm" in html_of(response)
    assert [u.code for u in client.get(url("unit_tree") + "?q=PHƯỜNG BA").context["results"]] == ["WARD-A"]
    client.force_login(unit_staff)
    assert client.get(url("unit_tree") + "?q=hoan kiem").context["results"] == []


def test_search_finds_a_unit_by_its_code(client, unit_staff, grassroots):
    client.force_login(unit_staff)
    results = client.get(url("unit_tree") + "?q=ward-a-01").context["results"]
    assert results == [grassroots]
    assert results[0].parent_name == "Công đoàn phường Ba Đình"


def test_search_matches_names_stored_in_decomposed_unicode(federation_admin, city):
    import unicodedata

    UnitFactory(parent=city, code="NFD-1", name=unicodedata.normalize("NFD", "Công đoàn Khu công nghệ cao Hòa Lạc"))
    assert [u.code for u in selectors_units.unit_search(federation_admin, "hoa lac")] == ["NFD-1"]


def test_dissolved_units_are_greyed_with_their_last_day_and_can_be_hidden(
    client, federation_admin, city, union, grassroots
):
    district = UnitFactory(
        parent=city, kind=UnitKind.DISTRICT_FEDERATION, code="Q-BD", name="Liên đoàn Lao động quận Ba Đình"
    )
    services.unit_dissolve(actor=federation_admin, unit=district, on=date(2025, 6, 30), reason="NQ 18")
    client.force_login(federation_admin)
    html = html_of(client.get(url("unit_tree")))
    assert district.name in html
    assert "30/06/2025" in html and 'data-ended="true"' in html
    hidden = html_of(client.get(url("unit_tree") + "?hide_ended=1"))
    assert district.name not in hidden and union.name in hidden
    assert f'hx-get="{url("unit_children", union)}?hide_ended=1"' in hidden


def test_a_unit_whose_units_have_all_ended_has_no_toggle_while_ended_units_are_hidden(
    client, federation_admin, union, grassroots, grassroots_b
):
    for n in (1, 2):
        team = UnitFactory(parent=grassroots_b, kind=UnitKind.GRASSROOTS, code=f"T-OLD-{n}", name=f"Tổ cũ {n}")
        services.unit_dissolve(actor=federation_admin, unit=team, on=date(2025, 6, 30), reason="NQ 18")
    UnitFactory(parent=grassroots, kind=UnitKind.GRASSROOTS, code="T-1", name="Tổ công đoàn Khối tiểu học")
    client.force_login(federation_admin)

    def toggles(path):
        html = html_of(client.get(path))
        return {unit.pk: f'aria-controls="unit-children-{unit.pk}"' in html for unit in (grassroots, grassroots_b)}

    # Ended units shown: both open. Hidden: the hospital's union has nothing left to open, in the tree, a
    # branch and a search alike; the school's union still opens.
    assert toggles(url("unit_children", union)) == {grassroots.pk: True, grassroots_b.pk: True}
    for path in (
        url("unit_children", union) + "?hide_ended=1",
        url("unit_detail", union) + "?hide_ended=1",
        url("unit_tree") + "?hide_ended=1&q=cong doan co so",
    ):
        assert toggles(path) == {grassroots.pk: True, grassroots_b.pk: False}, path


def _grow(parent, count):
    for _ in range(count):
        unit = UnitFactory(parent=parent, kind=UnitKind.GRASSROOTS)
        UserFactory(unit=unit)


def _queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_tree_page_costs_the_same_queries_with_10_and_100_units(client, federation_admin, city, union, grassroots):
    client.force_login(federation_admin)
    _grow(city, 10)
    _grow(union, 10)
    small = _queries(client, url("unit_tree"))
    _grow(city, 90)
    _grow(union, 90)
    assert Unit.objects.count() > 200
    assert _queries(client, url("unit_tree")) == small
    assert small <= 14  # one query per counter (people, reports) and tree depth


def test_children_partial_costs_the_same_queries_with_10_and_100_units(client, unit_staff, union):
    client.force_login(unit_staff)
    _grow(union, 10)
    small = _queries(client, url("unit_children", union))
    _grow(union, 90)
    assert _queries(client, url("unit_children", union)) == small
    assert small <= 12  # one of them: the restructurings' moves, so a split branch's past stays put


def test_unit_page_costs_the_same_queries_with_10_and_100_units_under_it(client, federation_admin, union):
    client.force_login(federation_admin)
    _grow(union, 10)
    small = _queries(client, url("unit_detail", union))
    _grow(union, 90)
    assert _queries(client, url("unit_detail", union)) == small
    assert small <= 19  # with the follow button and the restructurings' moves (for the unit, its children)


def test_search_costs_the_same_queries_with_10_and_100_matches(client, federation_admin, city):
    client.force_login(federation_admin)
    _grow(city, 10)
    small = _queries(client, url("unit_tree") + "?q=thu nghiem")
    _grow(city, 90)
    assert _queries(client, url("unit_tree") + "?q=thu nghiem") == small


def test_units_with_counts_leaves_out_units_outside_the_users_scope(unit_staff, union, other_union):
    assert selectors_units.units_with_counts(unit_staff, [union, other_union]) == [union]


def test_a_higher_app_adds_a_figure_per_unit_through_the_unit_figures_signal(
    unit_staff, union, grassroots, collaborator
):
    seen = []

    def collaborators_only(sender, *, units, viewer, **kwargs):
        seen.append((list(units), viewer))
        counted = User.objects.filter(role=Role.COLLABORATOR)
        return {"CTV": selectors_units.subtree_counts(counted, units)}

    unit_figures.connect(collaborators_only, dispatch_uid="test.collaborators_only")
    try:
        [row] = selectors_units.units_with_counts(unit_staff, [union])
    finally:
        unit_figures.disconnect(dispatch_uid="test.collaborators_only")
    assert seen == [([union], unit_staff)]
    assert row.people_count == 2 and row.figures["CTV"] == 1
    assert ("CTV", 1) in row.count_cells and row.count_cells[0] == ("People", 2)


# --- A unit's page --------------------------------------------------------------------------


def test_unit_page_shows_its_details_breadcrumb_children_and_link_to_its_people(
    client, federation_admin, city, union, grassroots, collaborator
):
    client.force_login(federation_admin)
    response = client.get(url("unit_detail", union))
    html = html_of(response)
    assert response.context["ancestors"] == [city]
    assert response.context["children"] == [grassroots]
    assert response.context["unit"].people_count == 1
    assert f'href="{reverse("roster:person_list")}?unit={union.pk}"' in html
    for action in ("unit_edit", "unit_move", "unit_dissolve", "unit_merge", "unit_history"):
        assert url(action, union) in html


def test_staff_see_the_unit_page_without_admin_buttons_and_no_breadcrumb_above_their_union(
    client, unit_staff, union, grassroots
):
    client.force_login(unit_staff)
    response = client.get(url("unit_detail", grassroots))
    assert response.context["ancestors"] == [union]
    html = html_of(response)
    assert url("unit_edit", grassroots) not in html and url("unit_history", grassroots) not in html


def test_admin_sees_no_move_or_dissolve_button_on_their_own_unit(client, union_admin, union):
    client.force_login(union_admin)
    html = html_of(client.get(url("unit_detail", union)))
    assert url("unit_edit", union) in html
    assert url("unit_move", union) not in html and url("unit_dissolve", union) not in html


# --- Create and edit --------------------------------------------------------------------------


def test_admin_creates_a_unit_under_a_unit_of_their_area(client, union_admin, union):
    client.force_login(union_admin)
    response = client.post(
        url("unit_create"),
        {
            "parent": "ward-a",
            "name": "  Công đoàn cơ sở  Công ty May 10 ",
            "code": "ward-a-10",
            "kind": UnitKind.GRASSROOTS,
            "valid_from": "01/10/2025",
            "member_count": 120,
            "reason": "QĐ 12/QĐ-CĐP",
        },
    )
    unit = Unit.objects.get(code="WARD-A-10")
    assert response.status_code == 302 and response["Location"] == url("unit_detail", unit)
    assert unit.name == "Công đoàn cơ sở Công ty May 10"
    assert unit.valid_from == date(2025, 10, 1) and unit.member_count == 120
    assert fresh(unit).is_within(union) and fresh(unit).depth == union.depth + 1
    record = unit.history.get()
    assert record.history_user == union_admin and record.history_change_reason == "QĐ 12/QĐ-CĐP"


def test_create_page_prefills_the_parent_from_the_unit_page(client, union_admin, union):
    client.force_login(union_admin)
    html = html_of(client.get(url("unit_create") + f"?parent={union.pk}"))
    assert 'value="WARD-A"' in html


def test_admin_cannot_create_a_unit_under_a_unit_outside_their_area(client, union_admin, other_union):
    client.force_login(union_admin)
    data = {"parent": "WARD-B", "name": "Công đoàn X", "code": "X-1", "kind": UnitKind.GRASSROOTS, "member_count": 0}
    response = client.post(url("unit_create"), data)
    assert response.status_code == 200
    assert "No unit in force in your area has this code" in html_of(response)
    assert not Unit.objects.filter(code="X-1").exists()


def test_creating_a_unit_with_a_code_already_used_is_refused(client, union_admin, grassroots):
    client.force_login(union_admin)
    data = {"parent": "WARD-A", "name": "Công đoàn Y", "code": "ward-a-01", "kind": UnitKind.GRASSROOTS}
    response = client.post(url("unit_create"), data | {"member_count": 0})
    assert "Another unit already has the code WARD-A-01" in html_of(response)
    assert Unit.objects.filter(code__iexact="WARD-A-01").count() == 1


def test_admin_edits_their_own_unit_and_the_history_shows_who_and_what(client, union_admin, union):
    client.force_login(union_admin)
    response = client.post(
        url("unit_edit", union),
        {
            "name": "Công đoàn phường Ba Đình mới",
            "code": "WARD-A",
            "kind": UnitKind.COMMUNE_WARD,
            "valid_from": "01/10/2025",
            "member_count": 5400,
            "reason": "Kiện toàn",
        },
    )
    assert response.status_code == 302
    union.refresh_from_db()
    assert union.name == "Công đoàn phường Ba Đình mới" and union.member_count == 5400
    history = client.get(url("unit_history", union))
    html = html_of(history)
    assert "Trần Văn Bình" in html
    assert "Công đoàn phường Ba Đình → Công đoàn phường Ba Đình mới" in html
    assert "— → 01/10/2025" in html
    assert "Kiện toàn" in html


def test_editing_a_code_to_one_already_used_is_refused(union_admin, union, grassroots):
    with pytest.raises(ValidationError, match="Another unit already has the code"):
        services.unit_update(
            actor=union_admin,
            unit=grassroots,
            name=grassroots.name,
            code="WARD-A",
            kind=grassroots.kind,
            valid_from=None,
            member_count=0,
        )


def test_staff_cannot_create_or_edit_units(client, unit_staff, union):
    client.force_login(unit_staff)
    assert client.post(url("unit_create"), {"parent": "WARD-A", "name": "Z", "code": "Z"}).status_code == 404
    assert client.post(url("unit_edit", union), {"name": "Z"}).status_code == 404


# --- Move -----------------------------------------------------------------------------------


def test_admin_moves_a_grassroots_union_to_another_union_with_its_people(
    client, federation_admin, grassroots, other_union, collaborator, other_staff, unit_staff
):
    client.force_login(federation_admin)
    response = client.post(url("unit_move", grassroots), {"new_parent": "WARD-B", "reason": "Theo địa bàn mới"})
    assert response.status_code == 302
    moved = fresh(grassroots)
    assert moved.is_within(other_union)
    assert collaborator in User.objects.visible_to(other_staff)
    assert collaborator not in User.objects.visible_to(unit_staff)
    record = moved.history.latest()
    assert record.history_user == federation_admin
    assert record.history_change_reason == "Moved from WARD-A to WARD-B. Theo địa bàn mới"


def test_moving_a_unit_under_one_of_its_own_units_is_refused_with_a_clear_message(
    client, federation_admin, union, grassroots
):
    client.force_login(federation_admin)
    response = client.post(url("unit_move", union), {"new_parent": "WARD-A-01"})
    assert response.status_code == 200
    assert "is one of the units under" in html_of(response)
    assert fresh(union).path == union.path
    with pytest.raises(ValidationError, match="cannot be moved under itself"):
        services.unit_move(actor=federation_admin, unit=union, new_parent=union)


def test_moving_a_unit_where_it_already_is_is_refused(federation_admin, union, grassroots):
    with pytest.raises(ValidationError, match="already directly under"):
        services.unit_move(actor=federation_admin, unit=grassroots, new_parent=union)


def test_admin_cannot_move_or_dissolve_their_own_unit(client, union_admin, union, city):
    client.force_login(union_admin)
    for name in ("unit_move", "unit_dissolve", "unit_merge"):
        response = client.get(url(name, union), follow=True)
        assert response.redirect_chain[-1][0] == url("unit_detail", union)
        assert "You cannot move, dissolve or merge your own unit" in html_of(response)
    with pytest.raises(ValidationError, match="your own unit"):
        services.unit_move(actor=union_admin, unit=union, new_parent=union)


def test_admin_moves_units_within_their_own_subtree(union_admin, union, grassroots, grassroots_b):
    services.unit_move(actor=union_admin, unit=grassroots_b, new_parent=grassroots)
    assert fresh(grassroots_b).is_within(grassroots)


def test_service_refuses_a_target_outside_the_admins_subtree(union_admin, grassroots, other_union):
    with pytest.raises(ValidationError, match="outside your area"):
        services.unit_move(actor=union_admin, unit=grassroots, new_parent=other_union)


# --- Dissolve -------------------------------------------------------------------------------


def test_dissolving_a_unit_people_still_belong_to_is_refused(client, federation_admin, grassroots, collaborator):
    client.force_login(federation_admin)
    response = client.post(url("unit_dissolve", grassroots), {"on": "30/06/2025", "reason": "Giải thể"})
    assert response.status_code == 200
    html = html_of(response)
    assert "1 person still belongs to it" in html and "Move them to another unit" in html
    assert fresh(grassroots).valid_to is None


def test_dissolving_a_unit_with_units_in_force_under_it_is_refused(federation_admin, union, grassroots):
    with pytest.raises(ValidationError, match="units under it are still in force"):
        services.unit_dissolve(actor=federation_admin, unit=union, on=YESTERDAY, reason="x")


def test_dissolving_needs_a_reason(federation_admin, grassroots_b):
    with pytest.raises(ValidationError, match="Give the reason"):
        services.unit_dissolve(actor=federation_admin, unit=grassroots_b, on=YESTERDAY, reason=" ")


def test_admin_dissolves_an_empty_unit_which_stays_readable_with_its_dates(client, union_admin, grassroots_b):
    client.force_login(union_admin)
    response = client.post(url("unit_dissolve", grassroots_b), {"on": "30/06/2025", "reason": "QĐ 45/QĐ-LĐLĐ"})
    assert response.status_code == 302
    unit = fresh(grassroots_b)
    assert unit.valid_to == date(2025, 6, 30)
    page = client.get(url("unit_detail", unit))
    assert page.status_code == 200 and "30/06/2025" in html_of(page)
    assert url("unit_move", unit) not in html_of(page)
    record = unit.history.latest()
    assert record.history_user == union_admin and record.history_change_reason == "Dissolved: QĐ 45/QĐ-LĐLĐ"
    with pytest.raises(ValidationError, match="can no longer be moved"):
        services.unit_dissolve(actor=union_admin, unit=unit, on=date(2025, 7, 1), reason="again")


def test_dissolution_date_cannot_be_before_the_unit_started(federation_admin, union):
    unit = UnitFactory(parent=union, valid_from=date(2025, 10, 1))
    with pytest.raises(ValidationError, match="cannot be before the start date"):
        services.unit_dissolve(actor=federation_admin, unit=unit, on=date(2025, 6, 30), reason="x")


# --- Merge ----------------------------------------------------------------------------------


def test_merge_moves_people_and_units_to_the_successor_and_keeps_the_old_unit_readable(
    client, union_admin, union, grassroots, grassroots_b, collaborator
):
    sub = UnitFactory(parent=grassroots, kind=UnitKind.GRASSROOTS, code="WARD-A-01-T", name="Tổ công đoàn")
    sub_person = UserFactory(unit=sub)
    client.force_login(union_admin)
    response = client.post(
        url("unit_merge", grassroots), {"successor": "WARD-A-02", "on": "30/09/2025", "reason": "Sáp nhập"}
    )
    assert response.status_code == 302
    old = fresh(grassroots)
    assert old.valid_to == date(2025, 9, 30)
    assert list(grassroots_b.predecessors.all()) == [old]
    collaborator.refresh_from_db()
    sub_person.refresh_from_db()
    assert collaborator.unit == grassroots_b
    assert fresh(sub).is_within(grassroots_b) and sub_person.unit == sub
    assert collaborator.history.latest().history_user == union_admin
    assert old.history.latest().history_change_reason == "Merged into WARD-A-02. Sáp nhập"
    # The old unit stays readable, with its dates and a link to the unit that took over.
    page = client.get(url("unit_detail", old))
    html = html_of(page)
    assert page.status_code == 200 and "30/09/2025" in html
    assert url("unit_detail", grassroots_b) in html
    successor_page = html_of(client.get(url("unit_detail", grassroots_b)))
    assert 'data-testid="unit-predecessors"' in successor_page and old.name in successor_page


def test_merging_into_a_unit_under_itself_is_refused(federation_admin, union, grassroots):
    with pytest.raises(ValidationError, match="choose a successor outside this branch"):
        services.unit_merge(actor=federation_admin, unit=union, successor=grassroots, on=YESTERDAY)
    with pytest.raises(ValidationError, match="merged into itself"):
        services.unit_merge(actor=federation_admin, unit=union, successor=union, on=YESTERDAY)


def test_merging_into_a_unit_no_longer_in_force_is_refused(federation_admin, grassroots, grassroots_b):
    services.unit_dissolve(actor=federation_admin, unit=grassroots_b, on=YESTERDAY, reason="x")
    with pytest.raises(ValidationError, match="not in force today"):
        services.unit_merge(actor=federation_admin, unit=grassroots, successor=fresh(grassroots_b), on=YESTERDAY)


def test_a_unit_merged_today_offers_no_more_restructuring_and_cannot_take_over_others(
    client, federation_admin, grassroots, grassroots_b, union
):
    today = timezone.localdate()
    services.unit_merge(actor=federation_admin, unit=grassroots_b, successor=grassroots, on=today)
    merged = fresh(grassroots_b)
    assert merged.is_current  # its last day in force is today
    client.force_login(federation_admin)
    html = html_of(client.get(url("unit_detail", merged)))
    assert 'data-testid="unit-ended-notice"' in html and grassroots.name in html
    assert url("unit_move", merged) not in html and url("unit_merge", merged) not in html
    with pytest.raises(ValidationError, match="choose a unit that continues"):
        services.unit_merge(actor=federation_admin, unit=fresh(grassroots), successor=merged, on=today)


def test_merging_into_a_unit_of_another_union_is_refused_to_the_union_admin(
    client, union_admin, grassroots, other_union
):
    client.force_login(union_admin)
    response = client.post(url("unit_merge", grassroots), {"successor": "WARD-B", "on": "30/09/2025"})
    assert response.status_code == 200
    assert "No unit in force in your area has this code" in html_of(response)
    assert fresh(grassroots).valid_to is None


# --- History and the picker -----------------------------------------------------------------


def test_history_records_the_actor_when_a_service_runs_outside_a_request(federation_admin, grassroots, other_union):
    services.unit_move(actor=federation_admin, unit=grassroots, new_parent=other_union)
    record = fresh(grassroots).history.latest()
    assert record.history_user == federation_admin
    entries = selectors_units.unit_history(fresh(grassroots))
    assert entries[0]["record"] == record and entries[0]["changes"] == []  # paths are not shown as changes


def test_history_shows_dissolution_dates_in_day_month_year(client, federation_admin, grassroots_b):
    services.unit_dissolve(actor=federation_admin, unit=grassroots_b, on=date(2025, 6, 30), reason="NQ 18")
    client.force_login(federation_admin)
    html = html_of(client.get(url("unit_history", grassroots_b)))
    assert "— → 30/06/2025" in html and "Nguyễn Thị Thu Hương" in html


def test_picker_lists_units_in_force_of_the_admins_area_except_the_unit_itself(
    client, union_admin, union, grassroots, grassroots_b, other_union
):
    client.force_login(union_admin)
    response = client.get(url("unit_pick") + f"?target=id_successor&exclude={grassroots.pk}&pick_q=cong doan")
    codes = [u.code for u in response.context["units"]]
    assert set(codes) == {"WARD-A", "WARD-A-02"}
    assert 'data-unit-pick-target="id_successor"' in html_of(response)


def test_picker_ignores_a_target_that_is_not_a_field_id(client, union_admin, union):
    client.force_login(union_admin)
    response = client.get(url("unit_pick") + '?target="><b>&pick_q=ba')
    assert response.context["target"] == ""
