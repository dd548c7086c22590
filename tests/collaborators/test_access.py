"""One scoping rule: staff and admins see their subtree, collaborators themselves, outsiders nothing."""

import pytest
from django.http import Http404

from collaborators.access import get_visible_or_404, is_admin, is_staff_or_admin
from collaborators.models import Role, Unit, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_see_their_subtree_of_units(unit_staff, union, grassroots, other_union, city):
    visible = set(Unit.objects.visible_to(unit_staff))
    assert visible == {union, grassroots}


def test_collaborator_sees_their_unit_and_the_units_above(collaborator, grassroots, union, city, other_union):
    visible = set(Unit.objects.visible_to(collaborator))
    assert visible == {grassroots, union, city}


def test_federation_admin_sees_every_unit(federation_admin, city, union, grassroots, other_union):
    assert set(Unit.objects.visible_to(federation_admin)) == {city, union, grassroots, other_union}


def test_anonymous_and_unitless_people_see_no_units(city):
    from django.contrib.auth.models import AnonymousUser

    assert not Unit.objects.visible_to(AnonymousUser()).exists()
    floating = UserFactory(unit=None, role=Role.STAFF)
    assert not Unit.objects.visible_to(floating).exists()


def test_staff_see_people_of_their_subtree_only(unit_staff, collaborator, other_staff, other_collaborator):
    visible = set(User.objects.visible_to(unit_staff))
    assert visible == {unit_staff, collaborator}


def test_collaborator_sees_only_themselves(collaborator, unit_staff, other_collaborator):
    assert list(User.objects.visible_to(collaborator)) == [collaborator]


def test_inactive_user_sees_nothing(unit_staff, collaborator):
    unit_staff.is_active = False
    assert not User.objects.visible_to(unit_staff).exists()


def test_superuser_sees_everyone(collaborator, other_collaborator):
    root = UserFactory(unit=None, is_superuser=True, role=Role.COLLABORATOR)
    assert {collaborator, other_collaborator} <= set(User.objects.visible_to(root))


def test_out_of_scope_object_is_404_not_403(unit_staff, other_union, union):
    assert get_visible_or_404(Unit, unit_staff, pk=union.pk) == union
    with pytest.raises(Http404):
        get_visible_or_404(Unit, unit_staff, pk=other_union.pk)


def test_role_helpers(collaborator, unit_staff, federation_admin):
    assert not is_staff_or_admin(collaborator)
    assert is_staff_or_admin(unit_staff) and not is_admin(unit_staff)
    assert is_admin(federation_admin)


def test_subtree_query_survives_a_move(unit_staff, union, grassroots, other_union, collaborator):
    """A grassroots union moved to another union leaves the old staff's scope with its people."""
    Unit.objects.move(grassroots, other_union, pos="last-child")
    assert collaborator not in User.objects.visible_to(unit_staff)
    other = UserFactory(unit=other_union, role=Role.STAFF)
    assert collaborator in User.objects.visible_to(other)


def test_unit_changes_are_recorded_with_their_author(union, unit_staff):
    from simple_history.utils import update_change_reason

    union.name = "Công đoàn phường Ba Đình (mới)"
    union._history_user = unit_staff
    union.save()
    update_change_reason(union, "Đổi tên")
    latest = union.history.first()
    assert latest.name == "Công đoàn phường Ba Đình (mới)"
    assert latest.history_user == unit_staff
    assert latest.history_type == "~"


def test_person_changes_are_recorded_without_the_password(collaborator):
    collaborator.phone = "0912345678"
    collaborator.save()
    record = collaborator.history.first()
    assert record.phone == "0912345678"
    assert not hasattr(record, "password")
