"""The roster's people pages: scope, search, personal data, status, decisions, invitations, anonymisation."""

import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from collaborators.models import CollaboratorProfile, CollaboratorStatus, DecisionKind, Invitation, Role, User
from collaborators.services import people as services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit_admin(union):
    return UserFactory(username="unitadmin", full_name="Đỗ Thị Hạnh", unit=union, role=Role.ADMIN)


@pytest.fixture
def recruit(grassroots, unit_admin):
    """A person added to the roster, not yet able to log in."""
    return services.person_create(
        actor=unit_admin,
        unit=grassroots,
        full_name="Nguyễn Văn Đức",
        phone="0912345678",
        email="duc@example.org",
        profile={"birth_year": 1990, "workplace": "Trường THCS"},
    )


# --- list and search ---------------------------------------------------------------


def test_staff_list_shows_their_subtree_only(client, unit_staff, collaborator, other_collaborator):
    client.force_login(unit_staff)
    html = client.get(reverse("roster:person_list")).content.decode()
    assert collaborator.full_name in html
    assert other_collaborator.full_name not in html


def test_collaborator_cannot_list_the_roster(client, collaborator):
    client.force_login(collaborator)
    assert client.get(reverse("roster:person_list")).status_code == 404


def test_search_ignores_diacritics(client, unit_staff, recruit, collaborator):
    client.force_login(unit_staff)
    for query in ["nguyen van duc", "NGUYEN VAN", "Nguyễn Văn Đức", "duc", "0912345678", "duc@example"]:
        html = client.get(reverse("roster:person_list"), {"q": query}).content.decode()
        assert "Nguyễn Văn Đức" in html, query
        assert collaborator.full_name not in html, query


def test_search_never_reaches_outside_the_scope(client, other_staff, recruit):
    client.force_login(other_staff)
    html = client.get(reverse("roster:person_list"), {"q": "nguyen van duc"}).content.decode()
    assert "Nguyễn Văn Đức" not in html


@time_machine.travel(datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False)
def test_filters_by_unit_subtree_status_and_reporting(client, unit_staff, union, grassroots, recruit, collaborator):
    services.profile_of(collaborator)
    CollaboratorProfile.objects.filter(user=collaborator).update(status=CollaboratorStatus.ACTIVE)
    services.reporting_activity_record(person=collaborator, on=date(2026, 11, 20))
    client.force_login(unit_staff)
    url = reverse("roster:person_list")
    page = client.get(url, {"status": CollaboratorStatus.PROPOSED}).content.decode()
    assert "Nguyễn Văn Đức" in page and collaborator.full_name not in page
    page = client.get(url, {"reported": "true"}).content.decode()
    assert collaborator.full_name in page and "Nguyễn Văn Đức" not in page
    page = client.get(url, {"unit": union.pk}).content.decode()
    assert collaborator.full_name in page and "Nguyễn Văn Đức" in page


def test_unit_filter_offers_only_units_in_scope(client, unit_staff, other_union):
    client.force_login(unit_staff)
    response = client.get(reverse("roster:person_list"), {"unit": other_union.pk})
    assert other_union.name not in response.content.decode().split("<table")[0]
    assert response.context["filter"].errors  # an out-of-scope choice is invalid, not silently applied


@pytest.mark.parametrize("rows", [10, 120])
def test_list_query_count_does_not_grow_with_rows(client, unit_staff, grassroots, rows, django_assert_max_num_queries):
    for i in range(rows):
        user = UserFactory(unit=grassroots, full_name=f"Trần Văn {i}")
        CollaboratorProfile.objects.create(user=user)
    client.force_login(unit_staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("roster:person_list"))
    assert response.status_code == 200


def test_the_kept_rows_show_a_rename_a_status_and_a_first_report_on_the_next_visit(
    client, unit_staff, unit_admin, recruit, collaborator, django_assert_max_num_queries
):
    from tests.reports.conftest import make_report

    client.force_login(unit_staff)
    url = reverse("roster:person_list")

    def rows():
        page = client.get(url).content.decode()
        return page[page.index("<tbody>") : page.index("</tbody>")]

    first = rows()
    assert "Nguyễn Văn Đức" in first
    with django_assert_max_num_queries(9) as kept:  # the rows are not read again
        assert rows() == first
    assert not [q for q in kept.captured_queries if '"collaborators_collaboratorprofile"."position"' in q["sql"]]
    services.person_update(actor=unit_admin, user=recruit, fields={"full_name": "Nguyễn Văn Đạt"})
    renamed = rows()
    assert "Nguyễn Văn Đạt" in renamed and "Nguyễn Văn Đức" not in renamed
    services.person_change_status(actor=unit_admin, user=recruit, to_status=CollaboratorStatus.ACTIVE, reason="Đã ký")
    with translation.override("vi"):
        active = str(CollaboratorStatus.ACTIVE.label)
    assert active in rows()
    row_of = re.compile(r'<tr data-testid="person-row">.*?</tr>', re.S)
    before = next(row for row in row_of.findall(rows()) if collaborator.full_name in row)
    make_report(collaborator, title="Báo cáo đầu tiên")  # the collaborator's last report moves
    after = next(row for row in row_of.findall(rows()) if collaborator.full_name in row)
    assert after != before


# --- the person page ---------------------------------------------------------------


def test_person_page_three_actors(client, recruit, unit_staff, other_staff):
    url = reverse("roster:person_detail", args=[recruit.pk])
    client.force_login(unit_staff)
    page = client.get(url).content.decode()
    assert "0912345678" in page and "duc@example.org" in page
    client.force_login(other_staff)
    assert client.get(url).status_code == 404


def test_collaborator_sees_their_own_page_and_no_one_elses(client, collaborator, recruit):
    client.force_login(collaborator)
    assert client.get(reverse("roster:person_detail", args=[collaborator.pk])).status_code == 200
    assert client.get(reverse("roster:person_detail", args=[recruit.pk])).status_code == 404


def test_person_page_query_count(client, recruit, unit_staff, django_assert_max_num_queries):
    client.force_login(unit_staff)
    with django_assert_max_num_queries(15):  # 14, and the read log's one INSERT
        client.get(reverse("roster:person_detail", args=[recruit.pk]))


# --- create, edit, status ----------------------------------------------------------


def test_admin_adds_a_person_who_cannot_log_in_yet(client, unit_admin, grassroots):
    client.force_login(unit_admin)
    response = client.post(
        reverse("roster:person_create"),
        {
            "full_name": "Lê  Thị   Thu",
            "unit": grassroots.pk,
            "role": "collaborator",
            "phone": "+84 912 000 111",
            "position": "opinion_team",
            "birth_year": "1988",
        },
    )
    person = User.objects.get(full_name="Lê Thị Thu")
    assert response.status_code == 302
    assert person.phone == "0912000111" and not person.is_active and not person.has_usable_password()
    assert person.profile.status == CollaboratorStatus.PROPOSED
    assert person.history.first().history_user == unit_admin


def test_bad_phone_and_duplicate_phone_are_refused_in_vietnamese(client, unit_admin, grassroots, recruit):
    client.force_login(unit_admin)
    url = reverse("roster:person_create")
    base = {"full_name": "Phạm Minh", "unit": grassroots.pk, "role": "collaborator", "position": "opinion_team"}
    page = client.post(url, {**base, "phone": "12345"}).content.decode()
    assert "10 chữ số" in page
    page = client.post(url, {**base, "phone": "0912 345 678"}).content.decode()
    assert "đã có số điện thoại này" in page
    assert not User.objects.filter(full_name="Phạm Minh").exists()


def test_staff_cannot_edit_people(client, unit_staff, recruit):
    client.force_login(unit_staff)
    assert client.get(reverse("roster:person_edit", args=[recruit.pk])).status_code == 404


def test_admin_of_another_union_gets_404(client, other_union, recruit):
    outsider = UserFactory(unit=other_union, role=Role.ADMIN)
    client.force_login(outsider)
    for name in ["roster:person_edit", "roster:person_invite", "roster:person_anonymise", "roster:person_history"]:
        assert client.get(reverse(name, args=[recruit.pk])).status_code == 404, name


def test_status_change_needs_a_reason_and_is_recorded(client, unit_admin, recruit):
    client.force_login(unit_admin)
    url = reverse("roster:person_status", args=[recruit.pk])
    client.post(url, {"to_status": "active", "effective_date": "2026-01-05", "reason": ""})
    recruit.profile.refresh_from_db()
    assert recruit.profile.status == "active"
    client.post(url, {"to_status": "suspended", "effective_date": "2026-02-01", "reason": ""})
    recruit.profile.refresh_from_db()
    assert recruit.profile.status == "active"  # refused: no reason
    client.post(url, {"to_status": "suspended", "effective_date": "2026-02-01", "reason": "Nghỉ thai sản"})
    recruit.profile.refresh_from_db()
    assert recruit.profile.status == "suspended"
    change = recruit.status_changes.first()
    assert (change.from_status, change.to_status, change.reason, change.changed_by) == (
        "active",
        "suspended",
        "Nghỉ thai sản",
        unit_admin,
    )


def test_impossible_transition_is_refused(unit_admin, recruit):
    services.person_change_status(actor=unit_admin, user=recruit, to_status="active")
    services.person_change_status(actor=unit_admin, user=recruit, to_status="dismissed", reason="Vi phạm")
    with pytest.raises(ValidationError):
        services.person_change_status(actor=unit_admin, user=recruit, to_status="active")


# --- decisions ---------------------------------------------------------------------


def test_applying_a_recognition_decision_activates_its_people_once(client, unit_admin, union, recruit):
    client.force_login(unit_admin)
    response = client.post(
        reverse("roster:decision_create"),
        {
            "unit": union.pk,
            "number": "12/QĐ-CĐ",
            "issued_on": "2026-03-01",
            "signer": "Nguyễn Văn Chủ tịch",
            "kind": DecisionKind.RECOGNISE,
            "term_end": "2028-03-01",
            "people": [recruit.pk],
        },
    )
    decision = recruit.decisions.get()
    assert response.status_code == 302
    client.post(reverse("roster:decision_apply", args=[decision.pk]))
    client.post(reverse("roster:decision_apply", args=[decision.pk]))  # a double click
    recruit.profile.refresh_from_db()
    assert recruit.profile.status == "active"
    assert recruit.profile.recognition_decision == decision
    assert recruit.status_changes.count() == 1
    assert "12/QĐ-CĐ" in client.get(reverse("roster:person_detail", args=[recruit.pk])).content.decode()


def test_decision_cannot_cover_people_outside_the_issuing_unit(unit_admin, union, other_collaborator):
    with pytest.raises(ValidationError):
        services.decision_create(
            actor=unit_admin,
            unit=union,
            number="1",
            issued_on=date(2026, 1, 1),
            signer="X",
            kind=DecisionKind.RECOGNISE,
            people=[other_collaborator],
        )


def test_decisions_are_scoped(client, unit_admin, union, recruit, other_staff):
    decision = services.decision_create(
        actor=unit_admin,
        unit=union,
        number="5/QĐ",
        issued_on=date(2026, 1, 1),
        signer="X",
        kind=DecisionKind.RECOGNISE,
        people=[recruit],
    )
    client.force_login(other_staff)
    assert client.get(reverse("roster:decision_detail", args=[decision.pk])).status_code == 404
    assert "5/QĐ" not in client.get(reverse("roster:decision_list")).content.decode()


# --- invitations and activation ----------------------------------------------------


def test_email_invitation_goes_through_the_outbox_and_activates(
    client, unit_admin, recruit, django_capture_on_commit_callbacks
):
    client.force_login(unit_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster:person_invite", args=[recruit.pk]), {"channel": "email"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["duc@example.org"]
    link = re.search(r"https?://\S+(/accounts/activate/\S+/)", mail.outbox[0].body).group(1)
    client.logout()
    page = client.get(link).content.decode()
    assert "xử lý dữ liệu cá nhân" in page
    refused = client.post(link, {"new_password1": "mat-khau-moi-2026", "new_password2": "mat-khau-moi-2026"})
    assert refused.status_code == 200  # consent not ticked
    response = client.post(
        link, {"new_password1": "mat-khau-moi-2026", "new_password2": "mat-khau-moi-2026", "consent": "on"}
    )
    assert response.status_code == 302
    recruit.refresh_from_db()
    assert recruit.is_active and recruit.check_password("mat-khau-moi-2026")
    assert recruit.profile.consent_version == "2025-10" and recruit.profile.has_consent
    client.logout()
    assert client.get(link).status_code == 400  # used once


def test_printed_code_activates_and_wrong_codes_revoke_it(client, unit_admin, recruit):
    invitation, code = services.invitation_create(actor=unit_admin, user=recruit, channel="code")
    assert invitation.code_hash and code.replace("-", "") not in invitation.code_hash
    url = reverse("activate_code")
    page = client.post(url, {"username": recruit.username, "code": "AAAA-AAAA"}).content.decode()
    assert "mã" in page.lower()
    response = client.post(url, {"username": "0912345678", "code": code.lower()})
    assert response.status_code == 302
    response = client.post(
        url, {"new_password1": "mat-khau-moi-2026", "new_password2": "mat-khau-moi-2026", "consent": "on"}
    )
    assert response.status_code == 302
    recruit.refresh_from_db()
    assert recruit.is_active


def test_five_wrong_codes_revoke_the_invitation(unit_admin, recruit):
    invitation, code = services.invitation_create(actor=unit_admin, user=recruit, channel="code")
    for _ in range(services.CODE_MAX_ATTEMPTS):
        assert services.invitation_from_code(username=recruit.username, code="ZZZZZZZZ") is None
    assert services.invitation_from_code(username=recruit.username, code=code) is None
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_new_invitation_revokes_the_previous_one(unit_admin, recruit):
    first, _ = services.invitation_create(actor=unit_admin, user=recruit, channel="code")
    services.invitation_create(actor=unit_admin, user=recruit, channel="code")
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert Invitation.objects.filter(user=recruit, revoked_at__isnull=True).count() == 1


# --- personal data -----------------------------------------------------------------


def test_person_downloads_their_own_data(client, collaborator):
    client.force_login(collaborator)
    response = client.get(reverse("roster:my_data"))
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["account"]["full_name"] == collaborator.full_name


def test_withdrawn_consent_shows_to_staff(client, collaborator, unit_staff):
    services.consent_give(user=collaborator, version="2025-10")
    client.force_login(collaborator)
    client.post(reverse("roster:consent_withdraw"))
    client.force_login(unit_staff)
    page = client.get(reverse("roster:person_detail", args=[collaborator.pk])).content.decode()
    assert 'data-testid="consent-withdrawn"' in page


def test_anonymising_erases_personal_data_everywhere(client, unit_admin, recruit):
    services.person_change_status(actor=unit_admin, user=recruit, to_status="active")
    services.person_change_status(actor=unit_admin, user=recruit, to_status="left", reason="Chuyển công tác")
    client.force_login(unit_admin)
    url = reverse("roster:person_anonymise", args=[recruit.pk])
    client.post(url, {"understood": "on", "confirm_text": "nope"})
    recruit.refresh_from_db()
    assert recruit.full_name == "Nguyễn Văn Đức"  # not confirmed twice
    client.post(url, {"understood": "on", "confirm_text": "XÓA"})
    recruit.refresh_from_db()
    assert recruit.full_name == f"#{recruit.pk}" and recruit.phone == "" and recruit.email == ""
    assert recruit.profile.birth_year is None and recruit.profile.anonymised_at
    assert not recruit.history.filter(full_name="Nguyễn Văn Đức").exists()
    assert not recruit.history.filter(phone="0912345678").exists()
    assert not recruit.status_changes.exclude(reason="").exists()


def test_an_active_person_cannot_be_anonymised(unit_admin, recruit):
    with pytest.raises(ValidationError):
        services.person_anonymise(actor=unit_admin, user=recruit)


def test_history_page_shows_who_changed_what(client, unit_admin, recruit):
    client.force_login(unit_admin)
    client.post(
        reverse("roster:person_edit", args=[recruit.pk]),
        {
            "full_name": "Nguyễn Văn Đức",
            "unit": recruit.unit.pk,
            "role": "collaborator",
            "phone": "0987654321",
            "position": "briefer",
        },
    )
    page = client.get(reverse("roster:person_history", args=[recruit.pk])).content.decode()
    assert "0987654321" in page and unit_admin.full_name in page


def test_unit_filter_lists_two_levels_but_accepts_any_unit_in_scope(client, city, union, grassroots, collaborator):
    city_staff = UserFactory(unit=city, role=Role.STAFF)
    client.force_login(city_staff)
    html = client.get(reverse("roster:person_list")).content.decode()
    form_html = html.split("<table")[0]
    assert f'value="{union.pk}"' in form_html
    assert f'value="{grassroots.pk}"' not in form_html  # too deep to list
    response = client.get(reverse("roster:person_list"), {"unit": grassroots.pk})
    assert not response.context["filter"].errors
    assert collaborator.full_name in response.content.decode()
    assert f'value="{grassroots.pk}" selected' in response.content.decode().split("<table")[0]
