"""What one report counts for, as columns of the monthly tallies.

A report that has been submitted (not a draft, not a "nothing new" note) counts in the month of
its first submission (local time), under its topic and focus policy, in each of these columns.
``COLUMNS`` gives every column twice: a predicate on the report's values (used to keep the tallies
current, one report at a time) and a ``Q`` (used to count straight from the reports, for units below
the rolled-up depth and for the tests' recounts). The tests check that the two agree.
"""

from datetime import date

from django.db.models import Q
from django.utils import timezone

from collaborators.models.activity import DELAY_COLUMNS, DELAY_DAYS, median_delay  # noqa: F401 (one rule, read here)
from core.periods import period_month
from reports.models import AlertLevel, Breadth, Concern, Direction, ReportKind, ReportStatus

OPEN = (ReportStatus.SUBMITTED, ReportStatus.RETURNED)


# The values of a report a tally reads.
FIELDS = (
    "pk",
    "unit_id",
    "author_id",
    "unit__path",
    "kind",
    "status",
    "topic_id",
    "focus_policy_id",
    "direction",
    "breadth",
    "concern",
    "urgent",
    "alert_level",
    "rumour_id",
    "observed_on",
    "first_submitted_at",
    "nothing_new",
)


def _delay(r):
    if r["observed_on"] is None or r["first_submitted_at"] is None:
        return None
    return max((timezone.localdate(r["first_submitted_at"]) - r["observed_on"]).days, 0)


def _hot(r):
    return r["kind"] == ReportKind.HOT_SPOT or r["alert_level"] == AlertLevel.HOT_SPOT


HOT_Q = Q(kind=ReportKind.HOT_SPOT) | Q(alert_level=AlertLevel.HOT_SPOT)

COLUMNS: list[tuple[str, object, Q]] = [("total", lambda r: True, Q())]
COLUMNS += [(f"kind_{k}", (lambda r, k=k: r["kind"] == k), Q(kind=k)) for k in ReportKind.values]
COLUMNS += [
    (f"status_{s}", (lambda r, s=s: r["status"] == s), Q(status=s))
    for s in ReportStatus.values
    if s != ReportStatus.DRAFT
]
COLUMNS += [(f"dir_{d}", (lambda r, d=d: r["direction"] == d), Q(direction=d)) for d in Direction.values]
COLUMNS += [(f"breadth_{b}", (lambda r, b=b: r["breadth"] == b), Q(breadth=b)) for b in Breadth.values]
COLUMNS += [(f"concern_{c}", (lambda r, c=c: r["concern"] == c), Q(concern=c)) for c in Concern.values]
COLUMNS += [
    ("urgent", lambda r: r["urgent"], Q(urgent=True)),
    ("urgent_open", lambda r: r["urgent"] and r["status"] in OPEN, Q(urgent=True, status__in=OPEN)),
    ("hot", _hot, HOT_Q),
    ("hot_open", lambda r: _hot(r) and r["status"] in OPEN, HOT_Q & Q(status__in=OPEN)),
    # With hot_open/urgent_open, the dashboard's open hot spots and rapid reports split by status,
    # read from the tallies: counting them in the reports grows with the backlog (bench/summaries.py).
    (
        "urgent_returned",
        lambda r: r["urgent"] and r["status"] == ReportStatus.RETURNED,
        Q(urgent=True, status=ReportStatus.RETURNED),
    ),
    (
        "hot_returned",
        lambda r: _hot(r) and r["status"] == ReportStatus.RETURNED,
        HOT_Q & Q(status=ReportStatus.RETURNED),
    ),
    ("with_delay", lambda r: _delay(r) is not None, Q(observed_on__isnull=False)),
]
COLUMN_NAMES = [name for name, _, _ in COLUMNS]
ALL_COLUMNS = COLUMN_NAMES + DELAY_COLUMNS


def counted(r) -> bool:
    """Whether a report counts at all: sent at least once, and an observation (not "nothing new")."""
    return r["status"] != ReportStatus.DRAFT and not r["nothing_new"] and r["first_submitted_at"] is not None


COUNTED_Q = ~Q(status=ReportStatus.DRAFT) & Q(nothing_new=False, first_submitted_at__isnull=False)


def month_of(moment) -> date:
    """The reporting month (collaborators/periods.py) of a moment, in local time."""
    return period_month(timezone.localdate(moment))


def columns_of(r) -> list[str]:
    """The columns one report adds 1 to."""
    names = [name for name, predicate, _ in COLUMNS if predicate(r)]
    delay = _delay(r)
    if delay is not None:
        names.append(DELAY_COLUMNS[min(delay, DELAY_DAYS)])
    return names
