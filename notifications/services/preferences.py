"""Which kind of notification belongs to which category, the defaults of each role, and a person's choices.

A notification's ``kind`` is written by the app that sends it ("report_accepted", "training_reminder");
the person chooses per category. A kind not listed here is in OTHER (account messages, issued summaries).
"""

from django.db import transaction

from collaborators.access import Role, is_staff_or_admin
from notifications.models import Cadence, Category, Channel, ContactSettings, Preference

CATEGORY_OF_KIND = {
    "compliance_reminder": Category.REMINDERS,
    "pulse_reminder": Category.REMINDERS,
    "guidance": Category.GUIDANCE,
    "pulse": Category.GUIDANCE,
    "guidance_answer": Category.ANSWERS,
    "report_comment": Category.ANSWERS,
    "rumour_verified": Category.ANSWERS,
    "report_accepted": Category.REVIEWS,
    "report_returned": Category.REVIEWS,
    "report_rejected": Category.REVIEWS,
    "training_invitation": Category.TRAININGS,
    "training_cancelled": Category.TRAININGS,
    "training_seat": Category.TRAININGS,
    "training_reminder": Category.TRAININGS,
    "report_urgent": Category.STAFF_ALERTS,
    "report_assigned": Category.STAFF_ALERTS,
    "report_escalated": Category.STAFF_ALERTS,
    "report_overdue": Category.STAFF_ALERTS,
    "guidance_alert": Category.STAFF_ALERTS,
    "subscription": Category.STAFF_ALERTS,
    "incident_recorded": Category.STAFF_ALERTS,
    "incident_reminder": Category.STAFF_ALERTS,
}
# Kinds that ring a phone even during quiet hours.
URGENT_KINDS = {"report_urgent", "guidance_alert", "incident_recorded", "incident_reminder"}
# Kinds sent at once on the person's channels even when they chose a digest for the category: a
# personal-data incident must reach the administrators within the 72 hours the law allows.
AT_ONCE_KINDS = {"incident_recorded", "incident_reminder"}
# Kinds that go only in the app and by e-mail, at once, whatever the person chose (an activation link).
FIXED_KINDS = {"invitation"}

# What each role gets before choosing: collaborators are reached on the phone (Zalo) where they read,
# staff by e-mail, with the rest of their messages gathered in a daily digest.
_COLLABORATOR = {category: ([Channel.IN_APP, Channel.EMAIL, Channel.ZALO], Cadence.NOW) for category in Category}
_STAFF = {
    Category.REMINDERS: ([Channel.IN_APP, Channel.EMAIL], Cadence.NOW),
    Category.GUIDANCE: ([Channel.IN_APP, Channel.EMAIL], Cadence.DAILY),
    Category.ANSWERS: ([Channel.IN_APP, Channel.EMAIL], Cadence.DAILY),
    Category.REVIEWS: ([Channel.IN_APP, Channel.EMAIL], Cadence.DAILY),
    Category.TRAININGS: ([Channel.IN_APP, Channel.EMAIL], Cadence.DAILY),
    Category.STAFF_ALERTS: ([Channel.IN_APP, Channel.EMAIL, Channel.PUSH], Cadence.NOW),
    Category.OTHER: ([Channel.IN_APP, Channel.EMAIL], Cadence.NOW),
}


def category_of(kind: str) -> str:
    return CATEGORY_OF_KIND.get(kind, Category.OTHER)


def categories_for(user) -> list[str]:
    """The categories a person may choose for (alerts for staff are for staff)."""
    return [c for c in Category.values if c != Category.STAFF_ALERTS or is_staff_or_admin(user)]


def defaults_for(user) -> dict:
    """``{category: (channels, cadence)}`` of the person's role."""
    staff = is_staff_or_admin(user) or getattr(user, "role", None) in (Role.STAFF, Role.ADMIN)
    table = _STAFF if staff else _COLLABORATOR
    return {category: (list(channels), cadence) for category, (channels, cadence) in table.items()}


def preferences_of(user) -> dict:
    """``{category: (channels, cadence)}``: the person's choices over the defaults of their role."""
    choice = defaults_for(user)
    for row in Preference.objects.filter(user=user):
        choice[row.category] = (list(row.channels), row.cadence)
    return choice


def contact_of(user) -> ContactSettings:
    """The person's contact settings (not saved until they change something)."""
    try:
        return user.contact_settings
    except ContactSettings.DoesNotExist:
        return ContactSettings(user=user)


@transaction.atomic
def preferences_save(*, user, choices: dict, quiet_from: int | None = None, quiet_until: int | None = None) -> None:
    """Store ``{category: (channels, cadence)}`` for the person, and their quiet hours when given."""
    allowed = set(categories_for(user))
    for category, (channels, cadence) in choices.items():
        if category not in allowed:
            continue
        channels = [c for c in Channel.values if c in set(channels)]
        Preference.objects.update_or_create(
            user=user, category=category, defaults={"channels": channels, "cadence": cadence}
        )
    if quiet_from is not None and quiet_until is not None:
        ContactSettings.objects.update_or_create(
            user=user, defaults={"quiet_from": quiet_from, "quiet_until": quiet_until}
        )
