"""A module's frozen clock (tests/clock.py): each test starts at its moment, before its fixtures."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.clock import HANOI, frozen_clock

pytestmark = pytest.mark.clock

MOMENT = datetime(2027, 2, 14, 23, 59, tzinfo=HANOI)
_clock = frozen_clock(MOMENT, tick=False)


@pytest.fixture
def read_in_a_fixture():
    return timezone.now()


def test_each_test_and_its_fixtures_start_at_the_modules_moment(read_in_a_fixture):
    assert read_in_a_fixture == timezone.now() == MOMENT
    assert timezone.localdate() == MOMENT.date()  # the Hanoi date, the UTC one being a day earlier


def test_a_travel_inside_the_test_still_wins():
    with time_machine.travel(MOMENT + timedelta(days=1), tick=False):
        assert timezone.localdate() == MOMENT.date() + timedelta(days=1)
