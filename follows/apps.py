from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "follows"
    verbose_name = _("Follows")

    def ready(self):
        from follows import receivers  # noqa: F401  (rumours' verdicts and sightings)
