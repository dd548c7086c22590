"""The admin answers odd input with its form or a message, never a failure (found by tests/test_fuzz.py):
an add page's initial values from the query string, ids past the database's integers in a choice of
several rows, a POST to the units' tree list, deleting a unit whose descendants are referred to, and the
tree's children list with a filter it cannot read."""

import pytest
from django.urls import reverse

from collaborators.models import Role, Unit
from guidance.services import guidance_save
from reports.models import Rumour
from reports.services import rumour_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HUGE = str(10**30)


@pytest.fixture
def root(client, db):
    person = UserFactory(username="root", unit=None, role=Role.ADMIN, is_superuser=True, is_staff=True)
    client.force_login(person)
    return person


@pytest.mark.parametrize(
    ("page", "field"),
    [
        ("admin:trainings_trainingsession_add", "starts_at"),
        ("admin:guidance_pulserequest_add", "deadline"),
        ("admin:django_celery_beat_periodictask_add", "start_time"),
        ("admin:django_celery_beat_clockedschedule_add", "clocked_time"),
    ],
)
@pytest.mark.parametrize("value", ["31/13/2026", HUGE, "²"])
def test_an_unreadable_initial_value_in_the_query_string_is_left_out(client, root, page, field, value):
    response = client.get(reverse(page), {field: value})
    assert response.status_code == 200
    assert response.context["adminform"].form.initial.get(field) is None


def test_a_readable_initial_value_still_fills_the_add_form(client, root, union):
    response = client.get(
        reverse("admin:trainings_trainingsession_add"),
        {"starts_at": "2026-12-10 08:00", "unit": str(union.pk), "target_units": f"{union.pk},{HUGE},x"},
    )
    assert response.status_code == 200
    initial = response.context["adminform"].form.initial
    assert initial["starts_at"].isoformat().startswith("2026-12-10T08:00")
    assert initial["unit"] == str(union.pk)
    assert initial["target_units"] == [str(union.pk)]


def test_ids_past_the_databases_integers_in_a_choice_of_rows_are_an_invalid_choice(client, root, union, unit_staff):
    note = guidance_save(author=unit_staff, data={"title": "Định hướng", "body": "<p>x</p>", "target_units": [union]})
    url = reverse("admin:guidance_guidancenote_change", args=[note.pk])
    data = {"title": "Đổi tên", "body": "<p>x</p>", "status": note.status, "author": unit_staff.pk}
    response = client.post(url, {**data, "target_units": [HUGE]})
    assert response.status_code == 200
    assert "target_units" in response.context["adminform"].form.errors
    note.refresh_from_db()
    assert note.title == "Định hướng"


def test_a_post_to_the_units_tree_list_shows_the_list(client, root, union):
    response = client.post(reverse("admin:collaborators_unit_changelist"), {"q": ""})
    assert response.status_code == 200
    assert union.name in response.content.decode()


def test_a_unit_whose_descendants_are_referred_to_is_not_deleted_and_the_page_says_why(
    client, root, city, union, grassroots, collaborator
):
    url = reverse("admin:collaborators_unit_delete", args=[union.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["protected"]  # the collaborator of the grassroots unit below it
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert Unit.objects.filter(pk__in=[union.pk, grassroots.pk]).count() == 2


def test_the_trees_children_list_answers_a_filter_it_cannot_read_with_a_message(client, root, city, union):
    children = "/admin/collaborators/unit/children/{}/"
    assert client.get(children.format(city.pk)).status_code == 200
    response = client.get(children.format(city.pk), {"no_such_field": HUGE})
    assert response.status_code == 400
    assert len(response.content.decode().strip()) > 10
    assert client.get(children.format("abc")).status_code == 404


def test_a_past_version_asked_for_in_a_popup_is_not_found_and_nothing_is_reverted(client, root, unit_staff):
    rumour = rumour_create(actor=unit_staff, title="Tin đồn cũ")
    past = rumour.history.order_by("history_id").first()
    Rumour.objects.filter(pk=rumour.pk).update(title="Tin đồn mới")
    url = reverse("admin:reports_rumour_simple_history", args=[rumour.pk, past.history_id])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    response = client.post(url, {**data, "_popup": "1"})
    assert response.status_code == 404
    rumour.refresh_from_db()
    assert rumour.title == "Tin đồn mới"
