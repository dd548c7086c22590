"""The project's URLs plus the minimal view bench/web.py compares every page with."""

from django.http import HttpResponse
from django.urls import path

from opinion_network.urls import urlpatterns as project_urlpatterns


def minimal_view(request):
    # The floor of any logged-in page: the middleware, the session and the user row.
    return HttpResponse("ok" if request.user.is_authenticated else "anonymous", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal_view), *project_urlpatterns]
