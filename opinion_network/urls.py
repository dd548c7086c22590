from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from api import urls as api_urls
from opinion_network import views
from summaries import urls as summaries_urls

admin.site.site_header = _("Opinion Network administration")
admin.site.site_title = _("Opinion Network")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
    path("accounts/", include("collaborators.urls.accounts")),
    path("notifications/", include("notifications.urls")),
    path("roster/", include("collaborators.urls")),
    path("reports/", include("reports.urls")),
    path("guidance/", include("guidance.urls")),
    path("trainings/", include("trainings.urls")),
    path("summaries/", include("summaries.urls")),
    path("follows/", include("follows.urls")),
    path("dashboard/", include((summaries_urls.dashboard_urlpatterns, "dashboard"))),
    path("api/v1/", include("api.urls")),
    path("api/tokens/", include((api_urls.token_urlpatterns, "api_tokens"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]
