from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SummariesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "summaries"
    verbose_name = _("Dashboards and summaries")

    def ready(self):
        from summaries import receivers  # noqa: F401  (keeps the monthly tallies current)
