"""The unit picker: every choice of units is a select the picker script turns into a searchable tree,
its options carrying their depth and whether the unit has ended, still narrowed to the viewer's scope;
the picker's JSON search answers only within the viewer's scope."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from collaborators.models import Role, Unit, UnitKind
from tests.factories import UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

NOW = datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def option_tag(page: str, value, select: str | None = None) -> str | None:
    """The option tag of ``value`` (in the select named ``select``, if given)."""
    if select is not None:
        page = re.search(rf'<select name="{select}".*?</select>', page, re.S).group(0)
    found = re.search(rf'<option value="{value}"[^>]*>', page)
    return found.group(0) if found else None


@pytest.fixture
def dissolved(union):
    unit = UnitFactory(parent=union, kind=UnitKind.GRASSROOTS, code="OLD-01", name="Công đoàn cơ sở Nhà máy Cũ")
    Unit.objects.filter(pk=unit.pk).update(valid_to=date(2025, 6, 30))
    return unit


@time_machine.travel(NOW, tick=False)
def test_the_search_answers_only_within_the_viewers_scope(client, union, other_union, grassroots, unit_staff):
    UnitFactory(parent=other_union, kind=UnitKind.GRASSROOTS, code="B-01", name="Công đoàn cơ sở Trường THCS Hoàn Kiếm")
    client.force_login(unit_staff)
    answer = client.get(reverse("roster:unit_options"), {"q": "truong thcs"})
    assert answer.status_code == 200
    assert [row["name"] for row in answer.json()["results"]] == [grassroots.name]
    assert answer.json()["results"][0]["depth"] == grassroots.depth
    assert client.get(reverse("roster:unit_options"), {"q": "hoan kiem"}).json()["results"] == []


@time_machine.travel(NOW, tick=False)
def test_ended_units_are_found_only_when_asked(client, union, dissolved, unit_staff):
    client.force_login(unit_staff)
    assert client.get(reverse("roster:unit_options"), {"q": "nha may cu"}).json()["results"] == []
    rows = client.get(reverse("roster:unit_options"), {"q": "nha may cu", "ended": "1"}).json()["results"]
    assert [(row["id"], row["ended"]) for row in rows] == [(dissolved.pk, True)]


def test_collaborators_and_staff_without_a_unit_get_404(client, collaborator):
    client.force_login(collaborator)
    assert client.get(reverse("roster:unit_options"), {"q": "a"}).status_code == 404
    client.force_login(UserFactory(username="nounit", unit=None, role=Role.STAFF))
    assert client.get(reverse("roster:unit_options"), {"q": "a"}).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_the_roster_filter_is_a_picker_with_depths_and_the_dissolved_unit_marked(
    client, union, grassroots, dissolved, other_union, unit_staff
):
    client.force_login(unit_staff)
    page = client.get(reverse("roster:person_list")).content.decode()
    assert 'data-unit-picker=""' in page and f'data-unit-picker-source="{reverse("roster:unit_options")}"' in page
    assert f'data-depth="{grassroots.depth}" data-path="{grassroots.path}"' in option_tag(page, grassroots.pk)
    assert 'data-ended="1"' not in option_tag(page, grassroots.pk)
    assert 'data-ended="1"' in option_tag(page, dissolved.pk)
    # Under the union: the school's union in force and the dissolved one.
    assert 'data-children="1" data-children-ended="1"' in option_tag(page, union.pk)
    assert option_tag(page, other_union.pk) is None  # still narrowed to the viewer's scope


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("trainings:create", "target_units"),
        ("guidance:new", "target_units"),
        ("guidance:pulse_new", "target_units"),
        ("roster:person_create", "unit"),
    ],
)
def test_every_form_choosing_units_uses_the_picker(client, union, other_union, federation_admin, url, field):
    union_admin = UserFactory(username="unionadmin", unit=union, role=Role.ADMIN)
    client.force_login(union_admin)
    response = client.get(reverse(url))
    assert response.status_code == 200
    widget = response.context["form"].fields[field].widget
    assert "data-unit-picker" in widget.attrs
    page = response.content.decode()
    assert f'name="{field}"' in page and "data-unit-picker" in page
    assert f'data-depth="{union.depth}"' in option_tag(page, union.pk, field)
    assert option_tag(page, other_union.pk, field) is None


@time_machine.travel(NOW, tick=False)
def test_a_branch_opens_only_within_the_viewers_scope(client, city, union, grassroots, other_union, unit_staff):
    team = UnitFactory(parent=grassroots, kind=UnitKind.GRASSROOTS, code="T-1", name="Tổ công đoàn Khối tiểu học")
    UnitFactory(parent=other_union, kind=UnitKind.GRASSROOTS, code="B-01", name="Công đoàn cơ sở phường B")
    client.force_login(unit_staff)
    rows = client.get(reverse("roster:unit_options"), {"parent": grassroots.pk}).json()["results"]
    assert [(row["id"], row["code"], row["path"], row["children"]) for row in rows] == [(team.pk, "T-1", team.path, 0)]
    assert [
        row["id"] for row in client.get(reverse("roster:unit_options"), {"parent": union.pk}).json()["results"]
    ] == [grassroots.pk]
    # Another union's branch, the city's (above the viewer) and a unit that does not exist: nothing.
    for parent in (other_union.pk, city.pk, 999999999, "x"):
        assert client.get(reverse("roster:unit_options"), {"parent": parent}).json()["results"] == []


@pytest.mark.parametrize("url", ["roster:unit_move", "roster:unit_merge"])
def test_the_unit_forms_choose_by_code_in_the_picker_listing_two_levels(
    client, city, union, grassroots, federation_admin, url
):
    team = UnitFactory(parent=grassroots, kind=UnitKind.GRASSROOTS, code="T-1", name="Tổ công đoàn Khối tiểu học")
    moved = UnitFactory(parent=union, kind=UnitKind.GRASSROOTS, code="M-1", name="Công đoàn cơ sở Chợ")
    client.force_login(federation_admin)
    page = client.get(reverse(url, args=[moved.pk])).content.decode()
    assert 'data-unit-picker-value="code"' in page and "data-unit-picker-source" in page
    assert option_tag(page, union.code) is not None and option_tag(page, city.code) is not None
    assert option_tag(page, team.code) is None  # deeper than two levels: opened or searched in the picker
    # Sent back with an error, the form keeps the deep unit chosen.
    field = "new_parent" if url == "roster:unit_move" else "successor"
    page = client.post(
        reverse(url, args=[moved.pk]), {field: team.code, "on": "x", "reason": "x" * 200}
    ).content.decode()
    assert "selected" in option_tag(page, team.code)


@pytest.fixture
def emptied(grassroots):
    """Under the school's union: two teams, both dissolved (nothing in force under it any more)."""
    teams = [
        UnitFactory(parent=grassroots, kind=UnitKind.GRASSROOTS, code=f"T-OLD-{n}", name=f"Tổ công đoàn Khối cũ {n}")
        for n in (1, 2)
    ]
    Unit.objects.filter(pk__in=[team.pk for team in teams]).update(valid_to=date(2025, 6, 30))
    return teams


@time_machine.travel(NOW, tick=False)
def test_a_unit_whose_units_have_all_ended_has_nothing_to_open_while_ended_units_are_hidden(
    client, union, grassroots, emptied, unit_staff
):
    grassroots.refresh_from_db()
    assert grassroots.numchild == 2
    client.force_login(unit_staff)
    # The roster's filter (every unit the viewer sees): none in force under the school, two ended, which the
    # picker counts only when its switch shows ended units.
    page = client.get(reverse("roster:person_list")).content.decode()
    assert 'data-children="0" data-children-ended="2"' in option_tag(page, grassroots.pk, "unit")
    assert 'data-children="1" data-children-ended="0"' in option_tag(page, union.pk, "unit")
    # The same counts when the school comes from a branch or a search.
    for params in ({"parent": union.pk}, {"q": "truong thcs"}):
        [row] = client.get(reverse("roster:unit_options"), params).json()["results"]
        assert (row["id"], row["children"], row["children_ended"]) == (grassroots.pk, 0, 2), params
    # A form choosing units in force: the ended units are never offered, so nothing under the school at all.
    admin = UserFactory(username="unionadmin", unit=union, role=Role.ADMIN)
    client.force_login(admin)
    page = client.get(reverse("roster:person_create")).content.decode()
    assert 'data-children="0" data-children-ended="0"' in option_tag(page, grassroots.pk, "unit")
    [row] = client.get(reverse("roster:unit_options"), {"parent": union.pk, "purpose": "in-force"}).json()["results"]
    assert (row["children"], row["children_ended"]) == (0, 0)


@time_machine.travel(NOW, tick=False)
def test_a_branch_opened_by_the_filters_lists_dissolved_units_only_when_asked(
    client, union, grassroots, emptied, dissolved, unit_staff
):
    client.force_login(unit_staff)
    url = reverse("roster:unit_options")
    assert client.get(url, {"parent": grassroots.pk}).json()["results"] == []
    assert client.get(url, {"parent": grassroots.pk, "purpose": "visible"}).json()["results"] == []
    rows = client.get(url, {"parent": grassroots.pk, "ended": "1"}).json()["results"]
    assert [(row["id"], row["ended"]) for row in rows] == [(team.pk, True) for team in emptied]
    # The union's branch: the school's union in force; the dissolved factory's union only when asked.
    assert [row["id"] for row in client.get(url, {"parent": union.pk}).json()["results"]] == [grassroots.pk]
    rows = client.get(url, {"parent": union.pk, "ended": "1"}).json()["results"]
    assert sorted(row["id"] for row in rows) == sorted([grassroots.pk, dissolved.pk])


@time_machine.travel(NOW, tick=False)
def test_a_chosen_unit_the_short_list_leaves_out_carries_its_units_by_the_forms_rule_too(
    city, union, grassroots, emptied, federation_admin
):
    from collaborators.forms import PersonForm

    UnitFactory(parent=grassroots, kind=UnitKind.GRASSROOTS, code="T-1", name="Tổ công đoàn Khối tiểu học")
    form = PersonForm({"unit": grassroots.pk}, actor=federation_admin)
    form.is_valid()
    # Level three for the city's administrator: listed only because it is chosen. Units in force only: one.
    tag = option_tag(str(form["unit"]), grassroots.pk)
    assert "selected" in tag and 'data-children="1" data-children-ended="0"' in tag
