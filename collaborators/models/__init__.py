"""Units (the union tree, with history) and people (the custom user)."""

from os.path import commonprefix

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from collaborators.access import Role, ScopedQuerySet
from core.history import HistoricalRecords
from core.search import FoldedSearchMixin, FoldedSearchQuerySet


class UnitKind(models.TextChoices):
    CITY_FEDERATION = "city_federation", _("City federation of labour")
    DISTRICT_FEDERATION = "district_federation", _("District federation of labour")
    COMMUNE_WARD = "commune_ward", _("Commune or ward union")
    INDUSTRIAL_PARK = "industrial_park", _("Industrial-park union")
    CORPORATION_SECTOR = "corporation_sector", _("Corporation or sector union")
    GRASSROOTS = "grassroots", _("Grassroots union")


class UnitQuerySet(ScopedQuerySet, MP_NodeQuerySet):
    def current(self, on=None):
        """Units in force on a date (today by default)."""
        on = on or timezone.localdate()
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )

    def child_counts(self, parents) -> dict[str, tuple[int, int]]:
        """{parent's path: (units not ended, units ended)} among the units of this queryset right under each
        of ``parents``, in one query: what a tree may open under a unit, by the same rule as the list it
        opens (``numchild`` counts every child, dissolved and out-of-rule ones too). Ended: before today."""
        paths = {parent.path for parent in parents}
        if not paths:
            return {}
        steplen = self.model.steplen
        common = commonprefix(sorted(paths))
        common = common[: len(common) - len(common) % steplen]
        depths = {len(path) // steplen + 1 for path in paths}
        ended = Q(valid_to__lt=timezone.localdate())
        rows = (
            self.filter(path__startswith=common, depth__in=depths)
            .annotate(parent_path=Substr("path", 1, Length("path") - steplen))
            .filter(parent_path__in=paths)
            .order_by()
            .values("parent_path")
            .annotate(open=Count("pk", filter=~ended), ended=Count("pk", filter=ended))
            .values_list("parent_path", "open", "ended")
        )
        return {path: (open_, ended_) for path, open_, ended_ in rows}

    # Scoping (collaborators.access): a unit reaches its own path; collaborators see the chain above them.
    unit_path = "path"

    def for_collaborator(self, user):
        """A collaborator's own unit and the units above it (whose guidance and trainings reach them)."""
        if user.unit is None:
            return self.none()
        return self.filter(path__in=user.unit.ancestor_paths())


class UnitManager(MP_NodeManager):
    def get_queryset(self):
        return UnitQuerySet(self.model, using=self._db).order_by("path")

    def visible_to(self, user):
        return self.get_queryset().visible_to(user)

    def manageable_by(self, user):
        return self.get_queryset().manageable_by(user)


class Unit(MP_Node):
    """A union in the federation's tree (materialized path, django-treebeard).

    Units are never deleted: a dissolved or merged unit keeps its row, with
    ``valid_to`` set and a successor pointing at it through ``predecessors``.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=UnitKind.choices)
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    predecessors = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="successors",
        blank=True,
        verbose_name=_("predecessors"),
    )
    member_count = models.PositiveIntegerField(_("union members"), default=0)

    history = HistoricalRecords(excluded_fields=["numchild"])

    objects = UnitManager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [models.Index(fields=["kind"], name="unit_kind_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_to_after_valid_from",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_current(self):
        today = timezone.localdate()
        return (self.valid_from is None or self.valid_from <= today) and (
            self.valid_to is None or self.valid_to >= today
        )

    def ancestor_paths(self, *, include_self: bool = True) -> list[str]:
        """Paths of the units above this one, from the root down (and its own, by default)."""
        end = len(self.path) + (1 if include_self else 0)
        return [self.path[:i] for i in range(self.steplen, end, self.steplen)]

    def is_within(self, other):
        """True when this unit is ``other`` or lies under it."""
        return self.path.startswith(other.path)


class UserQuerySet(ScopedQuerySet, FoldedSearchQuerySet):
    """People: staff and admins see their subtree, anyone else only themselves."""

    owner = "pk"

    def for_collaborator(self, user):
        return self.filter(pk=user.pk)


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    pass


class User(FoldedSearchMixin, AbstractUser):
    """One person: a collaborator, a staff member or an administrator.

    People imported into the roster exist before they can log in: inactive,
    with no usable password, until they accept an invitation.
    """

    first_name = None
    last_name = None
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("unit"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.COLLABORATOR)
    # Name, phone, username and e-mail folded to lower-case ASCII ("Nguyễn" -> "nguyen"),
    # so search is diacritic-insensitive with a plain LIKE on SQLite and PostgreSQL alike.
    search_text = models.CharField(max_length=500, blank=True, editable=False, verbose_name=_("search text"))

    SEARCH_FIELDS = ("full_name", "username", "phone", "email")

    history = HistoricalRecords(excluded_fields=["password", "last_login", "search_text"])

    objects = UserManager()

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="user_phone_unique"),
        ]

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name or self.username

    @staticmethod
    def full_name_expression(prefix: str = ""):
        """``get_full_name`` as a database expression on the user at ``prefix`` (``"author__"``): the
        name read in the query itself, for reads that take no model instances (the exports)."""
        from django.db.models import F, Value
        from django.db.models.functions import Coalesce, NullIf

        return Coalesce(NullIf(F(f"{prefix}full_name"), Value("")), F(f"{prefix}username"))

    def get_short_name(self):
        return (self.full_name.split() or [self.username])[-1]


class Position(models.TextChoices):
    UNION_CHAIR = "union_chair", _("Union chair")
    PROPAGANDA_OFFICER = "propaganda_officer", _("Propaganda officer")
    BRIEFER = "briefer", _("Official briefer")
    ORAL_PROPAGANDIST = "oral_propagandist", _("Oral propagandist")
    OPINION_TEAM = "opinion_team", _("Member of the grassroots opinion team")
    OTHER = "other", _("Other")


class CollaboratorStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERM_ENDED = "term_ended", _("Term ended")
    LEFT = "left", _("Left")
    DISMISSED = "dismissed", _("Dismissed")


# Which status may follow which: proposed -> active -> suspended / term ended / left / dismissed.
STATUS_TRANSITIONS = {
    CollaboratorStatus.PROPOSED: {CollaboratorStatus.ACTIVE, CollaboratorStatus.LEFT},
    CollaboratorStatus.ACTIVE: {
        CollaboratorStatus.SUSPENDED,
        CollaboratorStatus.TERM_ENDED,
        CollaboratorStatus.LEFT,
        CollaboratorStatus.DISMISSED,
    },
    CollaboratorStatus.SUSPENDED: {
        CollaboratorStatus.ACTIVE,
        CollaboratorStatus.TERM_ENDED,
        CollaboratorStatus.LEFT,
        CollaboratorStatus.DISMISSED,
    },
    CollaboratorStatus.TERM_ENDED: {CollaboratorStatus.ACTIVE, CollaboratorStatus.LEFT},
    CollaboratorStatus.LEFT: {CollaboratorStatus.ACTIVE},
    CollaboratorStatus.DISMISSED: set(),
}


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class ProfileQuerySet(ScopedQuerySet):
    unit_path = "user__unit__path"
    owner = "user"


class CollaboratorProfile(models.Model):
    """The network side of a person: position, status, recognition, consent."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile", verbose_name=_("person"))
    position = models.CharField(_("position"), max_length=32, choices=Position.choices, default=Position.OPINION_TEAM)
    workplace = models.CharField(_("workplace"), max_length=255, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    topics_covered = models.CharField(_("topics covered"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CollaboratorStatus.choices, default=CollaboratorStatus.PROPOSED
    )
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    status_since = models.DateField(_("status since"), null=True, blank=True)
    recognition_decision = models.ForeignKey(
        "RecognitionDecision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recognition decision"),
    )
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    consent_version = models.CharField(_("consent version"), max_length=32, blank=True)
    consent_given_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn at"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    history = HistoricalRecords()
    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("collaborator profile")
        verbose_name_plural = _("collaborator profiles")
        indexes = [
            models.Index(fields=["status"], name="profile_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="profile_birth_year_plausible",
            )
        ]

    def __str__(self):
        return str(self.user)

    @property
    def has_consent(self):
        return self.consent_given_at is not None and self.consent_withdrawn_at is None


class StatusChange(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("person"))
    from_status = models.CharField(_("from"), max_length=16, choices=CollaboratorStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=CollaboratorStatus.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    effective_date = models.DateField(_("effective date"))
    decision = models.ForeignKey(
        "RecognitionDecision", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("decision")
    )
    changed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("changed by")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-effective_date", "-created_at", "-pk"]

    def __str__(self):
        return f"{self.user}: {self.from_status or '-'} -> {self.to_status}"


class DecisionKind(models.TextChoices):
    RECOGNISE = "recognise", _("Recognition")
    RECONSTITUTE = "reconstitute", _("Re-constitution")
    DISMISS = "dismiss", _("Dismissal")


class DecisionQuerySet(ScopedQuerySet):
    """Staff and admins: decisions issued in their subtree; collaborators: the decisions that name them."""

    owner = "people"


class RecognitionDecision(models.Model):
    """A decision recognising, re-constituting or dismissing collaborators (quyết định công nhận)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("issuing unit"))
    number = models.CharField(_("number"), max_length=64)
    issued_on = models.DateField(_("date"))
    signer = models.CharField(_("signed by"), max_length=150)
    kind = models.CharField(_("kind"), max_length=16, choices=DecisionKind.choices, default=DecisionKind.RECOGNISE)
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    people = models.ManyToManyField(User, related_name="decisions", verbose_name=_("people covered"))
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[people])
    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("recognition decision")
        verbose_name_plural = _("recognition decisions")
        ordering = ["-issued_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["unit", "number"], name="decision_number_unique_per_unit")]

    def __str__(self):
        return f"{self.number} ({self.issued_on:%d/%m/%Y})"


class InvitationChannel(models.TextChoices):
    EMAIL = "email", _("E-mail link")
    CODE = "code", _("Printed code")


class Invitation(models.Model):
    """An invitation for a person without a login to activate their account."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("person"))
    channel = models.CharField(_("channel"), max_length=8, choices=InvitationChannel.choices)
    code_hash = models.CharField(max_length=128, blank=True, editable=False, verbose_name=_("code hash"))
    failed_attempts = models.PositiveSmallIntegerField(default=0, editable=False, verbose_name=_("failed attempts"))
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.user} ({self.get_channel_display()})"

    @property
    def is_open(self):
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class ExportKind(models.TextChoices):
    REPORTS = "reports", _("Opinion reports")
    ROSTER = "roster", _("Collaborator roster")


class ExportRecord(models.Model):
    """Every export of personal or report data: who, when, what, how many rows."""

    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    kind = models.CharField(_("what"), max_length=64, choices=ExportKind.choices)
    file_format = models.CharField(_("format"), max_length=8)
    row_count = models.PositiveIntegerField(_("rows"))
    parameters = models.JSONField(_("filters"), default=dict, blank=True)

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.file_format.upper()} ({self.row_count})"


from collaborators.models.activity import QualityTally, ReportingActivity, TrainingAttendance  # noqa: E402,F401
from collaborators.models.exports import ExportJob  # noqa: E402,F401
from collaborators.models.imports import ImportBatch  # noqa: E402,F401
from collaborators.models.incidents import Incident  # noqa: E402,F401
from collaborators.models.moves import UnitMove  # noqa: E402,F401
