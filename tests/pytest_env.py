"""Loaded with -p before Django starts: tests run with the development defaults.

Settings refuse to start without SECRET_KEY when DEBUG is off, and a plain
`pytest` should work like `make test`. Production-like settings are tested
in subprocesses (tests/core/test_settings.py) and by `check --deploy` in CI.

TEST_NOW moves the whole run to another moment, so the suite can be run just
after midnight in Hanoi, at a period boundary or on 29 February whatever the
real clock says: `TEST_NOW=2028-02-29T23:59:00+07:00 make test`. The value is
an ISO datetime with its offset. The clock keeps ticking from there; tests
that need an exact moment still freeze it themselves (a nested travel wins).

No test reads the wall clock unfrozen: the autouse guard below fails a test whose own code reads it with
no travel of its own around it (tests/clock.py says how to freeze it).
"""

import os
from datetime import datetime

import pytest

os.environ.setdefault("DEBUG", "1")


def _travel_to_test_now():
    value = os.environ.get("TEST_NOW", "").strip()
    if not value:
        return None
    try:
        destination = datetime.fromisoformat(value)
    except ValueError as error:
        raise SystemExit(f"TEST_NOW={value!r} is not an ISO datetime: {error}") from None
    if destination.tzinfo is None:
        raise SystemExit(f"TEST_NOW={value!r} needs an offset, e.g. 2027-02-28T23:30:00+07:00")
    import time_machine

    traveller = time_machine.travel(destination, tick=True)
    traveller.start()
    return destination


TEST_NOW = _travel_to_test_now()


def pytest_report_header(config):
    if TEST_NOW is not None:
        return f"clock: TEST_NOW={TEST_NOW.isoformat()} (the run started at this moment)"
    return None


@pytest.fixture(autouse=True)
def _no_unfrozen_clock_reads(request):
    from tests.clock import REAL_CLOCK_MARKERS, guard_clock_reads

    if any(request.node.get_closest_marker(name) for name in REAL_CLOCK_MARKERS):
        yield  # its worker or browser keeps the real clock, whatever the test would freeze
        return
    with guard_clock_reads() as reads:
        yield
    if reads:
        pytest.fail(
            "Read the wall clock with no time-machine travel of its own around it (freeze the moment the "
            "test depends on, see tests/clock.py): " + ", ".join(dict.fromkeys(reads)),
            pytrace=False,
        )
