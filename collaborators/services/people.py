"""Writes for people: accounts, profiles, status changes, decisions, invitations, consent, anonymisation.

Every change to a person is kept by django-simple-history (who, when, what);
the request middleware records the acting user, and services called outside
a request set ``_history_user`` themselves.
"""

import hashlib
import logging
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from collaborators.models import (
    STATUS_TRANSITIONS,
    CollaboratorProfile,
    CollaboratorStatus,
    DecisionKind,
    Invitation,
    InvitationChannel,
    QualityTally,
    RecognitionDecision,
    ReportingActivity,
    Role,
    StatusChange,
    TrainingAttendance,
    Unit,
    User,
)
from collaborators.models.activity import QUALITY_COLUMNS, QUALITY_REPORT_COLUMNS
from collaborators.signals import invitation_issued, person_anonymised
from core.periods import period_month
from core.upserts import execute_statements, insert_statements, upsert_statements

INVITATION_SALT = "collaborators.invitation"
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed from paper
CODE_MAX_ATTEMPTS = 5

logger = logging.getLogger(__name__)


USERNAME_PREFIX = "ctv"
USERNAME_DIGITS = 6


def username_new() -> str:
    """A fresh login name that says nothing about the person: "ctv" and six random digits ("ctv418207").

    Full names are not a source: Vietnamese names carry apostrophes, brackets and letters a login
    name cannot hold, many people share a name, and a login should not reveal who it is. Random,
    not sequential, so names do not tell how many people the roster holds or invite guessing the
    next one. Digits only: typed from paper on a phone keypad and read aloud without ambiguity.
    """
    low, high = 10 ** (USERNAME_DIGITS - 1), 10**USERNAME_DIGITS
    while True:
        candidate = f"{USERNAME_PREFIX}{low + secrets.randbelow(high - low)}"
        if not User.objects.filter(username=candidate).exists():
            return candidate


@transaction.atomic
def user_create(
    *,
    username: str,
    full_name: str,
    unit: Unit | None,
    role: str = Role.COLLABORATOR,
    phone: str = "",
    email: str = "",
    password: str | None = None,
    is_active: bool = True,
    is_superuser: bool = False,
) -> User:
    """Create a person. Without a password the account cannot log in until activated."""
    user = User(
        username=username,
        full_name=full_name,
        unit=unit,
        role=role,
        phone=phone,
        email=email,
        is_active=is_active,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def profile_of(user: User) -> CollaboratorProfile:
    """The person's profile, created on first use (staff accounts have none until needed)."""
    try:
        return user.profile
    except CollaboratorProfile.DoesNotExist:
        profile, _created = CollaboratorProfile.objects.get_or_create(user=user)
        user.profile = profile
        return profile


@transaction.atomic
def person_create(
    *,
    actor: User,
    unit: Unit,
    full_name: str,
    role: str = Role.COLLABORATOR,
    phone: str = "",
    email: str = "",
    username: str = "",
    profile: dict | None = None,
) -> User:
    """Add a person to the roster: an inactive account with no password, and a profile.

    Preconditions: ``unit`` is within the actor's scope (the view's form
    narrows the choices). The person logs in only after an invitation.
    """
    if not Unit.objects.visible_to(actor).filter(pk=unit.pk).exists():
        raise ValidationError(_("You cannot add people to a unit outside your area."))
    user = user_create(
        username=username or username_new(),
        full_name=full_name,
        unit=unit,
        role=role,
        phone=phone,
        email=email,
        is_active=False,
    )
    CollaboratorProfile.objects.create(user=user, status_since=timezone.localdate(), **(profile or {}))
    return user


@transaction.atomic
def person_update(*, actor: User, user: User, fields: dict, profile_fields: dict | None = None) -> User:
    """Change a person's account and profile fields (already validated by a form)."""
    unit = fields.get("unit")
    if unit is not None and not Unit.objects.visible_to(actor).filter(pk=unit.pk).exists():
        raise ValidationError(_("You cannot move a person to a unit outside your area."))
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save()
    if profile_fields:
        profile = profile_of(user)
        for name, value in profile_fields.items():
            setattr(profile, name, value)
        profile.full_clean()
        profile.save()
    return user


@transaction.atomic
def person_change_status(
    *,
    actor: User | None,
    user: User,
    to_status: str,
    reason: str = "",
    effective_date: date | None = None,
    decision: RecognitionDecision | None = None,
) -> StatusChange:
    """Move a collaborator to a new status, recording who, when and why.

    Allowed moves follow STATUS_TRANSITIONS. Leaving or dismissal closes the
    account's login; a return to active does not reopen it (a new invitation does).
    """
    profile = profile_of(user)
    from_status = profile.status
    if to_status == from_status:
        raise ValidationError(_("The person already has this status."))
    if to_status not in STATUS_TRANSITIONS.get(from_status, set()):
        raise ValidationError(
            _("A collaborator cannot go from “%(from)s” to “%(to)s”.")
            % {"from": CollaboratorStatus(from_status).label, "to": CollaboratorStatus(to_status).label}
        )
    needs_reason = to_status in {CollaboratorStatus.SUSPENDED, CollaboratorStatus.DISMISSED, CollaboratorStatus.LEFT}
    if needs_reason and not reason.strip() and decision is None:
        raise ValidationError(_("Give the reason for this change."))
    effective_date = effective_date or timezone.localdate()
    change = StatusChange.objects.create(
        user=user,
        from_status=from_status,
        to_status=to_status,
        reason=reason.strip(),
        effective_date=effective_date,
        decision=decision,
        changed_by=actor,
    )
    profile.status = to_status
    profile.status_reason = reason.strip()
    profile.status_since = effective_date
    profile._history_user = actor
    profile.save()
    if to_status in {CollaboratorStatus.LEFT, CollaboratorStatus.DISMISSED} and user.is_active:
        user.is_active = False
        user._history_user = actor
        user.save(update_fields=["is_active"])
    return change


@transaction.atomic
def decision_create(
    *,
    actor: User,
    unit: Unit,
    number: str,
    issued_on: date,
    signer: str,
    kind: str,
    people: list[User],
    term_end: date | None = None,
    note: str = "",
) -> RecognitionDecision:
    """Record a recognition / re-constitution / dismissal decision covering people in the unit's subtree."""
    outside = [p for p in people if p.unit is None or not p.unit.is_within(unit)]
    if outside:
        raise ValidationError(
            _("These people are not in the issuing unit: %(names)s") % {"names": ", ".join(map(str, outside))}
        )
    if RecognitionDecision.objects.filter(unit=unit, number=number.strip()).exists():
        raise ValidationError(_("This unit already has a decision numbered %(number)s.") % {"number": number})
    decision = RecognitionDecision.objects.create(
        unit=unit,
        number=number.strip(),
        issued_on=issued_on,
        signer=signer.strip(),
        kind=kind,
        term_end=term_end,
        note=note,
        created_by=actor,
    )
    decision.people.set(people)
    return decision


@transaction.atomic
def decision_apply(*, actor: User, decision: RecognitionDecision) -> int:
    """Apply a decision to the people it covers; returns how many changed status.

    Recognition and re-constitution make people active (with the decision and
    term end on their profile); dismissal dismisses them. Applying twice does
    nothing more: the decision is claimed with a conditional update.
    """
    claimed = RecognitionDecision.objects.filter(pk=decision.pk, applied_at__isnull=True).update(
        applied_at=timezone.now()
    )
    if not claimed:
        return 0
    target = CollaboratorStatus.DISMISSED if decision.kind == DecisionKind.DISMISS else CollaboratorStatus.ACTIVE
    changed = 0
    for person in decision.people.select_related("profile"):
        profile = profile_of(person)
        if profile.status != target and target in STATUS_TRANSITIONS.get(profile.status, set()):
            person_change_status(
                actor=actor,
                user=person,
                to_status=target,
                reason=str(decision),
                effective_date=decision.issued_on,
                decision=decision,
            )
            changed += 1
        profile.refresh_from_db()
        if target == CollaboratorStatus.ACTIVE:
            profile.recognition_decision = decision
            profile.term_end = decision.term_end
            profile._history_user = actor
            profile.save(update_fields=["recognition_decision", "term_end"])
    decision.refresh_from_db()
    return changed


def _invitation_lifetime() -> timedelta:
    return timedelta(days=settings.INVITATION_VALID_DAYS)


@transaction.atomic
def invitation_create(*, actor: User, user: User, channel: str) -> tuple[Invitation, str]:
    """Invite a person without a login; returns the invitation and its secret.

    E-mail: the secret is a signed link token, sent through the outbox (see
    ``signals.invitation_issued``). Code: a one-time code that staff print
    and hand over; only its hash is stored. Earlier open invitations are revoked.
    """
    if user.has_usable_password() and user.is_active:
        raise ValidationError(_("This person can already log in."))
    if channel == InvitationChannel.EMAIL and not user.email:
        raise ValidationError(_("This person has no e-mail address: print a code instead."))
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    invitation = Invitation.objects.create(
        user=user, channel=channel, created_by=actor, expires_at=now + _invitation_lifetime()
    )
    if channel == InvitationChannel.CODE:
        secret = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        invitation.code_hash = make_password(secret)
        invitation.save(update_fields=["code_hash"])
        secret = f"{secret[:4]}-{secret[4:]}"
    else:
        secret = signing.dumps({"i": invitation.pk}, salt=INVITATION_SALT)
        invitation_issued.send(sender=Invitation, invitation=invitation, token=secret)
    return invitation, secret


def invitation_from_token(token: str) -> Invitation | None:
    """The open e-mail invitation a token names, or None (bad, expired, used or revoked)."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=_invitation_lifetime())
    except signing.BadSignature:
        return None
    invitation = Invitation.objects.select_related("user").filter(pk=data.get("i")).first()
    if invitation is None or not invitation.is_open or invitation.channel != InvitationChannel.EMAIL:
        return None
    return invitation


class ActivationLimited(ValidationError):
    """Too many failed activation attempts from one address or for one username or phone."""


def _activation_counters(*, address: str | None, login: str) -> list[str]:
    target = hashlib.sha256(login.strip().casefold().encode()).hexdigest()
    return [f"activation:address:{address or 'unknown'}", f"activation:target:{target}"]


def _activation_limited(keys: list[str]) -> bool:
    try:
        counts = cache.get_many(keys)
    except Exception:  # a cache that does not answer must not stop activation; the per-code limit still holds
        logger.warning("Activation limit not checked: the cache did not answer")
        return False
    return any(count >= settings.ACTIVATION_FAILURE_LIMIT for count in counts.values())


def _activation_failure_record(keys: list[str]) -> None:
    """Count one failure on each counter; a counter lives ACTIVATION_WINDOW_SECONDS from its first failure."""
    for key in keys:
        try:
            if not cache.add(key, 1, timeout=settings.ACTIVATION_WINDOW_SECONDS):
                cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.ACTIVATION_WINDOW_SECONDS)
        except Exception:
            logger.warning("Activation failure not counted: the cache did not answer")


def _dummy_code_check(code: str) -> None:
    """The hashing work of a code check, for a username or phone that has no open invitation: the
    answer then takes as long as for one that has, so its time does not tell which people were invited
    (Django's ModelBackend does the same for unknown usernames)."""
    make_password(code)


def invitation_from_code(*, username: str, code: str, address: str | None = None) -> Invitation | None:
    """The open code invitation for this username (or phone) and code, or None.

    Every answer costs one password hash, whether or not the person exists or has an open invitation.
    Each wrong code counts against the invitation; after CODE_MAX_ATTEMPTS it is revoked. Failures are
    also counted per client ``address`` and per username or phone over ACTIVATION_WINDOW_SECONDS: past
    ACTIVATION_FAILURE_LIMIT of either, ActivationLimited is raised without checking the code.
    """
    login = username.strip()
    counters = _activation_counters(address=address, login=login)
    if _activation_limited(counters):
        raise ActivationLimited(
            _("Too many wrong attempts. Please try again in %(minutes)d minutes, or ask your union for a new code.")
            % {"minutes": max(1, settings.ACTIVATION_WINDOW_SECONDS // 60)}
        )
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    user = User.objects.filter(username=login).first() or (User.objects.filter(phone=login).first() if login else None)
    invitation = None
    if user is not None:
        invitation = (
            Invitation.objects.filter(user=user, channel=InvitationChannel.CODE, used_at__isnull=True)
            .filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
    if invitation is None:
        _dummy_code_check(cleaned)
        _activation_failure_record(counters)
        return None
    if check_password(cleaned, invitation.code_hash):
        return invitation
    invitation.failed_attempts += 1
    if invitation.failed_attempts >= CODE_MAX_ATTEMPTS:
        invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["failed_attempts", "revoked_at"])
    _activation_failure_record(counters)
    return None


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str, consent_version: str) -> User:
    """Activate the account: set the password, record consent, close the invitation (once)."""
    claimed = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not claimed:
        raise ValidationError(_("This invitation has already been used."))
    user = invitation.user
    user.set_password(password)
    user.is_active = True
    user._history_user = user
    user.save()
    consent_give(user=user, version=consent_version)
    return user


@transaction.atomic
def consent_give(*, user: User, version: str) -> None:
    profile = profile_of(user)
    profile.consent_version = version
    profile.consent_given_at = timezone.now()
    profile.consent_withdrawn_at = None
    profile._history_user = user
    profile.save()


@transaction.atomic
def consent_withdraw(*, user: User) -> None:
    """The person withdraws consent to the processing of their personal data; staff see it on the roster."""
    profile = profile_of(user)
    if profile.consent_withdrawn_at is None:
        profile.consent_withdrawn_at = timezone.now()
        profile._history_user = user
        profile.save()


ANONYMISABLE = {CollaboratorStatus.LEFT, CollaboratorStatus.DISMISSED, CollaboratorStatus.TERM_ENDED}


@transaction.atomic
def person_anonymise(*, actor: User, user: User) -> User:
    """Erase a departed person's personal data for good; their reports stay.

    Clears name, username, phone, e-mail, birth year and other personal
    fields on the account, the profile and every history record of both;
    closes the login and deletes open invitations; the apps above erase
    theirs (``person_anonymised``: notification choices, verified phone,
    push subscriptions, messages, follows). Irreversible.
    """
    profile = profile_of(user)
    if profile.anonymised_at is not None:
        raise ValidationError(_("This person has already been anonymised."))
    if profile.status not in ANONYMISABLE:
        raise ValidationError(_("Only a person who has left, been dismissed or ended their term can be anonymised."))
    alias = f"#{user.pk}"
    personal = {"full_name": alias, "username": f"anonymised-{user.pk}", "phone": "", "email": ""}
    for name, value in personal.items():
        setattr(user, name, value)
    user.is_active = False
    user.set_unusable_password()
    user._history_user = actor
    user.save()
    profile_personal = {"workplace": "", "gender": "", "birth_year": None, "topics_covered": "", "status_reason": ""}
    for name, value in profile_personal.items():
        setattr(profile, name, value)
    profile.anonymised_at = timezone.now()
    profile._history_user = actor
    profile.save()
    user.history.update(**personal)
    profile.history.update(**profile_personal)
    StatusChange.objects.filter(user=user).update(reason="")
    user.invitations.all().delete()
    person_anonymised.send(sender=User, person=user)
    return user


def people_left_due(*, before):
    """Profiles of people who left (or were dismissed, or ended their term) before ``before`` and are not
    anonymised yet: the day they left is the effective date of their last change to that status, or, for
    a status set without a recorded change (an import), the profile's ``status_since``."""
    left_on = (
        StatusChange.objects.filter(user_id=OuterRef("user_id"), to_status=OuterRef("status"))
        .order_by("-effective_date", "-pk")
        .values("effective_date")[:1]
    )
    return (
        CollaboratorProfile.objects.filter(status__in=ANONYMISABLE, anonymised_at__isnull=True)
        .annotate(left_on=Coalesce(Subquery(left_on), "status_since"))
        .filter(left_on__lt=timezone.localdate(before))
    )


def people_left_retention(*, before, apply: bool) -> int:
    """Count (or, with ``apply``, anonymise) the people who left before ``before``. Their reports stay."""
    due = people_left_due(before=before).select_related("user")
    if not apply:
        return due.count()
    count = 0
    for profile in due:
        person_anonymise(actor=None, user=profile.user)
        count += 1
    return count


# --- facts written by the apps above (collaborators.models.activity) ---------------------------


def reporting_activity_record(*, person: User, on: date) -> None:
    """Record that ``person`` reported in the period of ``on``; the reports service calls it when a
    report is sent for the first time. Once per person and period: a later report of the same period,
    or a returned report sent again, changes nothing."""
    reporting_activities_record(sendings=[(person.pk, on)])


def reporting_activities_record(*, sendings) -> int:
    """The same for many first sendings at once, given as (person id, local day) pairs (demo data and
    benchmarks load reports in bulk). Keeps the earliest day of each period; a period already recorded
    keeps its row. Returns how many (person, period) pairs were given."""
    first = _first_days(sendings)
    execute_statements(_reporting_activity_statements(first))
    return len(first)


def reporting_activity_statements(*, sendings) -> list[tuple[str, list]]:
    """The statements of ``reporting_activities_record``, for a caller that sends them with its own
    writes in one round trip (the reports service, in the transaction of every report first sent)."""
    return _reporting_activity_statements(_first_days(sendings))


def _first_days(sendings) -> dict:
    """{(person id, period month): the earliest day given in that period}."""
    first = {}
    for person_id, day in sendings:
        key = (person_id, period_month(day))
        if key not in first or day < first[key]:
            first[key] = day
    return first


def _reporting_activity_statements(first: dict) -> list[tuple[str, list]]:
    rows = [
        ReportingActivity(person_id=person, month=month, first_reported_on=day)
        for (person, month), day in first.items()
    ]
    rows.sort(key=lambda row: (row.person_id, row.month))  # one order everywhere: rows locked alike
    return insert_statements(ReportingActivity, rows, ignore_conflicts=True)


def quality_tally_add(*, rows) -> None:
    """Add differences to collaborators' quality figures (``QualityTally``): ``rows`` are
    (person id, unit id, period month, {column: delta}) in one order. The summaries' tallies call it in
    the transaction that changed the reports, with each report's difference."""
    execute_statements(quality_tally_statements(rows=rows))


def quality_tally_statements(*, rows) -> list[tuple[str, list]]:
    """The statements of ``quality_tally_add``, for a caller that sends them with its own writes in one
    round trip (the summaries' tallies, in the transaction of every report sent)."""
    return upsert_statements(
        QualityTally._meta.db_table,
        ["person_id", "unit_id", "month"],
        QUALITY_COLUMNS,
        [(person, unit, month, *(values.get(c, 0) for c in QUALITY_COLUMNS)) for person, unit, month, values in rows],
    )


def quality_tally_reset_reports() -> None:
    """Zero the report columns before the summaries' tallies count every report again (the answers stay)."""
    QualityTally.objects.update(**dict.fromkeys(QUALITY_REPORT_COLUMNS, 0))


def quality_answer_record(*, person: User, unit_id: int, on: date) -> None:
    """Count one answer to a request for opinion for ``person`` at ``unit_id`` (the unit they were asked
    in) in the period of ``on``; the requests' service calls it once, when the answer is first sent."""
    quality_tally_add(rows=[(person.pk, unit_id, period_month(on), {"answered": 1})])


def training_attendance_record(*, person: User, session_id: int | None, on: date) -> None:
    """Record that ``person`` attended training session ``session_id`` on ``on`` (the trainings service
    calls it when attendance is ticked or the person checks in). Idempotent. ``session_id`` None: a
    training taken before sessions were kept in the application (one such fact per person)."""
    TrainingAttendance.objects.update_or_create(person=person, session_id=session_id, defaults={"attended_on": on})


def training_attendance_withdraw(*, person: User, session_id: int) -> None:
    """Attendance at ``session_id`` was unticked: the person no longer counts as trained by it."""
    TrainingAttendance.objects.filter(person=person, session_id=session_id).delete()
