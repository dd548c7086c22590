"""Two-factor sign-in pages and the person's own security page (second factor, sessions)."""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from collaborators.access import get_manageable_or_404, role_required
from collaborators.forms.security import EnrolForm, SecondFactorForm
from collaborators.models import Role, User
from collaborators.services import people as people_services
from collaborators.services import security as services
from core.ids import parse_id
from privacy.models import AccountEventKind, SignedInSession
from privacy.services import account_event_record, sessions_adopt, sessions_end


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


@never_cache
@login_required
def two_factor_verify(request):
    """The second step of signing in: a code from the app, or a recovery code."""
    if not services.two_factor_enabled(request.user):
        return redirect(f"{reverse('two_factor_enrol')}?next={_next(request)}")
    if services.second_factor_locked(request):
        return render(request, "registration/two_factor_verify.html", {"form": SecondFactorForm()}, status=429)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.second_factor_check(request=request, token=form.cleaned_data["token"]):
            return redirect(_next(request))
        if not request.user.is_authenticated:  # locked out: django-axes answers with its page
            return render(request, "registration/two_factor_verify.html", {"form": form}, status=429)
        form.add_error("token", _("This code is not right. Check the time on your phone, or use a recovery code."))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)})


@never_cache
@login_required
def two_factor_enrol(request):
    """Set up the app: a QR code to scan (or the key to type), then a code from the app to confirm."""
    enabled = services.two_factor_enabled(request.user)
    if enabled and not request.session.get(services.TWO_FACTOR_VERIFIED):
        # Only the password so far: replacing the app needs the second factor first.
        return redirect(f"{reverse('two_factor_verify')}?next={reverse('two_factor_enrol')}")
    device = services.two_factor_pending_device(request.user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.two_factor_enrol(request=request, device=device, token=form.cleaned_data["token"])
        if codes is not None:
            return render(request, "registration/recovery_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("token", _("This code is not right. Check the time on your phone and try the new code."))
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "qr": qr.svg_data_uri(scale=5, border=2),
        "secret": device.config_url.split("secret=", 1)[1].split("&", 1)[0],
        "required": services.two_factor_required(request.user),
        "replacing": enabled,
        "next": _next(request),
    }
    return render(request, "registration/two_factor_enrol.html", context)


@never_cache
@login_required
@require_GET
def account_security(request):
    """The person's second factor and signed-in sessions."""
    current = request.session.session_key
    sessions_adopt(user=request.user)
    sessions = list(SignedInSession.objects.filter(user=request.user).order_by("-last_seen_at"))
    context = {
        "enabled": services.two_factor_enabled(request.user),
        "required": services.two_factor_required(request.user),
        "codes_left": services.recovery_codes_left(request.user),
        "sessions": sessions,
        "current_key": current,
    }
    return render(request, "collaborators/account_security.html", context)


@login_required
@require_POST
def recovery_codes_renew(request):
    if not services.two_factor_enabled(request.user):
        return redirect("account_security")
    codes = services.recovery_codes_renew(request=request)
    return render(request, "registration/recovery_codes.html", {"codes": codes, "next": reverse("account_security")})


@login_required
@require_POST
def two_factor_remove(request):
    if services.two_factor_required(request.user):
        messages.error(request, _("Two-factor sign-in is required for your role and cannot be turned off."))
    else:
        services.two_factor_remove(request=request)
        messages.success(request, _("Two-factor sign-in is off."))
    return redirect("account_security")


@login_required
@require_POST
def sessions_sign_out(request):
    """Sign out one of the person's other sessions (``session``), or all of them."""
    keep = request.session.session_key
    session_id = parse_id(request.POST.get("session"))
    chosen = None if session_id is None else [session_id]
    ended = sessions_end(user=request.user, keep_session_key=keep, sessions=chosen, request=request)
    messages.success(request, _("Signed out of %(count)s other session(s).") % {"count": ended})
    return redirect("account_security")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's, which keeps this session signed in; every other session of the person ends."""

    def form_valid(self, form):
        response = super().form_valid(form)  # update_session_auth_hash keeps this session
        sessions_end(user=form.user, keep_session_key=self.request.session.session_key, request=self.request)
        account_event_record(person=form.user, kind=AccountEventKind.PASSWORD_CHANGED, request=self.request)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's; a password set through a reset link ends every session of the person."""

    def form_valid(self, form):
        response = super().form_valid(form)
        sessions_end(user=form.user, request=self.request)
        account_event_record(person=form.user, kind=AccountEventKind.PASSWORD_CHANGED, request=self.request)
        return response


@role_required(Role.ADMIN)
@require_POST
def person_two_factor_reset(request, pk):
    """An administrator removes a person's second factor (a lost phone); recorded with who did it."""
    person = get_manageable_or_404(User.objects.all(), request.user, pk=pk)
    services.two_factor_reset(actor=request.user, person=person, request=request)
    messages.success(request, _("Two-factor sign-in has been reset; the person sets it up again at the next sign-in."))
    return redirect("roster:person_detail", pk=person.pk)


@never_cache
@login_required
def consent_renew(request):
    """A new version of the personal-data notice: the person agrees, or withdraws their consent."""
    version = settings.PERSONAL_DATA_CONSENT_VERSION
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer not in ("agree", "withdraw"):
            # Only the two buttons answer: anything else (a tampered form) changes nothing.
            context = {"consent_version": version, "next": _next(request), "unanswered": True}
            return render(request, "registration/consent_renew.html", context, status=400)
        if answer == "agree":
            people_services.consent_give(user=request.user, version=version)
            messages.success(request, _("Thank you: your consent to the new notice is recorded."))
        else:
            people_services.consent_withdraw(user=request.user)
            messages.info(
                request, _("You have withdrawn your consent. Your reports are no longer shown with your name.")
            )
        request.session[services.CONSENT_CHECKED] = version
        return redirect(_next(request))
    return render(request, "registration/consent_renew.html", {"consent_version": version, "next": _next(request)})
