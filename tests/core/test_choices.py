"""Choice labels read from dicts kept per language give what ``get_FOO_display()`` gives."""

import pytest
from django.template import Context, Template
from django.utils import translation

from collaborators.models import CollaboratorProfile, CollaboratorStatus, Position, Role, User
from core import choices


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_kept_labels_are_the_display_methods_labels_in_each_language(language):
    with translation.override(language):
        for status in CollaboratorStatus.values:
            profile = CollaboratorProfile(status=status)
            assert choices.display(profile, "status") == profile.get_status_display()
        for position in Position.values:
            profile = CollaboratorProfile(position=position)
            assert choices.display(profile, "position") == profile.get_position_display()
        for role in Role.values:
            assert choices.display(User(role=role), "role") == User(role=role).get_role_display()


def test_the_labels_follow_the_active_language():
    profile = CollaboratorProfile(status=CollaboratorStatus.ACTIVE)
    with translation.override("vi"):
        vi = choices.display(profile, "status")
    with translation.override("en"):
        en = choices.display(profile, "status")
    assert vi != en and en == "Active"


def test_a_value_that_is_no_choice_shows_as_it_is_and_no_object_as_nothing():
    assert choices.display(CollaboratorProfile(status="retired-long-ago"), "status") == "retired-long-ago"
    template = Template('{% load network_tags %}[{{ missing|display:"status" }}]')
    assert template.render(Context({})) == "[]"
