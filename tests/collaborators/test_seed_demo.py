from datetime import date

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from collaborators.models import Role, Unit, UnitKind, User

pytestmark = pytest.mark.django_db

ACCOUNTS = ["admin", "staff", "unitstaff", "collab1", "otherstaff", "collab2"]


def test_seed_demo_builds_the_network_and_is_idempotent(settings, rf):
    settings.DEBUG = True
    call_command("seed_demo", password="mat-khau-thu-nghiem", verbosity=0)
    counts = (Unit.objects.count(), User.objects.count())
    call_command("seed_demo", password="mat-khau-thu-nghiem", verbosity=0)
    assert (Unit.objects.count(), User.objects.count()) == counts

    assert Unit.objects.filter(kind=UnitKind.COMMUNE_WARD).count() == 84
    assert Unit.objects.filter(kind=UnitKind.DISTRICT_FEDERATION, valid_to__isnull=False).count() == 30
    assert Unit.objects.filter(kind=UnitKind.INDUSTRIAL_PARK).exists()
    assert Unit.objects.get(code="CD-00004").name == "Công đoàn phường Ba Đình"
    assert Unit.objects.get(code="CD-00004").predecessors.filter(name__endswith="Ba Đình").exists()

    request = rf.post("/accounts/login/")
    for username in ACCOUNTS:
        assert authenticate(request, username=username, password="mat-khau-thu-nghiem") is not None, username


def test_demo_accounts_sit_where_the_design_says(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    users = {u.username: u for u in User.objects.filter(username__in=ACCOUNTS).select_related("unit")}
    assert users["admin"].is_superuser
    assert users["staff"].role == Role.STAFF and users["staff"].unit.kind == UnitKind.CITY_FEDERATION
    assert users["collab1"].unit.is_within(users["unitstaff"].unit)
    assert users["collab2"].unit.is_within(users["otherstaff"].unit)
    assert not users["collab1"].unit.is_within(users["otherstaff"].unit)
    assert users["collab1"] not in User.objects.visible_to(users["otherstaff"])


def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists()
    call_command("seed_demo", force=True, verbosity=0)
    assert User.objects.filter(username="admin").exists()


def test_the_demo_records_the_2025_restructuring_through_the_units_service(settings):
    """The district federations end on 30/06/2025 by the split service (or merge, or dissolution): each
    ended district's history names the administrator and the way it ended, and its successors list it."""
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    admin = User.objects.get(username="admin")
    districts = list(Unit.objects.filter(kind=UnitKind.DISTRICT_FEDERATION))
    assert len(districts) == 30
    splits = 0
    for district in districts:
        assert district.valid_to == date(2025, 6, 30)
        last = district.history.order_by("-history_date", "-history_id").first()
        assert last.history_user_id == admin.pk and last.valid_to == date(2025, 6, 30)
        successors = list(Unit.objects.filter(predecessors=district))
        assert all(ward.kind == UnitKind.COMMUNE_WARD for ward in successors)
        if len(successors) >= 2:
            splits += 1
            for ward in successors:
                took_over = ward.history.order_by("-history_date", "-history_id")
                assert any(district.code in (h.history_change_reason or "") for h in took_over)
    assert splits >= 7  # the inner districts, each split into several ward unions
    ba_dinh = Unit.objects.get(kind=UnitKind.DISTRICT_FEDERATION, name__endswith="Ba Đình")
    assert {u.name for u in Unit.objects.filter(predecessors=ba_dinh)} == {
        "Công đoàn phường Ba Đình",
        "Công đoàn phường Ngọc Hà",
        "Công đoàn phường Giảng Võ",
    }
