"""Reads for units and people."""

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from collaborators.models import CollaboratorProfile, ReportingActivity, Role, TrainingAttendance, Unit, User
from collaborators.signals import person_page_sections


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
    """The change history of a person's account and profile, newest first, with what changed."""
    entries = []
    for manager in (person.history, getattr(getattr(person, "profile", None), "history", None)):
        if manager is None:
            continue
        records = list(manager.select_related("history_user").order_by("history_date"))
        previous = None
        for record in records:
            changes = []
            if previous is not None:
                delta = record.diff_against(previous)
                changes = [
                    {"field": record.instance._meta.get_field(c.field).verbose_name, "old": c.old, "new": c.new}
                    for c in delta.changes
                ]
            entries.append({"record": record, "changes": changes, "model": record.instance._meta.verbose_name})
            previous = record
    entries.sort(key=lambda e: e["record"].history_date, reverse=True)
    return entries


def personal_data_export(*, user: User) -> dict:
    """Everything the roster holds about one person (their own download)."""
    profile = profile_or_blank(user)
    return {
        "exported_at": timezone.now(),
        "account": {
            "username": user.username,
            "full_name": user.full_name,
            "phone": user.phone,
            "email": user.email,
            "role": user.role,
            "unit": user.unit.name if user.unit else None,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "profile": {
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
        },
        "status_history": [
            {"from": c.from_status, "to": c.to_status, "date": c.effective_date, "reason": c.reason}
            for c in user.status_changes.all()
        ],
        "decisions": [
            {"number": d.number, "date": d.issued_on, "kind": d.kind, "signer": d.signer} for d in user.decisions.all()
        ],
    }


def open_invitation(*, pk: int):
    from collaborators.models import Invitation

    invitation = Invitation.objects.select_related("user").filter(pk=pk).first()
    return invitation if invitation is not None and invitation.is_open else None
