from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collaborators.access import get_manageable_or_404, staff_or_404
from core.ids import parse_id
from follows import services
from follows.models import TARGETS, FollowKind, Subscription
from follows.selectors import choices_for, follows_of


def _back(request):
    """Back to the page whose button was pressed (this site only), or to the list."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect("follows:list")


@staff_or_404
def follow_list(request):
    """What the person follows, and a form to follow a topic, a focus policy, a unit or a rumour."""
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        target_id = parse_id(request.POST.get(kind, "")) if kind in TARGETS else None
        if target_id is None:
            messages.error(request, _("Choose what to follow."))
            return redirect("follows:list")
        try:
            services.subscription_add(actor=request.user, kind=kind, target_id=target_id)
        except ObjectDoesNotExist:
            raise Http404 from None
        messages.success(request, _("You now follow it; you will be told when something happens."))
        return _back(request)
    context = {"follows": follows_of(request.user), "choices": choices_for(request.user), "kinds": FollowKind}
    return render(request, "follows/follow_list.html", context)


@staff_or_404
@require_POST
def follow_remove(request):
    pk = parse_id(request.POST.get("follow", ""))
    if pk is None:
        return redirect("follows:list")
    subscription = get_manageable_or_404(Subscription, request.user, pk=pk)
    services.subscription_remove(actor=request.user, subscription=subscription)
    messages.success(request, _("You no longer follow it."))
    return _back(request)
