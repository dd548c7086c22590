from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollaboratorsConfig(AppConfig):
    name = "collaborators"
    verbose_name = _("Collaborators and units")

    def ready(self):
        from collaborators import receivers  # noqa: F401  (connects the signal receivers)
