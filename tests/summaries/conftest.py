"""Summaries fixtures: reports made through the reports services, spread over months."""

import uuid
from contextlib import nullcontext
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from reports.models import Report, ReportKind, Topic
from reports.services import report_save


def local(year, month, day, hour=10):
    return timezone.make_aware(datetime(year, month, day, hour))


def make_report(author, *, sent_at=None, **fields) -> Report:
    """A submitted report, sent at ``sent_at`` (the clock stands still there while it is sent, so its
    reporting period, its tallies and its author's reporting fact are those of that moment) or now."""
    data = {
        "kind": ReportKind.OPINION,
        "topic": Topic.objects.order_by("order", "pk").first(),
        "title": "Công nhân bàn tán về tăng lương tối thiểu vùng",
        "content": "Phần lớn đồng tình, một số lo giá cả tăng theo.",
    }
    data.update(fields)
    with time_machine.travel(sent_at, tick=False) if sent_at is not None else nullcontext():
        report, _ = report_save(author=author, token=uuid.uuid4(), data=data, submit=True)
    return report


@pytest.fixture(autouse=True)
def calendar_months(settings):
    """These tests count in calendar months (REPORTING_PERIOD_START_DAY=1), so their dates read plainly;
    test_periods.py checks the default 15th-to-14th periods."""
    settings.REPORTING_PERIOD_START_DAY = 1


@pytest.fixture
def report_maker():
    return make_report


@pytest.fixture
def topics(db):
    return list(Topic.objects.order_by("order", "pk")[:3])


@pytest.fixture
def days():
    return timedelta
