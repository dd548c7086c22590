"""A person's roster page shows their report counts."""

import pytest
from django.urls import reverse

from reports.selectors import person_section
from tests.reports.conftest import make_report

pytestmark = pytest.mark.django_db


def test_person_section_counts_sent_reports_by_status_and_ignores_drafts(collaborator, unit_staff):
    make_report(collaborator)
    make_report(collaborator)
    make_report(collaborator, submit=False)
    data = person_section(collaborator, unit_staff)["data"]
    assert data["total"] == 2
    counts = {value: n for value, _label, n in data["by_status"]}
    assert counts["submitted"] == 2
    assert sum(counts.values()) == 2 and "draft" not in counts


def test_staff_see_the_report_counts_on_the_person_page(client, collaborator, unit_staff):
    make_report(collaborator)
    client.force_login(unit_staff)
    html = client.get(reverse("roster:person_detail", args=[collaborator.pk])).content.decode()
    assert 'data-testid="person-reports"' in html
    assert 'data-testid="person-reports-submitted">1<' in html
