"""Personal access tokens for the API and the record of every use.

A token is a credential a person creates on their profile's API page for another system or an app: it
acts as that person, never beyond them (the same ``visible_to`` / ``manageable_by`` as their session),
and only within its scopes. Only a hash of the secret is stored; the person sees the secret once, when
it is created, and afterwards only its prefix.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from collaborators.access import ScopedQuerySet, is_active_person
from core.history import HistoricalRecords


class TokenScope(models.TextChoices):
    READ = "read", pgettext_lazy("token scope", "Read")
    SUBMIT = "submit", _("Submit (reports, answers, acknowledgements, registrations)")
    REVIEW = "review", _("Review reports")


class AccessTokenQuerySet(ScopedQuerySet):
    """Tokens are personal: everyone, staff and superusers included, sees and revokes only their own."""

    owner = "user"
    unit_path = None

    def visible_to(self, user):
        if not is_active_person(user):
            return self.none()
        return self.filter(user=user)

    def manageable_by(self, user):
        return self.visible_to(user)

    def usable(self):
        """Tokens that still open the API: not revoked, not expired, of an active person."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True)


class AccessToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens", verbose_name=_("person")
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the secret, shown in the list so the person can tell tokens apart.
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    # SHA-256 of the whole secret (which carries 256 random bits, so a fast hash is enough).
    key_hash = models.CharField(max_length=64, editable=False, verbose_name=_("key hash"))
    scopes = models.JSONField(_("scopes"), default=list)
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["last_used_at"])
    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["key_hash"], name="access_token_key_hash_unique")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_labels(self) -> list[str]:
        return [str(TokenScope(scope).label) for scope in self.scopes if scope in TokenScope.values]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class TokenUse(models.Model):
    """One request made with a token: when, what, from where."""

    token = models.ForeignKey(AccessToken, on_delete=models.CASCADE, related_name="uses", verbose_name=_("token"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=255)
    client_ip = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("token use")
        verbose_name_plural = _("token uses")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["token", "at"], name="token_use_token_at_idx")]

    def __str__(self):
        return f"{self.token_id} {self.method} {self.path}"
