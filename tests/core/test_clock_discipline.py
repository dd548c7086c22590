"""No test reads the wall clock unfrozen (see tests/clock.py): the guard catches what it must catch, and
the forms of reading the clock it cannot see are not written in the tests."""

import ast
from datetime import datetime

import pytest
import time_machine
from django.utils import timezone

from tests.clock import HANOI, REAL_CLOCK, TESTS, guard_clock_reads

pytestmark = pytest.mark.clock

MOMENT = datetime(2027, 2, 14, 23, 59, tzinfo=HANOI)


def test_the_guard_records_a_read_with_no_travel_around_it():
    with guard_clock_reads() as reads, time_machine.travel(MOMENT):
        timezone.now()
        timezone.localdate()
    assert reads == []
    with guard_clock_reads() as reads:
        with time_machine.travel(MOMENT):
            pass
        timezone.localtime(timezone.make_aware(datetime(2027, 1, 1)))  # a given moment reads no clock
        unfrozen = timezone.localdate()
    assert [entry.split()[-1] for entry in reads] == ["timezone.localdate()"]
    assert reads[0].startswith("tests/core/test_clock_discipline.py:")
    assert unfrozen is not None


# The forms the guard cannot see: calls of the standard library's clock, the clock imported by name,
# and a read at import time (before any test freezes anything).
STDLIB_CLOCK = {("datetime", "now"), ("datetime", "today"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}
TIMEZONE_CLOCK = {"now", "localdate", "localtime"}


def unguarded_reads(source: str) -> list[str]:
    tree = ast.parse(source)
    found = []
    in_function = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            in_function.update(id(inner) for inner in ast.walk(node) if inner is not node)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.timezone":
            found += [
                f"{node.lineno}: from django.utils.timezone import {alias.name}"
                for alias in node.names
                if alias.name in TIMEZONE_CLOCK
            ]
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
        if (owner_name, node.func.attr) in STDLIB_CLOCK:
            found.append(f"{node.lineno}: {owner_name}.{node.func.attr}()")
        elif (
            owner_name == "timezone"
            and node.func.attr in TIMEZONE_CLOCK
            and id(node) not in in_function
            and (node.func.attr != "localtime" or not node.args)
        ):
            found.append(f"{node.lineno}: timezone.{node.func.attr}() at import")
    return found


def test_the_source_check_finds_each_form():
    source = (
        "import time\nfrom datetime import date, datetime\nfrom django.utils import timezone\n"
        "from django.utils.timezone import now\n"
        "YESTERDAY = timezone.localdate()\n"
        "def test_x():\n    date.today(); datetime.now(); time.time(); timezone.now()\n"
    )
    assert unguarded_reads(source) == [
        "4: from django.utils.timezone import now",
        "5: timezone.localdate() at import",
        "7: date.today()",
        "7: datetime.now()",
        "7: time.time()",
    ]


def test_no_test_reads_the_clock_where_the_guard_cannot_see_it():
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if any(path.is_relative_to(folder) for folder in REAL_CLOCK) or path.name == "pytest_env.py":
            continue
        offenders += [f"{path.relative_to(TESTS.parent)}:{entry}" for entry in unguarded_reads(path.read_text())]
    assert not offenders, "Clock reads no travel can freeze (use timezone.now() under a travel):\n" + "\n".join(
        offenders
    )
