"""Two-factor sign-in (django-otp: a TOTP app and single-use recovery codes) and the sessions a person
controls. Staff and admins must pass a second factor after the password; collaborators may choose to.

The session remembers that the second factor was passed (``TWO_FACTOR_VERIFIED``) or that none is
needed (``TWO_FACTOR_NOT_NEEDED``): the gate in ``collaborators/middleware.py`` reads only the session,
so a signed-in page costs no query for it.
"""

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from collaborators.access import is_staff_or_admin
from collaborators.models import CollaboratorProfile
from privacy.models import AccountEventKind
from privacy.services import account_event_record, sessions_end

TWO_FACTOR_VERIFIED = "_two_factor_verified"
TWO_FACTOR_NOT_NEEDED = "_two_factor_not_needed"
# The consent version this session has checked (asked again when settings.PERSONAL_DATA_CONSENT_VERSION moves).
CONSENT_CHECKED = "_consent_checked"
RECOVERY_CODE_COUNT = 10
# The name the second factor's failures are counted under by django-axes: not the bare username, so
# that a right password (which clears the username's failures) does not clear the second factor's.
SECOND_FACTOR_SUFFIX = " (2FA)"


def two_factor_required(user) -> bool:
    """Staff, admins and superusers (and anyone let into the Django admin) must use a second factor."""
    return is_staff_or_admin(user) or bool(user.is_staff or user.is_superuser)


def two_factor_enabled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_pending_device(user) -> TOTPDevice:
    """The TOTP device being set up (not yet confirmed), made on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


def _recovery_codes_new(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def two_factor_enrol(*, request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the app being set up with a code it shows. On success the person's earlier devices are
    replaced, ten recovery codes are made (returned, shown once), the session counts as verified and
    the event is recorded; a wrong code returns None."""
    if device.user_id != request.user.pk or device.confirmed or not device.verify_token(token.strip()):
        return None
    TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_new(request.user)
    request.session[TWO_FACTOR_VERIFIED] = device.persistent_id
    account_event_record(person=request.user, kind=AccountEventKind.TWO_FACTOR_ENROLLED, request=request)
    return codes


@transaction.atomic
def recovery_codes_renew(*, request) -> list[str]:
    codes = _recovery_codes_new(request.user)
    account_event_record(person=request.user, kind=AccountEventKind.RECOVERY_CODES, request=request)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _axes_credentials(user) -> dict:
    return {"username": f"{user.username}{SECOND_FACTOR_SUFFIX}"}


def second_factor_locked(request) -> bool:
    """Whether django-axes locks this person's second factor from this address; a locked person is
    signed out, and django-axes' middleware answers with the lockout page."""
    from axes.handlers.proxy import AxesProxyHandler

    if AxesProxyHandler.is_allowed(request, _axes_credentials(request.user)):
        return False
    request.axes_locked_out = True
    request.axes_credentials = _axes_credentials(request.user)
    logout(request)
    return True


def second_factor_check(*, request, token: str):
    """Check a code from the app or a recovery code (used up). A wrong code is a failed sign-in for
    django-axes, counted like a wrong password; the lockout signs the person out. Returns the device
    that accepted the code, or None."""
    from axes.handlers.proxy import AxesProxyHandler

    user = request.user
    token = "".join(token.split())
    device = None
    if token:
        for candidate in devices_for_user(user, confirmed=True):
            allowed, _reason = candidate.verify_is_allowed()
            if allowed and candidate.verify_token(token):
                device = candidate
                break
    if device is None:
        user_login_failed.send(sender=__name__, credentials=_axes_credentials(user), request=request)
        if getattr(request, "axes_locked_out", False):
            logout(request)
        return None
    AxesProxyHandler.reset_attempts(username=_axes_credentials(user)["username"])
    request.session[TWO_FACTOR_VERIFIED] = device.persistent_id
    return device


@transaction.atomic
def two_factor_remove(*, request) -> None:
    """A collaborator turns the second factor off (staff and admins may not)."""
    if two_factor_required(request.user):
        raise PermissionError("two-factor sign-in is required for this role")
    for device in devices_for_user(request.user, confirmed=None):
        device.delete()
    request.session.pop(TWO_FACTOR_VERIFIED, None)
    request.session[TWO_FACTOR_NOT_NEEDED] = True
    account_event_record(person=request.user, kind=AccountEventKind.TWO_FACTOR_REMOVED, request=request)


@transaction.atomic
def two_factor_reset(*, actor, person, request=None) -> int:
    """An administrator removes a person's second factor (a lost phone): every device goes, every
    session of the person ends, and the reset is recorded with who made it. Staff then set it up
    again at their next sign-in. Returns the number of devices removed."""
    devices = list(devices_for_user(person, confirmed=None))
    for device in devices:
        device.delete()
    sessions_end(user=person, actor=actor, request=request)
    account_event_record(person=person, kind=AccountEventKind.TWO_FACTOR_RESET, actor=actor, request=request)
    return len(devices)


def consent_renewal_needed(user) -> bool:
    """Whether the person consented to an earlier version of the notice (and has not withdrawn): they are
    asked again. People who never consented cannot sign in yet; those who withdrew are not asked again."""
    return (
        CollaboratorProfile.objects.filter(user=user, consent_given_at__isnull=False, consent_withdrawn_at__isnull=True)
        .exclude(consent_version=settings.PERSONAL_DATA_CONSENT_VERSION)
        .exists()
    )
