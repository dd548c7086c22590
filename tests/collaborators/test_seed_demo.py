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
