"""A NUL byte or broken UTF-8 anywhere in a request is answered 400 with a message, before any view."""

import pytest
from django.urls import reverse

from reports.models import Report

pytestmark = pytest.mark.django_db

PAGES = [("guidance:list", {}), ("roster:unit_tree", {}), ("reports:list", {}), ("reports:export", {"fmt": "csv"})]


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
@pytest.mark.parametrize("query", ["q=%00", "q=abc%00def", "unit=%FF", "q=%C3%28"])
def test_unreadable_query_strings_get_a_400_with_a_vietnamese_message(client, federation_admin, name, kwargs, query):
    client.force_login(federation_admin)
    response = client.get(f"{reverse(name, kwargs=kwargs)}?{query}")
    assert response.status_code == 400
    assert "không đọc được" in response.content.decode()


def test_a_readable_search_still_reaches_the_page(client, federation_admin):
    client.force_login(federation_admin)
    response = client.get(reverse("reports:list"), {"q": "lương"})
    assert response.status_code == 200


def test_a_nul_byte_in_a_posted_form_changes_nothing(client, collaborator):
    client.force_login(collaborator)
    before = Report.objects.count()
    response = client.post(
        reverse("reports:new"),
        "title=L%C6%B0%C6%A1ng%00&content=abc",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert Report.objects.count() == before


def test_a_nul_byte_in_the_path_gets_a_400(client, collaborator):
    client.force_login(collaborator)
    assert client.get("/reports/%00/").status_code == 400
