"""The roster's filter form is rendered once per scope, language, day and filters and kept until a unit is
written (``core.fragments.filter_fields_html``, the review queue's mechanism)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collaborators.services.people import person_create
from tests.clock import frozen_clock

_clock = frozen_clock()

pytestmark = pytest.mark.django_db


def _picker_queries(captured) -> list[str]:
    # The unit picker counts the units under each unit it lists: only a rendering of the form does that.
    return [q["sql"] for q in captured.captured_queries if "parent_path" in q["sql"]]


def test_the_roster_filter_form_is_rendered_once_and_follows_the_units(
    client, unit_staff, federation_admin, grassroots
):
    person_create(actor=federation_admin, unit=grassroots, full_name="Nguyễn Thị Hằng", phone="0912345678")
    client.force_login(unit_staff)
    url = reverse("roster:person_list")
    with CaptureQueriesContext(connection) as first:
        page = client.get(url).content.decode()
    assert _picker_queries(first)
    assert f'data-code="{grassroots.code}"' in page
    with CaptureQueriesContext(connection) as again:
        page = client.get(url).content.decode()
    assert not _picker_queries(again)  # the form's fields came from the cache
    assert f'data-code="{grassroots.code}"' in page
    person_create(actor=federation_admin, unit=grassroots, full_name="Trần Văn Minh", phone="0912000001")
    with CaptureQueriesContext(connection) as after_people:
        page = client.get(url).content.decode()
    assert not _picker_queries(after_people)  # people written do not move the form's version
    assert "Trần Văn Minh" in page  # the rows are read every time
    grassroots.name = "Công đoàn cơ sở vừa đổi tên"
    grassroots.save()
    page = client.get(url).content.decode()
    option = page[page.index(f'data-code="{grassroots.code}"') :].split("</option>")[0]
    assert option.endswith("Công đoàn cơ sở vừa đổi tên")  # the picker's option, not only the rows' cell


def test_the_roster_filter_form_of_each_scope_lists_its_own_units(
    client, unit_staff, other_staff, grassroots, other_union
):
    client.force_login(unit_staff)
    own = client.get(reverse("roster:person_list")).content.decode()
    assert f'data-code="{grassroots.code}"' in own
    assert f'data-code="{other_union.code}"' not in own
    client.force_login(other_staff)
    other = client.get(reverse("roster:person_list")).content.decode()
    assert f'data-code="{other_union.code}"' in other
    assert f'data-code="{grassroots.code}"' not in other


def test_the_roster_filter_form_keeps_the_filters_given(client, unit_staff):
    client.force_login(unit_staff)
    url = reverse("roster:person_list")
    client.get(url)
    page = client.get(url, {"q": "Hằng", "status": "active"}).content.decode()
    assert 'value="Hằng"' in page
    assert '<option value="active" selected>' in page
