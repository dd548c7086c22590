"""Units (the union tree, with history) and people (the custom user)."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet


class Role(models.TextChoices):
    COLLABORATOR = "collaborator", _("Collaborator")
    STAFF = "staff", _("Staff")
    ADMIN = "admin", _("Administrator")


class UnitKind(models.TextChoices):
    CITY_FEDERATION = "city_federation", _("City federation of labour")
    DISTRICT_FEDERATION = "district_federation", _("District federation of labour")
    COMMUNE_WARD = "commune_ward", _("Commune or ward union")
    INDUSTRIAL_PARK = "industrial_park", _("Industrial-park union")
    CORPORATION_SECTOR = "corporation_sector", _("Corporation or sector union")
    GRASSROOTS = "grassroots", _("Grassroots union")


class UnitQuerySet(MP_NodeQuerySet):
    def current(self, on=None):
        """Units in force on a date (today by default)."""
        on = on or timezone.localdate()
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )

    def subtree_of(self, unit):
        """The unit and everything under it: one indexed prefix query on path."""
        return self.filter(path__startswith=unit.path)

    def visible_to(self, user):
        """Units a person may see.

        Superusers see every unit; staff and admins their unit's subtree;
        collaborators their own unit and the units above it (whose guidance
        and trainings reach them). Anonymous users and people without a unit
        see none.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        unit = user.unit
        if unit is None:
            return self.none()
        if user.role in (Role.STAFF, Role.ADMIN):
            return self.subtree_of(unit)
        ancestor_paths = [unit.path[:i] for i in range(unit.steplen, len(unit.path) + 1, unit.steplen)]
        return self.filter(path__in=ancestor_paths)


class UnitManager(MP_NodeManager):
    def get_queryset(self):
        return UnitQuerySet(self.model, using=self._db).order_by("path")

    def visible_to(self, user):
        return self.get_queryset().visible_to(user)


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

    def is_within(self, other):
        """True when this unit is ``other`` or lies under it."""
        return self.path.startswith(other.path)


class UserQuerySet(models.QuerySet):
    def visible_to(self, user):
        """People a person may see: staff and admins their subtree, others only themselves."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        if user.role in (Role.STAFF, Role.ADMIN) and user.unit_id:
            return self.filter(unit__path__startswith=user.unit.path)
        return self.filter(pk=user.pk)


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
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

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

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

    def get_short_name(self):
        return (self.full_name.split() or [self.username])[-1]

    @property
    def is_collaborator(self):
        return self.role == Role.COLLABORATOR and not self.is_superuser

    @property
    def is_staff_member(self):
        return self.role == Role.STAFF

    @property
    def is_unit_admin(self):
        return self.role == Role.ADMIN or self.is_superuser
