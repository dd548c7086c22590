from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollaboratorsConfig(AppConfig):
    name = "collaborators"
    verbose_name = _("Collaborators and units")
