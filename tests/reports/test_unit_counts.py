"""The units pages count each subtree's sent reports (the reports app answers collaborators' unit_figures)."""

import pytest
from django.utils.translation import gettext

from collaborators.selectors.units import units_with_counts
from tests.factories import UnitFactory, UserFactory
from tests.reports.conftest import make_report

pytestmark = pytest.mark.django_db


def test_unit_tree_counts_sent_reports_per_subtree_but_not_drafts(unit_staff, union, grassroots, collaborator):
    make_report(collaborator)
    make_report(collaborator)
    make_report(collaborator, submit=False)  # a draft stays private
    rows = {unit.pk: unit for unit in units_with_counts(unit_staff, [union, grassroots])}
    reports = gettext("Reports")
    assert rows[union.pk].figures[reports] == 2
    assert rows[grassroots.pk].figures[reports] == 2


def test_unit_tree_page_shows_the_report_count(client, unit_staff, union, collaborator):
    make_report(collaborator)
    client.force_login(unit_staff)
    html = client.get(f"/roster/units/{union.pk}/").content.decode()
    assert "Báo cáo" in html


def test_report_figures_cost_one_query_per_depth_whatever_the_number_of_units(
    unit_staff, union, collaborator, django_assert_num_queries
):
    make_report(collaborator)
    few = [UnitFactory(parent=union) for _ in range(2)]
    # People, reports: one grouped query each for the one depth; and the restructurings' moves.
    with django_assert_num_queries(3):
        units_with_counts(unit_staff, few)
    many = few + [UnitFactory(parent=union) for _ in range(20)]
    with django_assert_num_queries(3):
        rows = units_with_counts(unit_staff, many)
    assert all(row.figures[gettext("Reports")] == 0 for row in rows)


def test_the_figures_are_kept_until_a_report_or_person_changes_them(
    unit_staff, union, grassroots, collaborator, django_assert_num_queries
):
    reports = gettext("Reports")
    make_report(collaborator)
    first = {unit.pk: unit.figures[reports] for unit in units_with_counts(unit_staff, [union, grassroots])}
    assert first == {union.pk: 1, grassroots.pk: 1}
    with django_assert_num_queries(0):  # the same viewer, the same units, nothing written since
        again = {unit.pk: unit.figures[reports] for unit in units_with_counts(unit_staff, [union, grassroots])}
    assert again == first
    make_report(collaborator)  # a sent report moves the figures' version
    rows = {unit.pk: unit for unit in units_with_counts(unit_staff, [union, grassroots])}
    assert {pk: unit.figures[reports] for pk, unit in rows.items()} == {union.pk: 2, grassroots.pk: 2}
    people = rows[union.pk].people_count
    UserFactory(unit=grassroots)
    assert {unit.pk: unit.people_count for unit in units_with_counts(unit_staff, [union])} == {union.pk: people + 1}
