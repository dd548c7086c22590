"""Writes for units and people. Every change is kept by django-simple-history."""

from datetime import date

from django.db import transaction

from .models import Role, Unit, User


@transaction.atomic
def unit_create(
    *,
    parent: Unit | None,
    kind: str,
    code: str,
    name: str,
    valid_from: date | None = None,
    valid_to: date | None = None,
    member_count: int = 0,
) -> Unit:
    """Create a unit under ``parent`` (a root when ``parent`` is None)."""
    fields = {
        "kind": kind,
        "code": code,
        "name": name,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "member_count": member_count,
    }
    if parent is None:
        return Unit.objects.add_root(fields)
    # treebeard locks and re-reads the parent row, so concurrent inserts
    # under one parent cannot compute the same path.
    return Unit.objects.add_child(parent, fields)


@transaction.atomic
def unit_get_or_create(*, parent: Unit | None, code: str, **fields) -> tuple[Unit, bool]:
    unit = Unit.objects.filter(code=code).first()
    if unit is not None:
        return unit, False
    return unit_create(parent=parent, code=code, **fields), True


@transaction.atomic
def user_create(
    *,
    username: str,
    full_name: str,
    unit: Unit | None,
    role: str = Role.COLLABORATOR,
    phone: str = "",
    email: str = "",
    password: str | None = None,
    is_active: bool = True,
    is_superuser: bool = False,
) -> User:
    """Create a person. Without a password the account cannot log in until activated."""
    user = User(
        username=username,
        full_name=full_name,
        unit=unit,
        role=role,
        phone=phone,
        email=email,
        is_active=is_active,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user
