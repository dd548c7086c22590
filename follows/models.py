"""What staff follow (a topic, a focus policy, a unit, a rumour) and the events they were told of, once each.

The app sits above ``reports`` (topics, focus policies, rumours live there) and hears its signals; it is
beside ``guidance`` and ``summaries`` and imports neither.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collaborators.access import ScopedQuerySet


class FollowKind(models.TextChoices):
    TOPIC = "topic", _("Topic")
    FOCUS_POLICY = "focus_policy", _("Focus policy")
    UNIT = "unit", _("Unit")
    RUMOUR = "rumour", _("Rumour")


TARGETS = {
    FollowKind.TOPIC: "topic",
    FollowKind.FOCUS_POLICY: "focus_policy",
    FollowKind.UNIT: "unit",
    FollowKind.RUMOUR: "rumour",
}


class SubscriptionQuerySet(ScopedQuerySet):
    """Each person sees and changes only what they follow."""

    unit_path = None
    owner = "user"

    def for_superuser(self, user):
        return self.for_collaborator(user)

    def for_staff(self, user, unit):
        return self.for_collaborator(user)

    def managed_by_staff(self, user, unit):
        return self.for_collaborator(user)


def _one_target(kind):
    others = [field for k, field in TARGETS.items() if k != kind]
    return Q(kind=kind, **{f"{TARGETS[kind]}__isnull": False}, **{f"{f}__isnull": True for f in others})


class Subscription(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FollowKind.choices)
    topic = models.ForeignKey(
        "reports.Topic", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("topic")
    )
    focus_policy = models.ForeignKey(
        "reports.FocusPolicy",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("focus policy"),
    )
    unit = models.ForeignKey(
        "collaborators.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    rumour = models.ForeignKey(
        "reports.Rumour", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("rumour")
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        ordering = ["kind", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=_one_target(FollowKind.TOPIC)
                | _one_target(FollowKind.FOCUS_POLICY)
                | _one_target(FollowKind.UNIT)
                | _one_target(FollowKind.RUMOUR),
                name="follow_names_one_target_of_its_kind",
            ),
            *[
                models.UniqueConstraint(
                    fields=["user", field], condition=Q(kind=kind), name=f"follow_{field}_once_per_person"
                )
                for kind, field in TARGETS.items()
            ],
        ]

    def __str__(self):
        return str(self.target)

    @property
    def target(self):
        return getattr(self, TARGETS[self.kind])


class FollowEvent(models.Model):
    """An event a follower was told of; the unique key makes each event told once."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="events", verbose_name=_("follow")
    )
    key = models.CharField(max_length=200, verbose_name=_("event key"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("follow event")
        verbose_name_plural = _("follow events")
        constraints = [models.UniqueConstraint(fields=["subscription", "key"], name="follow_event_once")]

    def __str__(self):
        return self.key
