"""The trainings app's part in lower apps' events (they cannot import this app; they send signals).

Connected from ``TrainingsConfig.ready``.
"""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from collaborators.signals import person_page_sections, personal_data_sections
from trainings import selectors


@receiver(person_page_sections, dispatch_uid="trainings.person_page_trainings")
def person_trainings_section(sender, *, person, viewer, **kwargs):
    """The person's training history, of the registrations the viewer may see."""
    return selectors.person_section(person, viewer)


@receiver(personal_data_sections, dispatch_uid="trainings.personal_data_trainings")
def person_trainings_data(sender, *, person, **kwargs):
    """The person's registrations, attendance, feedback and certificates, for their own-data download."""
    return {"key": "trainings", "title": _("Trainings"), "rows": selectors.personal_data(person)}
