"""The unit picker's short list in the forms that choose units (a person's unit, a decision's issuing unit,
a training's units, the target units of guidance and of a request for opinion): the page lists two levels,
the picker loads deeper branches from the endpoint narrowed by the form's own rule (``purpose``), so every
unit it brings is one the form accepts; a deep unit is accepted on submit and stays listed when the form is
shown again with an error; the page does not grow with the units below level two."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from collaborators.filters import UNIT_PURPOSES, units_for
from collaborators.forms import DecisionForm, PersonForm
from collaborators.models import Role, Unit, UnitKind, User
from guidance.forms import PulseRequestForm
from guidance.models import GuidanceNote
from tests.factories import UnitFactory, UserFactory
from trainings.forms import SessionForm

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

NOW = datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
URL = "roster:unit_options"


def select_of(page: str, name: str) -> str:
    return re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)


def options(page: str, name: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', select_of(page, name))


def ids(client, **params) -> list[int]:
    response = client.get(reverse(URL), params)
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def deep(union, grassroots):
    """Under the school's union (level three): a team (level four), one dissolved, one not yet in force."""
    team = UnitFactory(parent=grassroots, kind=UnitKind.GRASSROOTS, code="T-1", name="Tổ công đoàn Khối tiểu học")
    old = UnitFactory(parent=grassroots, kind=UnitKind.GRASSROOTS, code="T-OLD", name="Tổ công đoàn Khối cũ")
    Unit.objects.filter(pk=old.pk).update(valid_to=date(2025, 6, 30))
    later = UnitFactory(parent=grassroots, kind=UnitKind.GRASSROOTS, code="T-NEW", name="Tổ công đoàn Khối mới")
    Unit.objects.filter(pk=later.pk).update(valid_from=date(2027, 1, 1))
    return {"team": team, "old": old, "later": later}


@pytest.fixture
def ward_admin(union):
    return UserFactory(username="wardadmin", full_name="Đỗ Thị Hạnh", unit=union, role=Role.ADMIN)


# --- the endpoint, per purpose and scope ------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_endpoint_narrows_a_branch_and_a_search_to_the_forms_rule(
    client, city, union, grassroots, other_union, unit_staff, deep
):
    UnitFactory(parent=other_union, kind=UnitKind.GRASSROOTS, code="B-01", name="Tổ công đoàn phường B")
    client.force_login(unit_staff)
    # "visible" (the default, the filters): the branch, like the search, lists the dissolved unit (marked)
    # only when asked.
    assert set(ids(client, parent=grassroots.pk)) == {deep["team"].pk, deep["later"].pk}
    assert set(ids(client, parent=grassroots.pk, ended="1")) == {deep["team"].pk, deep["old"].pk, deep["later"].pk}
    assert ids(client, parent=grassroots.pk, purpose="visible") == ids(client, parent=grassroots.pk)
    assert ids(client, q="khoi cu") == []
    assert ids(client, q="khoi cu", ended="1") == [deep["old"].pk]
    # The forms' rules: only units in force, asked or not.
    for purpose in ("in-force", "manage", "manage-open"):
        expected = {deep["team"].pk} | ({deep["later"].pk} if purpose == "manage-open" else set())
        assert set(ids(client, parent=grassroots.pk, purpose=purpose)) == expected, purpose
        assert ids(client, q="khoi cu", ended="1", purpose=purpose) == [], purpose
        assert set(ids(client, q="to cong doan", purpose=purpose)) == expected, purpose
        assert ids(client, parent=union.pk, purpose=purpose) == [grassroots.pk], purpose
        # A ward's staff load nothing outside their subtree: another ward, the city above them.
        for parent in (other_union.pk, city.pk):
            assert ids(client, parent=parent, purpose=purpose) == [], purpose
        assert ids(client, q="B-01", purpose=purpose) == [], purpose
    assert ids(client, q="B-01") == []  # nor with the default rule


def test_a_purpose_is_a_name_the_server_knows(client, unit_staff, grassroots):
    client.force_login(unit_staff)
    for purpose in ("all", "Unit.objects.all()", "path__startswith=0001"):
        assert client.get(reverse(URL), {"parent": grassroots.pk, "purpose": purpose}).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_each_forms_picker_asks_for_its_own_rule_and_validates_with_the_same(
    client, union, ward_admin, unit_staff, deep
):
    client.force_login(ward_admin)
    for url, field, purpose in [
        ("roster:person_create", "unit", "in-force"),
        ("roster:decision_create", "unit", "in-force"),
        ("trainings:create", "unit", "manage"),
        ("trainings:create", "target_units", "manage"),
        ("guidance:new", "target_units", "manage-open"),
        ("guidance:pulse_new", "target_units", "manage-open"),
    ]:
        response = client.get(reverse(url))
        assert response.status_code == 200
        select = select_of(response.content.decode(), field)
        assert f'data-unit-picker-source="{reverse(URL)}?purpose={purpose}"' in select, (url, field)
        queryset = response.context["form"].fields[field].queryset
        assert list(queryset) == list(units_for(ward_admin, purpose)), (url, field)
        assert str(deep["team"].pk) not in options(response.content.decode(), field)  # level four: loaded
    assert set(UNIT_PURPOSES) == {"visible", "in-force", "manage", "manage-open"}


# --- the forms accept a deep unit loaded from a branch, and keep it listed on an error ----------------


@time_machine.travel(NOW, tick=False)
def test_the_person_form_takes_a_deep_unit_and_keeps_it_on_an_error(client, ward_admin, deep):
    client.force_login(ward_admin)
    url = reverse("roster:person_create")
    base = {"full_name": "Lê Thị Thu", "unit": deep["team"].pk, "role": "collaborator", "position": "opinion_team"}
    page = client.post(url, {**base, "phone": "12345"}).content.decode()
    assert "10 chữ số" in page
    assert re.search(rf'<option value="{deep["team"].pk}"[^>]*selected', select_of(page, "unit"))
    assert client.post(url, {**base, "phone": "0912000111"}).status_code == 302
    assert User.objects.get(full_name="Lê Thị Thu").unit == deep["team"]
    # A dissolved unit (which the picker never brings for this form) is refused.
    page = client.post(url, {**base, "full_name": "Lê Văn Cũ", "unit": deep["old"].pk}).content.decode()
    assert not User.objects.filter(full_name="Lê Văn Cũ").exists()


@time_machine.travel(NOW, tick=False)
def test_the_guidance_form_sends_a_deep_target_unit(client, union, unit_staff, deep):
    client.force_login(unit_staff)
    response = client.post(
        reverse("guidance:new"), {"title": "Định hướng", "body": "<p>x</p>", "target_units": [deep["team"].pk]}
    )
    assert response.status_code == 302
    assert list(GuidanceNote.objects.get(title="Định hướng").target_units.all()) == [deep["team"]]
    # Shown again with an error (no title), the deep unit stays listed and chosen.
    page = client.post(reverse("guidance:new"), {"body": "<p>x</p>", "target_units": [deep["team"].pk]})
    assert re.search(
        rf'<option value="{deep["team"].pk}"[^>]*selected', select_of(page.content.decode(), "target_units")
    )


@time_machine.travel(NOW, tick=False)
def test_the_decision_training_and_request_forms_accept_a_deep_unit_and_refuse_an_ended_one(ward_admin, deep):
    team, old = deep["team"], deep["old"]
    forms = [
        (DecisionForm, {"unit": team.pk}, "unit"),
        (SessionForm, {"unit": team.pk, "target_units": [team.pk]}, "unit"),
        (SessionForm, {"unit": team.pk, "target_units": [team.pk]}, "target_units"),
        (PulseRequestForm, {"target_units": [team.pk]}, "target_units"),
        (PersonForm, {"unit": team.pk}, "unit"),
    ]
    for form_class, data, field in forms:
        kwargs = {"author": ward_admin} if form_class is PulseRequestForm else {"actor": ward_admin}
        form = form_class(data, **kwargs)
        form.is_valid()
        assert field not in form.errors, (form_class, field, form.errors.get(field))
        chosen = form.cleaned_data[field]
        assert (list(chosen) if field == "target_units" else [chosen]) == [team]
        # Shown again (the form has other errors): the deep unit is listed, chosen.
        assert re.search(rf'<option value="{team.pk}"[^>]*selected', str(form[field]))
        bad = {k: ([old.pk] if isinstance(v, list) else old.pk) for k, v in data.items()}
        form = form_class(bad, **kwargs)
        assert not form.is_valid() and field in form.errors, (form_class, field)


# --- the page's weight ------------------------------------------------------------------------------


def bulk_tree(city, wards: int, per_ward: int) -> None:
    """``wards`` units under the city, each with ``per_ward`` units under it, in a few statements."""
    top = Unit.objects.filter(path__startswith=city.path, depth=2).count()
    rows, children = [], []
    for w in range(wards):
        path = Unit._get_path(city.path, 2, top + w + 1)
        rows.append(
            Unit(path=path, depth=2, numchild=per_ward, kind=UnitKind.COMMUNE_WARD, code=f"BW{w}", name=f"Phường {w}")
        )
        for g in range(per_ward):
            children.append(
                Unit(
                    path=Unit._get_path(path, 3, g + 1),
                    depth=3,
                    numchild=0,
                    kind=UnitKind.GRASSROOTS,
                    code=f"BW{w}-{g}",
                    name=f"Công đoàn cơ sở {w}-{g}",
                )
            )
    Unit.objects.bulk_create(rows + children, batch_size=500)
    Unit.objects.filter(pk=city.pk).update(numchild=top + wards)


@time_machine.travel(NOW, tick=False)
def test_the_person_form_does_not_grow_with_the_units_below_level_two(client, city, union, federation_admin):
    client.force_login(federation_admin)

    def measure():
        page = client.get(reverse("roster:person_create")).content.decode()
        # The numbers of units under each ward grow with the tree; the page's length must not otherwise.
        page = re.sub(r'data-children(-ended)?="\d+"', "", page)
        return len(options(page, "unit")), len(page.encode())

    bulk_tree(city, wards=20, per_ward=5)
    small_options, small_bytes = measure()
    bulk_tree(city, wards=0, per_ward=0)
    for start in range(20):  # 1,980 more units at level three, under the same 20 wards
        ward = Unit.objects.get(code=f"BW{start}")
        Unit.objects.bulk_create(
            [
                Unit(
                    path=Unit._get_path(ward.path, 3, 6 + g),
                    depth=3,
                    numchild=0,
                    kind=UnitKind.GRASSROOTS,
                    code=f"BX{start}-{g}",
                    name=f"Công đoàn cơ sở thêm {start}-{g}",
                )
                for g in range(99)
            ]
        )
    assert Unit.objects.count() >= 2000
    big_options, big_bytes = measure()
    levels_one_and_two = Unit.objects.filter(depth__lte=2).count()  # the city, the union, 20 wards
    assert big_options == small_options == levels_one_and_two + 1  # and the empty choice
    assert big_bytes == small_bytes
