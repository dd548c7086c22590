"""Followers hear of a rumour's verdict and of its spreading through the reports app's signals; a person's
follows are in their own-data download and go when they are anonymised."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from collaborators.signals import page_actions, person_anonymised, personal_data_sections
from follows import selectors, services
from reports.signals import report_linked_to_rumour, rumour_verified


@receiver(rumour_verified, dispatch_uid="follows.rumour_verified")
def tell_verdict(sender, rumour, **kwargs):
    services.rumour_verdict_told(rumour=rumour)


@receiver(report_linked_to_rumour, dispatch_uid="follows.rumour_spreading")
def tell_spreading(sender, report, rumour, **kwargs):
    rumour.refresh_from_db(fields=["sighting_count"])
    services.rumour_spread_told(rumour=rumour)


@receiver(personal_data_sections, dispatch_uid="follows.personal_data_follows")
def person_follows_data(sender, *, person, **kwargs):
    return {"key": "follows", "title": _("What I follow"), "rows": selectors.personal_data(person)}


@receiver(person_anonymised, dispatch_uid="follows.person_anonymised")
def forget_follows_of_anonymised_person(sender, *, person, **kwargs):
    services.person_follows_erase(person=person)


@receiver(page_actions, dispatch_uid="follows.follow_button")
def follow_button(sender, *, obj, viewer, **kwargs):
    """Staff get a follow (or stop-following) button beside a unit, a rumour, a topic or a focus policy."""
    return selectors.follow_button(obj, viewer)
