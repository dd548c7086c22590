import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, RawPostDataException
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from collaborators.access import staff_or_404
from notifications import selectors, services
from notifications.forms import PhoneCodeForm, PreferencesForm
from notifications.models import Channel, DeliveryStatus
from notifications.selectors import notifications_for
from notifications.services import channels, phones
from notifications.services import preferences as prefs


@login_required
def notification_list(request):
    page = Paginator(notifications_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_open(request, pk):
    """Mark one notification read and follow its link (only to this site)."""
    # Through the same list the person sees: a row about something they can no longer open is gone.
    notification = get_object_or_404(notifications_for(request.user), pk=pk)
    services.notification_mark_read(notification=notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("notifications:list")


@login_required
def preferences(request):
    """Each person's own choices: channels and at once / digest per kind, quiet hours, phone, Web Push."""
    user = request.user
    contact = prefs.contact_of(user)
    form = PreferencesForm(request.POST or None, user=user, current=prefs.preferences_of(user), contact=contact)
    if request.method == "POST" and form.is_valid():
        prefs.preferences_save(
            user=user,
            choices=form.choices(),
            quiet_from=form.cleaned_data["quiet_from"],
            quiet_until=form.cleaned_data["quiet_until"],
        )
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("notifications:preferences")
    off = [label for value, label in Channel.choices if not channels.channel_available(value)]
    context = {
        "form": form,
        "off_channels": off,
        "phone": phones.phone_to_verify(user),
        "verified_phone": channels.verified_phone(user),
        "sms_on": channels.channel_available(Channel.SMS),
        "push_key": settings.WEBPUSH_VAPID_PUBLIC_KEY if channels.channel_available(Channel.PUSH) else "",
        "code_form": PhoneCodeForm(),
    }
    return render(request, "notifications/preferences.html", context)


@login_required
@require_POST
def phone_code_send(request):
    try:
        phones.phone_verification_start(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("A code was sent by SMS to your phone. Enter it below."))
    return redirect("notifications:preferences")


@login_required
@require_POST
def phone_code_verify(request):
    form = PhoneCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the six digits of the code."))
        return redirect("notifications:preferences")
    try:
        phones.phone_verification_confirm(user=request.user, code=form.cleaned_data["code"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your phone number is verified: SMS and Zalo can reach you now."))
    return redirect("notifications:preferences")


def _refused(response_class, message):
    """A refusal that says why, in plain text (the callers are a script and the providers' servers)."""
    return response_class(message, content_type="text/plain; charset=utf-8")


@login_required
@require_POST
def push_subscribe(request):
    """The browser's push subscription (JSON from static/js/push.js)."""
    try:
        data = json.loads(request.body)
        endpoint, keys = str(data["endpoint"]), data["keys"]
        p256dh, auth = str(keys["p256dh"]), str(keys["auth"])
    except (ValueError, KeyError, TypeError, RawPostDataException):
        return _refused(HttpResponseBadRequest, _("The browser's push subscription could not be read."))
    if not endpoint.startswith("https://") or len(endpoint) > 1000 or len(p256dh) > 200 or len(auth) > 100:
        return _refused(HttpResponseBadRequest, _("The browser's push subscription could not be read."))
    services.push_subscription_save(user=request.user, endpoint=endpoint, p256dh=p256dh, auth=auth)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def delivery_callback(request, channel):
    """A provider's delivery report, accepted only with a valid signature in that provider's scheme: Zalo's
    ``X-ZEvent-Signature`` (a SHA-256 mac of app id, body, timestamp and the OA secret key), the SMS
    gateway's ``X-Signature`` (a timestamped HMAC-SHA256 of the body)."""
    if channel not in (Channel.SMS, Channel.ZALO):
        raise Http404
    try:
        body = request.body
    except RawPostDataException:  # a form post already read by a middleware: not a provider's JSON
        return _refused(HttpResponseForbidden, _("The delivery report is not signed."))
    if channel == Channel.ZALO:
        signed = channels.zalo_event_signature_valid(body, request.headers.get("X-ZEvent-Signature", ""))
    else:
        now = timezone.now().timestamp()
        signed = channels.sms_report_signature_valid(body, request.headers.get("X-Signature", ""), now=now)
    if not signed:
        return _refused(HttpResponseForbidden, _("The delivery report is not signed."))
    try:
        data = json.loads(body)
        message = data.get("message") if isinstance(data.get("message"), dict) else {}
        provider_id = str(data.get("id") or message.get("msg_id") or "")
        status = str(data.get("status") or "")
        if data.get("event_name") == "user_received_message":
            status = DeliveryStatus.DELIVERED
    except (ValueError, AttributeError):
        return _refused(HttpResponseBadRequest, _("The delivery report could not be read."))
    services.delivery_status_record(
        channel=channel, provider_id=provider_id, status=status, error=str(data.get("error", ""))
    )
    return HttpResponse("ok")


@staff_or_404
def delivery_list(request):
    """Staff: how each notification reached each person of their scope, and the month's paid messages."""
    deliveries = selectors.deliveries_for(
        request.user, status=request.GET.get("status"), channel=request.GET.get("channel")
    )
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    month, costs = selectors.paid_messages_for(request.user, month=request.GET.get("month"))
    context = {
        "page": page,
        "statuses": DeliveryStatus.choices,
        "channels": [c for c in Channel.choices if c[0] != Channel.IN_APP],
        "month": month,
        "costs": costs,
    }
    return render(request, "notifications/deliveries.html", context)
