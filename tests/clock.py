"""Time in tests: moments in Hanoi, a frozen clock for a module, and the guard that no test reads the wall
clock unfrozen.

A test reads "now" only under a time-machine travel of its own (``time_machine.travel`` around it, the
``time_machine`` fixture, or its module's ``frozen_clock``), so that it gives the same answer at any hour
and on any day, and a run at another moment (``TEST_NOW``) moves only what the app reads. The guard
(``guard_clock_reads``, autouse in tests/conftest.py) fails a test whose own code (the test, its fixtures
and the helpers under tests/) calls ``timezone.now()``, ``timezone.localdate()`` or ``timezone.localtime()``
with no travel of its own around it; ``tests/core/test_clock_discipline.py`` refuses the forms the guard
cannot see (``datetime.now()``, ``date.today()``, ``time.time()``, importing ``now`` from
``django.utils.timezone``, reading the clock at import). The worker and browser tests are left out: their
processes (Celery, Chromium) keep the real clock whatever the test does.
"""

import sys
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
# A plain working morning in the middle of a reporting period (15 November to 14 December) and of a
# month, for tests that need "now" but not a particular day.
A_WORKING_MORNING = datetime(2026, 12, 3, 9, 30, tzinfo=HANOI)

TESTS = Path(__file__).resolve().parent
REAL_CLOCK = (TESTS / "browser", TESTS / "integration")
REAL_CLOCK_MARKERS = ("worker", "browser")
_THIS_FILE = str(Path(__file__).resolve())


def frozen_clock(moment=A_WORKING_MORNING, *, tick=True):
    """An autouse fixture for a module (``_clock = frozen_clock(...)``) whose tests build their dates from
    "now": each test starts at ``moment`` (Hanoi time), before any of its fixtures. A travel inside a test
    still wins. A test with a real worker or browser is left on the real clock, as their processes are."""

    @pytest.fixture(autouse=True)
    def _frozen_clock(request):
        if any(request.node.get_closest_marker(name) for name in REAL_CLOCK_MARKERS):
            yield
            return
        with time_machine.travel(moment, tick=tick):
            yield

    return _frozen_clock


def _travels_of_the_run() -> int:
    """Travels started for the whole run (TEST_NOW): reading the clock under those alone is reading it
    unfrozen."""
    from tests.pytest_env import TEST_NOW

    return 0 if TEST_NOW is None else 1


def _test_code(filename: str) -> bool:
    if not filename.startswith(str(TESTS)) or filename == _THIS_FILE:
        return False
    return not any(filename.startswith(str(folder)) for folder in REAL_CLOCK)


@contextmanager
def guard_clock_reads():
    """Record each read of the clock by test code with no travel of its own around it: yields the list of
    "file:line timezone.name()" entries."""
    reads = []
    base = _travels_of_the_run()
    originals = {name: getattr(timezone, name) for name in ("now", "localdate", "localtime")}

    def guarded(name, original):
        def read(*args, **kwargs):
            reads_clock = name == "now" or (not args or args[0] is None) and kwargs.get("value") is None
            if reads_clock and len(time_machine.traveller_stack) <= base:
                caller = sys._getframe(1)
                if _test_code(caller.f_code.co_filename):
                    where = Path(caller.f_code.co_filename).relative_to(TESTS.parent)
                    reads.append(f"{where}:{caller.f_lineno} timezone.{name}()")
            return original(*args, **kwargs)

        return read

    for name, original in originals.items():
        setattr(timezone, name, guarded(name, original))
    try:
        yield reads
    finally:
        for name, original in originals.items():
            setattr(timezone, name, original)
