"""Reads for units and people."""

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collaborators.models import (
    CollaboratorProfile,
    CollaboratorStatus,
    DecisionKind,
    Gender,
    Position,
    ReportingActivity,
    Role,
    TrainingAttendance,
    Unit,
    User,
)
from collaborators.signals import page_actions, person_page_sections, personal_data_sections
from core.history import history_entries
from privacy.models import AccountEvent, ReadEntry, SignedInSession


def unit_overview(user) -> dict:
    """Counts for a staff or admin home page, within the user's scope (two queries)."""
    units = Unit.objects.visible_to(user).current()
    by_kind = dict(units.order_by().values_list("kind").annotate(n=Count("pk")))
    people = User.objects.visible_to(user).aggregate(
        collaborators=Count("pk", filter=Q(role=Role.COLLABORATOR)),
        active_collaborators=Count("pk", filter=Q(role=Role.COLLABORATOR, is_active=True)),
        staff=Count("pk", filter=Q(role__in=[Role.STAFF, Role.ADMIN])),
    )
    return {"units": sum(by_kind.values()), "units_by_kind": by_kind, **people}


def people_visible_to(user):
    """The roster rows a person may list, with what the list page shows (no N+1): ``last_reported_on``
    is the day of the first report of the latest period the person reported in (their reporting facts)."""
    latest = ReportingActivity.objects.filter(person=OuterRef("pk")).order_by("-month")
    return (
        User.objects.visible_to(user)
        .select_related("unit", "profile")
        .annotate(last_reported_on=Subquery(latest.values("first_reported_on")[:1]))
        .order_by("unit__path", "full_name", "pk")
    )


def person_activity(person: User) -> dict:
    """The person's latest reporting and training facts: ``last_reported_on`` (the first report of the
    latest period they reported in) and ``last_trained_on`` (the latest training attended)."""
    reported = ReportingActivity.objects.filter(person=OuterRef("pk")).order_by("-month")
    trained = TrainingAttendance.objects.filter(person=OuterRef("pk")).order_by("-attended_on")
    return (  # one query for both
        User.objects.filter(pk=person.pk)
        .values(
            last_reported_on=Subquery(reported.values("first_reported_on")[:1]),
            last_trained_on=Subquery(trained.values("attended_on")[:1]),
        )
        .get()
    )


def profile_or_blank(person: User) -> CollaboratorProfile:
    """The person's profile, or an unsaved blank one: reading a page never writes."""
    try:
        return person.profile
    except CollaboratorProfile.DoesNotExist:
        return CollaboratorProfile(user=person)


def _sections_of_higher_apps(*, person: User, viewer) -> list[dict]:
    replies = person_page_sections.send(sender=User, person=person, viewer=viewer)
    return [section for _receiver, section in replies if section]


def page_actions_for(obj, viewer) -> list[dict]:
    """The buttons the apps above add beside ``obj`` on its page (``page_actions``); none for nothing."""
    if obj is None:
        return []
    return [action for _receiver, action in page_actions.send(sender=type(obj), obj=obj, viewer=viewer) if action]


def person_page(*, person: User, viewer) -> dict:
    """What a person's page shows, with personal fields only for those allowed to see them."""
    from collaborators.access import is_admin, is_staff_or_admin

    profile = profile_or_blank(person)
    is_self = person.pk == viewer.pk
    in_scope_staff = is_staff_or_admin(viewer)  # the person came through visible_to(viewer)
    return {
        "person": person,
        "profile": profile,
        "is_self": is_self,
        "show_personal": is_self or in_scope_staff,
        "can_manage": is_admin(viewer) and not is_self,
        "status_changes": person.status_changes.select_related("changed_by", "decision")[:50],
        "decisions": person.decisions.select_related("unit").order_by("-issued_on"),
        "invitations": person.invitations.select_related("created_by")[:5] if in_scope_staff else [],
        "activity": person_activity(person),
        # Blocks of higher apps (reports, training history), which answer the signal: not imported here.
        "extra_sections": _sections_of_higher_apps(person=person, viewer=viewer),
    }


def person_history(*, person: User) -> list[dict]:
    """The change history of a person's account and profile, newest first, with what changed (a unit by
    its name: a move to a successor unit reads as one): ``core.history``."""
    record_sets = [person.history.all()]
    profile = getattr(person, "profile", None)
    if profile is not None:
        record_sets.append(profile.history.all())
    entries = history_entries(*record_sets)
    for entry in entries:
        entry["model"] = entry["what"]
    return entries


LABEL_SUFFIX = "_label"

# The roster's own coded fields in the own-data file, each given its label beside the code.
_CODED = {
    "role": Role,
    "position": Position,
    "gender": Gender,
    "status": CollaboratorStatus,
    "from": CollaboratorStatus,
    "to": CollaboratorStatus,
    "kind": DecisionKind,
}


def _labelled(row: dict) -> dict:
    """``row`` with ``<key>_label`` after each stored code of ``_CODED`` (the label, in the current language)."""
    out = {}
    for key, value in row.items():
        out[key] = value
        kind = _CODED.get(key)
        if kind is not None and isinstance(value, str) and value in kind.values:
            out[f"{key}{LABEL_SUFFIX}"] = str(kind(value).label)
    return out


def personal_data_export(*, user: User, sections=None) -> dict:
    """Everything held about one person (their own download): the roster's rows, and what the other apps
    hold, gathered through ``personal_data_sections`` (``sections``: already gathered)."""
    sections = _other_apps_personal_data(user) if sections is None else sections
    profile = profile_or_blank(user)
    return {
        "exported_at": timezone.now(),
        "account": _labelled(
            {
                "username": user.username,
                "full_name": user.full_name,
                "phone": user.phone,
                "email": user.email,
                "role": user.role,
                "unit": user.unit.name if user.unit else None,
                "date_joined": user.date_joined,
                "last_login": user.last_login,
            }
        ),
        "profile": _labelled(
            {
                "position": profile.position,
                "workplace": profile.workplace,
                "gender": profile.gender,
                "birth_year": profile.birth_year,
                "topics_covered": profile.topics_covered,
                "status": profile.status,
                "status_since": profile.status_since,
                "term_end": profile.term_end,
                **person_activity(user),
                "consent_version": profile.consent_version,
                "consent_given_at": profile.consent_given_at,
                "consent_withdrawn_at": profile.consent_withdrawn_at,
            }
        ),
        "status_history": [
            _labelled({"from": c.from_status, "to": c.to_status, "date": c.effective_date, "reason": c.reason})
            for c in user.status_changes.all()
        ],
        "decisions": [
            _labelled({"number": d.number, "date": d.issued_on, "kind": d.kind, "signer": d.signer})
            for d in user.decisions.all()
        ],
        "consents": {
            "version_given": profile.consent_version,
            "given_at": profile.consent_given_at,
            "withdrawn_at": profile.consent_withdrawn_at,
        },
        "consent_history": _consent_history(profile),
        # What the other apps hold about the person (reports, trainings, notifications, receipts).
        **{section["key"]: section["rows"] for section in sections},
        "read_by_others": [
            {
                "at": e.at,
                "reader": e.reader.full_name if e.reader else "",
                "what": e.get_kind_display(),
                "object": e.label,
                "address": e.address,
            }
            for e in ReadEntry.objects.filter(subject=user).exclude(reader=user).select_related("reader").order_by("pk")
        ],
        "account_events": [
            {"at": e.at, "what": e.get_kind_display(), "address": e.address}
            for e in AccountEvent.objects.filter(person=user).order_by("pk")
        ],
        "sessions": [
            {"signed_in": s.started_at, "last_activity": s.last_seen_at, "address": s.address, "device": s.user_agent}
            for s in SignedInSession.objects.filter(user=user).order_by("pk")
        ],
    }


def _consent_history(profile) -> list[dict]:
    """Each version the person agreed to and each withdrawal, oldest first, from the profile's history."""
    rows, last = [], None
    for record in profile.history.order_by("history_date", "history_id").only(
        "history_date", "consent_version", "consent_given_at", "consent_withdrawn_at"
    ):
        state = (record.consent_version, record.consent_given_at, record.consent_withdrawn_at)
        if state != last and (record.consent_given_at or record.consent_withdrawn_at):
            rows.append({"version": state[0], "given_at": state[1], "withdrawn_at": state[2]})
        last = state
    return rows


def _other_apps_personal_data(user) -> list[dict]:
    return [section for _receiver, section in personal_data_sections.send(sender=User, person=user) if section]


# The printable page's headings for the own-data file's keys (the JSON keeps the keys).
PERSONAL_DATA_LABELS = {
    "account": _("Account"),
    "profile": _("Profile"),
    "consents": _("Personal-data consent"),
    "consent_history": _("Consents given and withdrawn"),
    "version": _("Consent version"),
    "status_history": _("Status history"),
    "decisions": _("Recognition decisions"),
    "read_by_others": _("Who read my data"),
    "account_events": _("Sign-in changes"),
    "sessions": _("Signed-in sessions"),
    "username": _("Username"),
    "full_name": _("Full name"),
    "phone": _("Phone"),
    "email": _("E-mail"),
    "role": _("Role"),
    "unit": _("Unit"),
    "date_joined": _("Joined"),
    "last_login": _("Last sign-in"),
    "position": _("Position"),
    "workplace": _("Workplace"),
    "gender": _("Gender"),
    "birth_year": _("Birth year"),
    "topics_covered": _("Topics covered"),
    "status": _("Status"),
    "status_since": _("Status since"),
    "term_end": _("Term ends"),
    "last_reported_on": _("Last report"),
    "last_trained_on": _("Last trained"),
    "consent_version": _("Consent version"),
    "consent_given_at": _("Consent given"),
    "consent_withdrawn_at": _("Consent withdrawn"),
    "version_given": _("Consent version"),
    "given_at": _("Consent given"),
    "withdrawn_at": _("Consent withdrawn"),
    "from": _("From status"),
    "to": _("To status"),
    "date": _("Date"),
    "reason": _("Reason"),
    "number": _("Number"),
    "kind": _("Kind"),
    "signer": _("Signer"),
    "id": _("No."),
    "created_at": _("Written"),
    "first_submitted_at": _("Sent"),
    "topic": _("Topic"),
    "title": _("Title"),
    "content": _("Content"),
    "place": _("Place"),
    "files": _("Files"),
    "session": _("Training session"),
    "starts_at": _("Starts"),
    "registered_at": _("Registered"),
    "checked_in_at": _("Checked in"),
    "rating": _("Rating"),
    "comment": _("Comment"),
    "certificate": _("Certificate"),
    "note": _("Guidance note"),
    "read_at": _("Read"),
    "acknowledged_at": _("Acknowledged"),
    "subject": _("Subject"),
    "body": _("Message"),
    "sent_at": _("Sent"),
    "at": _("When"),
    "reader": _("Who read"),
    "what": _("What"),
    "object": _("Object"),
    "address": _("Address"),
    "signed_in": _("Signed in"),
    "last_activity": _("Last activity"),
    "device": _("Device"),
    "category": _("Kind of notification"),
    "channels": _("Channels"),
    "cadence": _("When"),
    "verified_phone": _("Verified phone"),
    "phone_verified_at": _("Phone verified"),
    "quiet_from": _("Quiet from (hour)"),
    "quiet_until": _("Quiet until (hour)"),
    "code_sent_at": _("Code sent"),
    "verified_at": _("Verified"),
    "endpoint": _("Browser address"),
    "channel": _("Channel"),
    "outcome": _("Outcome"),
    "delivered_at": _("Delivered"),
}


def personal_data_page(*, user) -> dict:
    """The own-data file as the printable page shows it: each part with its heading, a part of one
    record as label/value pairs, a list as a table."""
    sections = _other_apps_personal_data(user)
    data = personal_data_export(user=user, sections=sections)
    titles = {**PERSONAL_DATA_LABELS, **{section["key"]: section["title"] for section in sections}}

    def label(key):
        return PERSONAL_DATA_LABELS.get(key, key)

    # The download keeps the stored codes and carries each one's label beside it ("zalo" and
    # "channels_label": "Zalo"); the page shows the label in the code's column and no "_label" column.
    def shown(row, key):
        return row.get(f"{key}{LABEL_SUFFIX}", row[key])

    def keys(row):
        return [k for k in row if not (k.endswith(LABEL_SUFFIX) and k[: -len(LABEL_SUFFIX)] in row)]

    parts = []
    for key, value in data.items():
        if key == "exported_at":
            continue
        if isinstance(value, dict):
            pairs = [(label(k), shown(value, k)) for k in keys(value)]
            parts.append({"title": titles.get(key, key), "pairs": pairs})
        else:
            columns = keys(value[0]) if value else []
            parts.append(
                {
                    "key": key,
                    "title": titles.get(key, key),
                    "columns": [label(c) for c in columns],
                    "rows": [[shown(row, c) for c in columns] for row in value],
                }
            )
    return {"exported_at": data["exported_at"], "parts": parts}


def open_invitation(*, pk: int):
    from collaborators.models import Invitation

    invitation = Invitation.objects.select_related("user").filter(pk=pk).first()
    return invitation if invitation is not None and invitation.is_open else None
