"""The report form's ?request=<id> (a request for opinion to answer) reads the id as core.ids does: a
number past the database's integers, digits of another script or text is no request (404), not a failure."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [str(10**30), "²", "٣", "-1", "abc"])
def test_an_odd_request_id_on_the_report_form_is_not_found(client, collaborator, value):
    client.force_login(collaborator)
    assert client.get(reverse("reports:new"), {"request": value}).status_code == 404
    response = client.post(reverse("reports:new") + f"?request={value}", {"title": "x"})
    assert response.status_code in (400, 404)  # the form refused, or the request not found
