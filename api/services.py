"""Every write of the API app: creating and revoking personal access tokens, recording their use."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import AccessToken, TokenScope, TokenUse
from collaborators.access import is_active_person
from core.client_ip import client_ip

KEY_START = "onk_"  # the secret's fixed start, so a leaked token is recognisable (and scannable)
PREFIX_LENGTH = len(KEY_START) + 8


def key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def token_create(*, user, name: str, scopes, days: int) -> tuple[AccessToken, str]:
    """Create a token for ``user``; returns it with its secret, which is never shown again.

    Preconditions: an active person, a name, at least one known scope, 1 to API_TOKEN_MAX_DAYS days.
    """
    if not is_active_person(user):
        raise ValidationError(_("Only an active account can create an access token."))
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name (what it is for)."))
    scopes = sorted(set(scopes or []))
    if not scopes or any(scope not in TokenScope.values for scope in scopes):
        raise ValidationError(_("Choose at least one scope."))
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(_("A token is valid for 1 to %(days)d days.") % {"days": settings.API_TOKEN_MAX_DAYS})
    raw_key = KEY_START + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user,
        name=name[:100],
        prefix=raw_key[:PREFIX_LENGTH],
        key_hash=key_hash(raw_key),
        scopes=scopes,
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token, raw_key


@transaction.atomic
def token_revoke(*, actor, token: AccessToken) -> AccessToken:
    """Revoke one of the actor's own tokens (someone else's is a 404 before this is called)."""
    token = AccessToken.objects.manageable_by(actor).select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_for_key(raw_key: str) -> AccessToken | None:
    """The usable token whose secret this is, or None."""
    if not raw_key.startswith(KEY_START) or len(raw_key) > 200:
        return None
    return AccessToken.objects.usable().select_related("user", "user__unit").filter(key_hash=key_hash(raw_key)).first()


def token_use_record(*, token: AccessToken, request) -> TokenUse:
    """Every request made with a token leaves a row, and the token's last use moves."""
    now = timezone.now()
    AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
    return TokenUse.objects.create(
        token=token, method=request.method[:8], path=request.path[:255], client_ip=client_ip(request)
    )
