"""Reads for units and people."""

from django.db.models import Count, Q

from .models import Role, Unit, User


def unit_overview(user) -> dict:
    """Counts for a staff or admin home page, within the user's scope (two queries)."""
    units = Unit.objects.visible_to(user).current()
    by_kind = dict(units.order_by().values_list("kind").annotate(n=Count("pk")))
    people = User.objects.visible_to(user).aggregate(
        collaborators=Count("pk", filter=Q(role=Role.COLLABORATOR)),
        active_collaborators=Count("pk", filter=Q(role=Role.COLLABORATOR, is_active=True)),
        staff=Count("pk", filter=Q(role__in=[Role.STAFF, Role.ADMIN])),
    )
    return {"units": sum(by_kind.values()), "units_by_kind": by_kind, **people}
