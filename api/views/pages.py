"""The pages of the API app: the person's access tokens (create, list, revoke) and the API documentation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api import services
from api.forms import TokenForm
from api.models import AccessToken
from collaborators.access import get_manageable_or_404
from core.ids import parse_id

NEW_KEY_SESSION_KEY = "api_new_token"  # noqa: S105 - a session key, not a secret


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request):
    """The person's tokens (newest first, prefix only) and the form for a new one; the new secret once."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, raw_key = services.token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            request.session[NEW_KEY_SESSION_KEY] = raw_key
            return redirect("api_tokens:list")
    status = 400 if form.is_bound else 200
    tokens = AccessToken.objects.visible_to(request.user).order_by("-created_at", "-pk")
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "new_key": request.session.pop(NEW_KEY_SESSION_KEY, "")},
        status=status,
    )


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_manageable_or_404(AccessToken, request.user, pk=parse_id(str(pk)) or 0)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token has been revoked: it no longer opens the API."))
    return redirect("api_tokens:list")


@require_GET
def docs(request):
    """Swagger UI from the vendored files, started by static/js/api_docs.js (no inline script)."""
    return render(request, "api/docs.html")
