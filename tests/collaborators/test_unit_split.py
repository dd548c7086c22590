"""Splitting a unit (the 2025 Hanoi case: a district federation split into several ward unions), and the one
service behind dissolution, merger and split: people, sub-units and open reports go to the successors, and the
figures before the split stay with the old unit."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from collaborators.demo import read_wards
from collaborators.models import Role, Unit, UnitKind, UnitMove, User
from collaborators.services import units as services
from collaborators.services.units import Successor
from reports.models import Report, ReportStatus
from reports.services import report_accept
from summaries.columns import month_of
from summaries.models import UnitMonthTally
from summaries.services.tallies import tallies_rebuild
from tests.factories import UnitFactory, UserFactory
from tests.summaries.conftest import make_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english"), pytest.mark.clock]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SPLIT_ON = date(2025, 6, 30)  # the district federations' last day in force


def at(*args):
    return datetime(*args, tzinfo=HANOI)


@pytest.fixture
def hanoi(db):
    """The city, the Ba Đình district federation (two grassroots unions, two people of its own) and the three
    ward unions that took over its area (names from the repository's 2025 list of wards)."""
    with time_machine.travel(at(2025, 6, 1, 9), tick=False):
        city = UnitFactory(kind=UnitKind.CITY_FEDERATION, code="LDLD-HN", name="Liên đoàn Lao động thành phố Hà Nội")
        district = UnitFactory(
            parent=city, kind=UnitKind.DISTRICT_FEDERATION, code="LDLD-D01", name="Liên đoàn Lao động quận Ba Đình"
        )
        school = UnitFactory(parent=district, kind=UnitKind.GRASSROOTS, code="CS-BD-01", name="Công đoàn cơ sở Trường")
        hospital = UnitFactory(parent=district, kind=UnitKind.GRASSROOTS, code="CS-BD-02", name="Công đoàn cơ sở Viện")
        wards = dict(read_wards())
        successors = [
            UnitFactory(
                parent=city,
                kind=UnitKind.COMMUNE_WARD,
                code=f"CD-{code}",
                name=f"Công đoàn {wards[code].replace('Phường', 'phường')}",
                valid_from=date(2025, 7, 1),
            )
            for code in ("00004", "00008", "00025")
        ]
    admin = UserFactory(username="cityadmin", full_name="Nguyễn Thị Thu Hương", unit=city, role=Role.ADMIN)
    district_staff = UserFactory(username="bdstaff", full_name="Lê Thị Lan", unit=district, role=Role.STAFF)
    district_collab = UserFactory(username="bdcollab", full_name="Đỗ Văn Nam", unit=district, role=Role.COLLABORATOR)
    school_collab = UserFactory(username="school", full_name="Phạm Văn Hùng", unit=school, role=Role.COLLABORATOR)
    return {
        "city": city,
        "district": district,
        "school": school,
        "hospital": hospital,
        "wards": successors,
        "admin": admin,
        "district_staff": district_staff,
        "district_collab": district_collab,
        "school_collab": school_collab,
    }


def fresh(unit):
    return Unit.objects.get(pk=unit.pk)


def total(unit, month) -> int:
    return sum(UnitMonthTally.objects.filter(unit=unit, month=month).values_list("total", flat=True))


def split(h, **overrides):
    w1, w2, w3 = h["wards"]
    parts = [
        Successor(unit=w1, children=(h["school"],), people=(h["district_staff"],)),
        Successor(unit=w2, children=(h["hospital"],), people=(h["district_collab"],)),
        Successor(unit=w3),
    ]
    kwargs = {"actor": h["admin"], "unit": h["district"], "on": SPLIT_ON, "parts": parts, "reason": "NQ 1656"}
    kwargs.update(overrides)
    with time_machine.travel(at(2025, 7, 10, 9), tick=False):
        return services.unit_split(**kwargs)


def test_a_district_federation_split_into_three_ward_unions_hands_over_its_units_and_people(hanoi):
    split(hanoi)
    w1, w2, w3 = hanoi["wards"]
    district = fresh(hanoi["district"])
    assert district.valid_to == SPLIT_ON
    assert set(district.successors.all()) == {w1, w2, w3}
    assert all(list(ward.predecessors.all()) == [district] for ward in (w1, w2, w3))
    assert fresh(hanoi["school"]).is_within(w1) and fresh(hanoi["hospital"]).is_within(w2)
    assert User.objects.get(pk=hanoi["district_staff"].pk).unit == w1
    assert User.objects.get(pk=hanoi["district_collab"].pk).unit == w2
    assert User.objects.get(pk=hanoi["school_collab"].pk).unit == hanoi["school"]  # went with its unit
    assert district.history.latest().history_change_reason == "Split into CD-00004, CD-00008, CD-00025. NQ 1656"
    assert fresh(w3).history.latest().history_change_reason == "Took over part of LDLD-D01 (split). NQ 1656"
    assert UnitMove.objects.filter(old_parent=district, moved_on=date(2025, 7, 1)).count() == 2
    person = User.objects.get(pk=hanoi["district_staff"].pk)
    record = person.history.get(history_change_reason="Unit LDLD-D01 ended; moved to its successor CD-00004.")
    assert record.history_user == hanoi["admin"]


def test_a_split_must_place_every_unit_and_person_and_refuses_strays(hanoi):
    w1, w2, _w3 = hanoi["wards"]
    with pytest.raises(ValidationError, match="Choose a successor for each unit"):
        split(hanoi, parts=[Successor(unit=w1, children=(hanoi["school"],)), Successor(unit=w2)])
    with pytest.raises(ValidationError, match="Choose a successor for each person"):
        split(
            hanoi,
            parts=[
                Successor(unit=w1, children=(hanoi["school"],)),
                Successor(unit=w2, children=(hanoi["hospital"],), people=(hanoi["district_staff"],)),
            ],
        )
    with pytest.raises(ValidationError, match="one successor only"):
        split(
            hanoi,
            parts=[
                Successor(unit=w1, children=(hanoi["school"], hanoi["hospital"])),
                Successor(unit=w2, children=(hanoi["hospital"],)),
            ],
        )
    with pytest.raises(ValidationError, match="at least two successors"):
        split(hanoi, parts=[Successor(unit=w1)])
    assert fresh(hanoi["district"]).valid_to is None  # nothing was written
    assert not UnitMove.objects.exists()


def test_figures_before_the_split_stay_with_the_district_and_after_it_go_to_the_wards(hanoi):
    h = hanoi
    w1, w2, _w3 = h["wards"]
    before = make_report(h["school_collab"], sent_at=at(2025, 6, 20, 10))  # accepted before the split
    report_accept(actor=h["admin"], report=before)
    open_before = make_report(h["district_collab"], sent_at=at(2025, 6, 25, 10))  # still open at the split
    split(h)
    make_report(h["school_collab"], sent_at=at(2025, 7, 5, 10))
    month = month_of(at(2025, 6, 20, 10))
    assert month == month_of(at(2025, 7, 5, 10))  # one reporting period on both sides of the split
    # The open report followed its author to ward 2; the accepted one stays with the district's figures.
    assert Report.objects.get(pk=open_before.pk).unit == w2
    assert Report.objects.get(pk=before.pk).unit == h["school"]
    assert Report.objects.get(pk=open_before.pk).status == ReportStatus.SUBMITTED

    def figures():
        return {u.code: total(u, month) for u in (h["city"], h["district"], w1, w2)}

    # A recount by hand: the district keeps the report sent at its school before the split; the school's
    # report after it is ward 1's; the open report counts where its author now is (ward 2).
    expected = {"LDLD-HN": 3, "LDLD-D01": 1, "CD-00004": 1, "CD-00008": 1}
    assert figures() == expected
    tallies_rebuild()
    assert figures() == expected


def test_merge_and_dissolve_go_through_the_same_service_and_history(hanoi):
    h = hanoi
    w1, w2, _w3 = h["wards"]
    with time_machine.travel(at(2025, 7, 10, 9), tick=False):
        services.unit_merge(actor=h["admin"], unit=h["district"], successor=w1, on=SPLIT_ON, reason="QĐ 5")
        assert User.objects.filter(unit=w1).count() == 2
        assert fresh(h["hospital"]).is_within(w1)
        with pytest.raises(ValidationError, match="cannot be dissolved"):
            services.unit_dissolve(actor=h["admin"], unit=fresh(w1), on=date(2025, 7, 10), reason="x")
    assert fresh(h["district"]).history.latest().history_change_reason == "Merged into CD-00004. QĐ 5"


def test_the_split_page_for_the_city_admin_and_404_for_staff_and_another_union(client, hanoi):
    h = hanoi
    other_admin = UserFactory(username="otheradmin", unit=h["wards"][2], role=Role.ADMIN)
    page = reverse("roster:unit_split", args=[h["district"].pk])
    with time_machine.travel(at(2025, 7, 10, 9), tick=False):
        client.force_login(h["district_staff"])
        assert client.get(page).status_code == 404
        client.force_login(other_admin)
        assert client.get(page).status_code == 404
        client.force_login(h["admin"])
        response = client.get(page)
        html = response.content.decode()
        assert response.status_code == 200
        assert "Công đoàn cơ sở Trường" in html and "Đỗ Văn Nam" in html and "School" not in html
        assert (
            reverse("roster:unit_split", args=[h["district"].pk])
            in client.get(reverse("roster:unit_detail", args=[h["district"].pk])).content.decode()
        )
        school, hospital = h["school"], h["hospital"]
        data = {
            "on": "30/06/2025",
            "reason": "NQ 1656",
            "successor_1": "CD-00004",
            "successor_2": "cd-00008",
            f"child_{school.pk}": "1",
            f"child_{hospital.pk}": "2",
            f"person_{h['district_staff'].pk}": "1",
            f"person_{h['district_collab'].pk}": "3",
        }
        response = client.post(page, data)
        assert response.status_code == 200 and "This successor has no unit" in response.content.decode()
        assert fresh(h["district"]).valid_to is None
        data[f"person_{h['district_collab'].pk}"] = "2"
        response = client.post(page, data)
        assert response.status_code == 302
        history = client.get(reverse("roster:unit_history", args=[h["district"].pk])).content.decode()
    assert fresh(h["district"]).valid_to == SPLIT_ON
    assert "Split into CD-00004, CD-00008" in history
    assert 'data-testid="unit-lineage"' in history and "Công đoàn phường Ngọc Hà" in history
    assert set(fresh(h["district"]).successors.all()) == set(h["wards"][:2])


def test_the_admin_form_shows_a_units_predecessors_and_successors(client, hanoi):
    split(hanoi)
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True, role=Role.ADMIN)
    client.force_login(superuser)
    w1 = hanoi["wards"][0]
    html = client.get(reverse("admin:collaborators_unit_change", args=[w1.pk])).content.decode()
    assert 'name="predecessors"' in html and "Liên đoàn Lao động quận Ba Đình" in html
    html = client.get(reverse("admin:collaborators_unit_change", args=[hanoi["district"].pk])).content.decode()
    assert "Công đoàn phường Ba Đình (CD-00004)" in html


def test_a_district_with_hundreds_of_people_is_split_with_a_default_successor_and_a_few_changes(
    client, hanoi, django_assert_max_num_queries
):
    """The form asks one choice per sub-unit and one per person attached directly to the district, never one
    per person of its grassroots unions: those people follow their unit. Choices left on the default go to
    the default successor."""
    h = hanoi
    w1, w2, w3 = h["wards"]
    with time_machine.travel(at(2025, 6, 1, 9), tick=False):
        extra = [
            UnitFactory(
                parent=h["district"], kind=UnitKind.GRASSROOTS, code=f"CS-BD-{n:02d}", name=f"Công đoàn cơ sở {n}"
            )
            for n in range(3, 13)
        ]
    branches = [h["school"], h["hospital"], *extra]
    User.objects.bulk_create(
        [
            User(
                username=f"member{n}",
                full_name=f"Đoàn viên {n}",
                unit=branches[n % len(branches)],
                role=Role.COLLABORATOR,
            )
            for n in range(300)
        ]
    )
    page = reverse("roster:unit_split", args=[h["district"].pk])
    with time_machine.travel(at(2025, 7, 10, 9), tick=False):
        client.force_login(h["admin"])
        response = client.get(page)
        html = response.content.decode()
        assert response.status_code == 200
        form = response.context["form"]
        assert len(form.child_fields()) == 12 and len(form.person_fields()) == 2  # not 300 people
        assert "Đoàn viên 7" not in html and 'data-testid="split-people"' in html
        assert "data-unit-picker" in html  # the successors are chosen in the unit picker
        data = {
            "on": "30/06/2025",
            "reason": "NQ 1656",
            "successor_1": w1.code,
            "successor_2": w2.code,
            "successor_3": w3.code,
            "default": "1",
            f"child_{h['hospital'].pk}": "2",
            f"child_{extra[0].pk}": "3",
            f"person_{h['district_collab'].pk}": "3",
        }
        response = client.post(page, data)
        assert response.status_code == 302, response.content.decode()[:3000]
    for branch in branches:
        expected = w2 if branch == h["hospital"] else w3 if branch == extra[0] else w1
        assert fresh(branch).path[: -Unit.steplen] == fresh(expected).path  # moved under its successor
    # The 300 people stay in their grassroots unions, which moved with them.
    assert User.objects.filter(username__startswith="member").exclude(unit__in=branches).count() == 0
    assert User.objects.get(pk=h["district_staff"].pk).unit == w1  # the default
    assert User.objects.get(pk=h["district_collab"].pk).unit == w3  # the one change
    assert not User.objects.filter(unit=h["district"]).exists()


def test_without_a_default_every_choice_left_blank_is_refused(client, hanoi):
    h = hanoi
    page = reverse("roster:unit_split", args=[h["district"].pk])
    with time_machine.travel(at(2025, 7, 10, 9), tick=False):
        client.force_login(h["admin"])
        data = {"on": "30/06/2025", "successor_1": h["wards"][0].code, "successor_2": h["wards"][1].code, "default": ""}
        response = client.post(page, data)
    assert response.status_code == 200
    assert "Choose a successor, or a default successor above." in response.content.decode()
    assert fresh(h["district"]).valid_to is None
