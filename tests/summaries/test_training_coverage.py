"""Training coverage on the dashboard: per unit, the share of active collaborators trained in the last 12
months (the attendance facts), equal to a recount; the never-trained list and its roster link; the next
sessions open to them; scope."""

from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import QueryDict

from collaborators.filters import PeopleFilter
from collaborators.models import Role, TrainingAttendance, User
from collaborators.selectors import people_visible_to
from collaborators.services.people import training_attendance_record
from tests.factories import UnitFactory, UserFactory
from tests.summaries.test_dashboard import URL, active, login
from trainings import services as trainings

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def network(union, grassroots, other_union, collaborator, other_collaborator):
    second_grassroots = UnitFactory(parent=union, code="WARD-A-02", name="Công đoàn cơ sở Bệnh viện")
    people = {
        "recent": active(collaborator),  # trained two months ago
        "old": active(UserFactory(unit=grassroots, role=Role.COLLABORATOR, full_name="Trần Văn Cũ")),  # 14 months
        "never": active(UserFactory(unit=grassroots, role=Role.COLLABORATOR, full_name="Lê Chưa Học")),
        "never2": active(UserFactory(unit=second_grassroots, role=Role.COLLABORATOR, full_name="Đỗ Chưa Học")),
        "trained2": active(UserFactory(unit=second_grassroots, role=Role.COLLABORATOR, full_name="Vũ Đã Học")),
        "other": active(other_collaborator),  # another union: never counted for this one
    }
    training_attendance_record(person=people["recent"], session_id=None, on=TODAY - timedelta(days=60))
    training_attendance_record(person=people["old"], session_id=None, on=TODAY - timedelta(days=430))
    training_attendance_record(person=people["trained2"], session_id=None, on=TODAY - timedelta(days=10))
    return {"people": people, "second": second_grassroots}


def recount(unit_path: str) -> tuple[int, int]:
    active = User.objects.filter(
        unit__path__startswith=unit_path, role=Role.COLLABORATOR, is_active=True, profile__status="active"
    )
    trained = {a.person_id for a in TrainingAttendance.objects.filter(attended_on__gte=TODAY - timedelta(days=365))}
    return active.count(), sum(1 for person in active if person.pk in trained)


def test_coverage_per_unit_equals_a_recount_and_links_to_the_roster(client, network, union, grassroots, unit_staff):
    response = login(client, unit_staff).get(URL)
    assert response.status_code == 200
    coverage = response.context["coverage"]
    rows = {row["unit"].pk: row for row in coverage["rows"]}
    for unit in (grassroots, network["second"]):
        active, trained = recount(unit.path)
        assert (rows[unit.pk]["active"]["n"], rows[unit.pk]["trained"]["n"]) == (active, trained)
        assert rows[unit.pk]["share"] == round(100.0 * trained / active, 1)
    assert (coverage["active"], coverage["trained"]) == recount(union.path) == (5, 2)
    assert coverage["share"] == 40.0
    assert {p["full_name"] for p in coverage["never"]} == {"Lê Chưa Học", "Đỗ Chưa Học"}
    # Every linked number equals the roster list behind it.
    cells = [coverage["never_count"]]
    for row in coverage["rows"]:
        cells += [row["active"], row["trained"], row["untrained"], row["never"]]
    for cell in cells:
        params = QueryDict(urlsplit(cell["url"]).query)
        listed = PeopleFilter(params, queryset=people_visible_to(unit_staff), user=unit_staff)
        assert listed.is_valid(), listed.errors
        assert listed.qs.count() == cell["n"], cell["url"]
    html = response.content.decode()
    assert 'data-testid="table-coverage"' in html and "Đỗ Chưa Học" in html


def test_the_next_sessions_open_to_the_unit_are_listed(client, network, city, union, other_union, unit_staff):
    admin = UserFactory(username="cityadmin", unit=city, role=Role.ADMIN)
    starts = NOW + timedelta(days=5)

    def session(title, targets, publish=True):
        made = trainings.session_create(
            actor=admin,
            unit=city,
            target_units=targets,
            title=title,
            venue="Hội trường",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            capacity=20,
        )
        if publish:
            trainings.session_publish(actor=admin, session=made)
        return made

    session("Tập huấn toàn thành phố", [city])
    session("Tập huấn phường Ba Đình", [union])
    session("Tập huấn phường khác", [other_union])
    session("Bản nháp", [union], publish=False)
    response = login(client, unit_staff).get(URL)
    titles = [s.title for s in response.context["coverage"]["sessions"]]
    assert sorted(titles) == ["Tập huấn phường Ba Đình", "Tập huấn toàn thành phố"]


def test_another_unions_staff_cannot_see_this_unions_coverage(client, network, union, other_staff):
    assert login(client, other_staff).get(URL, {"unit": union.pk}).status_code == 404
    response = client.get(URL)
    assert response.context["coverage"]["active"] == 1  # only their own union's collaborator


def test_collaborators_get_404(client, network):
    assert login(client, network["people"]["recent"]).get(URL).status_code == 404


def test_the_roster_never_trained_filter(client, network, unit_staff):
    login(client, unit_staff)
    listed = PeopleFilter(
        QueryDict("never_trained=true&role=collaborator"), queryset=people_visible_to(unit_staff), user=unit_staff
    )
    assert {p.full_name for p in listed.qs} == {"Lê Chưa Học", "Đỗ Chưa Học"}
    assert date(2026, 11, 20) == TODAY
