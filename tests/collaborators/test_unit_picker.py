"""The unit picker: every choice of units is a select the picker script turns into a searchable tree,
its options carrying their depth and whether the unit has ended, still narrowed to the viewer's scope;
the picker's JSON search answers only within the viewer's scope."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from collaborators.models import Role, Unit, UnitKind
from tests.factories import UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

NOW = datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


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
    assert f'value="{grassroots.pk}" data-depth="{grassroots.depth}"' in page
    assert f'value="{dissolved.pk}" data-depth="{dissolved.depth}" data-ended="1"' in page
    assert f'value="{other_union.pk}" data-depth' not in page  # still narrowed to the viewer's scope


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
    assert f'value="{union.pk}" data-depth="{union.depth}"' in page
    assert f'value="{other_union.pk}" data-depth' not in page
