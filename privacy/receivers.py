"""Sign-in and sign-out keep the list of a person's sessions."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from privacy import services


@receiver(user_logged_in, dispatch_uid="privacy_session_started")
def _session_started(sender, request, user, **kwargs):
    if request is not None:
        services.session_started(request=request, user=user)


@receiver(user_logged_out, dispatch_uid="privacy_session_ended")
def _session_ended(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None:
        services.session_forget(session_key=session.session_key)
