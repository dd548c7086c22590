"""Reminders to collaborators who have not reported yet, a few days before the due day (once per period)."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from collaborators.models import CollaboratorStatus, ReportingActivity, Role, User
from notifications.services import notify
from summaries.models import ComplianceReminder, ReportingPeriod


def reminder_window(period: ReportingPeriod):
    """The last SUMMARY_REMINDER_DAYS_BEFORE days of the period (the days before collaborators are due)."""
    return period.ends_on - timedelta(days=settings.SUMMARY_REMINDER_DAYS_BEFORE - 1), period.ends_on


def compliance_reminders_send(*, today=None) -> int:
    """Remind every active collaborator who has not reported this period; at most once per person per period.

    Runs daily; sends only in the period's last SUMMARY_REMINDER_DAYS_BEFORE days (with the usual periods,
    the 12th to the 14th: collaborators are due on the 15th), while a report still counts for the period.
    The unique (period, person) row is the claim: a second run, or two beat processes, send nothing more.
    """
    today = today or timezone.localdate()
    period = ReportingPeriod.objects.month_of(today)
    start, end = reminder_window(period)
    if not start <= today <= end:
        return 0
    due = period.collaborators_due_on
    already = ComplianceReminder.objects.filter(period=period).values("person_id")
    people = (
        User.objects.filter(role=Role.COLLABORATOR, is_active=True, profile__status=CollaboratorStatus.ACTIVE)
        .exclude(ReportingActivity.reported_in(period.month))
        .exclude(pk__in=already)
        .order_by("pk")
    )
    sent = 0
    for person in people.iterator(chunk_size=500):
        try:
            with transaction.atomic():
                ComplianceReminder.objects.create(period=period, person=person)
                with override(settings.LANGUAGE_CODE):
                    notify(
                        recipient=person,
                        about=person,  # a reminder about the person's own duty to report
                        kind="compliance_reminder",
                        subject=_("Reminder: your report for %(period)s is due on %(due)s")
                        % {"period": period, "due": formats.date_format(due, "d/m/Y")},
                        body=_(
                            "You have not sent a report this period. If there is nothing new, "
                            "one tap on “Nothing new this period” is enough."
                        ),
                        link="/reports/new/",
                    )
        except IntegrityError:  # another run reminded this person first
            continue
        sent += 1
    return sent
