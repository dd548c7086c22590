"""Charts in a real Chromium: a chart with no figures says "Chưa có số liệu" (static/js/charts.js, one
plugin for every chart) and tells screen readers so; a chart with figures draws them."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from reports.models import Direction, Topic
from summaries.models import ReportingPeriod
from tests.browser.pages import log_in
from tests.factories import TEST_PASSWORD
from tests.summaries.conftest import make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_empty_chart_says_there_is_no_data_and_a_full_one_draws(open_page, live_server, collaborator, unit_staff):
    page, _problems = open_page("laptop")
    log_in(page, live_server, unit_staff.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-over-time'))")
    chart = page.locator("#chart-over-time")
    assert chart.get_attribute("data-empty") == "true"
    assert chart.get_attribute("aria-label") == "Chưa có số liệu"

    topic, _created = Topic.objects.get_or_create(code="WAGES", defaults={"name": "Tiền lương, thu nhập"})
    period = ReportingPeriod.objects.month_of(timezone.localdate()).previous()
    day = period.starts_on + timedelta(days=3)
    make_report(collaborator, sent_at=timezone.make_aware(datetime(day.year, day.month, day.day, 9)), topic=topic,
                direction=Direction.NEGATIVE)  # fmt: skip
    page.goto(f"{live_server.url}/dashboard/?period={period.month.strftime('%Y-%m')}")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-over-time'))")
    assert page.locator("#chart-over-time").get_attribute("data-empty") is None
