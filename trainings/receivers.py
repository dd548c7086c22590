"""The trainings app's part in lower apps' events (they cannot import this app; they send signals).

Connected from ``TrainingsConfig.ready``.
"""

from django.dispatch import receiver

from collaborators.signals import person_page_sections
from trainings import selectors


@receiver(person_page_sections, dispatch_uid="trainings.person_page_trainings")
def person_trainings_section(sender, *, person, viewer, **kwargs):
    """The person's training history, of the registrations the viewer may see."""
    return selectors.person_section(person, viewer)
