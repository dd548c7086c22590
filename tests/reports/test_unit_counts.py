"""The unit tree counts each subtree's sent reports (the reports app registers the counter)."""

import pytest

from collaborators.selectors.units import units_with_counts
from tests.reports.conftest import make_report

pytestmark = pytest.mark.django_db


def test_unit_tree_counts_sent_reports_per_subtree_but_not_drafts(unit_staff, union, grassroots, collaborator):
    make_report(collaborator)
    make_report(collaborator)
    make_report(collaborator, submit=False)  # a draft stays private
    rows = {unit.pk: unit for unit in units_with_counts(unit_staff, [union, grassroots])}
    assert rows[union.pk].counts["reports"] == 2
    assert rows[grassroots.pk].counts["reports"] == 2


def test_unit_tree_page_shows_the_report_count(client, unit_staff, union, collaborator):
    make_report(collaborator)
    client.force_login(unit_staff)
    html = client.get(f"/roster/units/{union.pk}/").content.decode()
    assert "Báo cáo" in html
