"""Guidance notes: sanitised bodies, scope of targeting, who sees what, reading and acknowledging,
reach per unit, the library search and its query counts."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from collaborators.models import Role
from guidance.models import GuidanceNote, NoteStatus, Receipt
from guidance.selectors import reach
from guidance.services import guidance_acknowledge, guidance_save, sanitise
from notifications.models import Notification
from tests.factories import UnitFactory, UserFactory
from tests.guidance.conftest import make_note, note_data

pytestmark = pytest.mark.django_db

XSS = (
    '<p>Tin chính thức</p><script>alert("x")</script><img src=x onerror=alert(1)>'
    '<a href="javascript:alert(2)">bấm</a><a href="https://example.org" onclick="evil()">nguồn</a>'
)


# --- sanitising ------------------------------------------------------------------------------------


def test_sanitise_removes_scripts_handlers_and_javascript_links():
    clean = sanitise(XSS)
    assert "<script" not in clean
    assert 'alert("x")' not in clean
    assert "onerror" not in clean
    assert "onclick" not in clean
    assert "javascript:" not in clean
    assert "<p>Tin chính thức</p>" in clean
    assert 'href="https://example.org"' in clean


def test_the_body_is_kept_as_typed_and_rendered_clean(client, unit_staff, union, collaborator):
    note = make_note(unit_staff, targets=[union], body=XSS)
    note.refresh_from_db()
    assert note.body == XSS  # the text as typed, so editing it shows what was written
    assert "<script" not in note.body_html and "onerror" not in note.body_html
    assert "javascript:" not in note.body_html
    assert "javascript:" not in note.links
    client.force_login(collaborator)
    page = client.get(reverse("guidance:detail", args=[note.pk])).content.decode()
    assert "<p>Tin chính thức</p>" in page
    assert "<script>alert" not in page
    assert "onerror=" not in page
    assert "javascript:alert" not in page


def test_the_form_saves_a_sanitised_draft(client, unit_staff, union):
    client.force_login(unit_staff)
    response = client.post(reverse("guidance:new"), {"title": "Định hướng", "body": XSS, "target_units": [union.pk]})
    assert response.status_code == 302
    note = GuidanceNote.objects.get()
    assert note.status == NoteStatus.DRAFT
    assert note.author_unit == union
    assert "<script" not in note.body_html and "onerror" not in note.body_html


# --- scope of targeting ------------------------------------------------------------------------------


def test_targeting_a_unit_outside_the_authors_scope_is_refused(unit_staff, other_union, city, english):
    for unit in (other_union, city):
        with pytest.raises(ValidationError) as error:
            guidance_save(author=unit_staff, data=note_data(target_units=[unit]))
        assert "scope" in " ".join(error.value.messages)
    assert not GuidanceNote.objects.exists()


def test_the_form_refuses_an_out_of_scope_unit_with_a_clear_message(client, unit_staff, other_union, english):
    client.force_login(unit_staff)
    response = client.post(
        reverse("guidance:new"), {"title": "Định hướng", "body": "<p>x</p>", "target_units": [other_union.pk]}
    )
    assert response.status_code == 200
    assert "You can only send guidance to units in your own scope." in response.content.decode()
    assert not GuidanceNote.objects.exists()


def test_collaborators_cannot_write_guidance(client, collaborator, grassroots):
    client.force_login(collaborator)
    assert client.get(reverse("guidance:new")).status_code == 404
    with pytest.raises(ValidationError):
        guidance_save(author=collaborator, data=note_data(target_units=[grassroots]))


# --- publishing notifies the targets ------------------------------------------------------------------


def test_publishing_notifies_the_targeted_collaborators_only(unit_staff, union, collaborator, other_collaborator):
    note = make_note(unit_staff, targets=[union])
    recipients = set(Notification.objects.filter(kind="guidance").values_list("recipient", flat=True))
    assert recipients == {collaborator.pk}
    assert Notification.objects.get(kind="guidance").link == reverse("guidance:detail", args=[note.pk])


def test_publishing_twice_notifies_once(unit_staff, union, collaborator):
    from guidance.services import guidance_publish

    note = make_note(unit_staff, targets=[union])
    guidance_publish(actor=unit_staff, note=note)
    assert Notification.objects.filter(kind="guidance").count() == 1


# --- three actors on every view ---------------------------------------------------------------------


def test_detail_for_author_staff_targeted_collaborator_and_outsiders(
    client, note, unit_staff, federation_admin, collaborator, other_collaborator, other_staff
):
    url = reverse("guidance:detail", args=[note.pk])
    for person in (unit_staff, federation_admin, collaborator):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200, person
        assert note.title in response.content.decode()
    for person in (other_collaborator, other_staff):
        client.force_login(person)
        assert client.get(url).status_code == 404, person


def test_drafts_are_hidden_from_collaborators(client, draft_note, collaborator, unit_staff):
    client.force_login(collaborator)
    assert client.get(reverse("guidance:detail", args=[draft_note.pk])).status_code == 404
    client.force_login(unit_staff)
    assert client.get(reverse("guidance:detail", args=[draft_note.pk])).status_code == 200


def test_collaborator_sees_guidance_for_their_unit_or_above_only(
    federation_admin, unit_staff, city, union, grassroots, collaborator
):
    sibling = UnitFactory(parent=union, code="WARD-A-02")
    above = make_note(federation_admin, targets=[city], title="Toàn thành phố")
    own = make_note(unit_staff, targets=[grassroots], title="Cơ sở")
    elsewhere = make_note(unit_staff, targets=[sibling], title="Đơn vị khác")
    visible = set(GuidanceNote.objects.visible_to(collaborator))
    assert visible == {above, own}
    assert elsewhere not in visible


def test_edit_publish_and_effect_pages_per_actor(client, draft_note, unit_staff, collaborator, other_staff):
    edit = reverse("guidance:edit", args=[draft_note.pk])
    publish = reverse("guidance:publish", args=[draft_note.pk])
    effect = reverse("guidance:effect", args=[draft_note.pk])
    client.force_login(other_staff)
    assert client.get(edit).status_code == 404
    assert client.post(publish).status_code == 404
    assert client.get(effect).status_code == 404
    client.force_login(collaborator)
    assert client.get(edit).status_code == 404
    assert client.post(publish).status_code == 404
    client.force_login(unit_staff)
    assert client.get(edit).status_code == 200
    assert client.post(publish).status_code == 302
    draft_note.refresh_from_db()
    assert draft_note.status == NoteStatus.PUBLISHED
    assert client.get(effect).status_code == 200


def test_acknowledge_view_per_actor(client, note, collaborator, other_collaborator):
    url = reverse("guidance:acknowledge", args=[note.pk])
    client.force_login(other_collaborator)
    assert client.post(url).status_code == 404
    client.force_login(collaborator)
    assert client.post(url).status_code == 302
    assert Receipt.objects.get(note=note, person=collaborator).acknowledged_at is not None


# --- read and acknowledge ---------------------------------------------------------------------------


def test_opening_a_note_records_the_reading(client, note, collaborator):
    client.force_login(collaborator)
    client.get(reverse("guidance:detail", args=[note.pk]))
    receipt = Receipt.objects.get(note=note, person=collaborator)
    assert receipt.read_at is not None
    assert receipt.acknowledged_at is None


def test_acknowledging_is_idempotent(client, note, collaborator):
    first = guidance_acknowledge(note=note, person=collaborator)
    second = guidance_acknowledge(note=note, person=collaborator)
    assert Receipt.objects.filter(note=note, person=collaborator).count() == 1
    assert first.acknowledged_at == second.acknowledged_at
    client.force_login(collaborator)
    client.post(reverse("guidance:acknowledge", args=[note.pk]))
    client.post(reverse("guidance:acknowledge", args=[note.pk]))
    assert Receipt.objects.get(note=note, person=collaborator).acknowledged_at == first.acknowledged_at
    page = client.get(reverse("guidance:detail", args=[note.pk])).content.decode()
    assert 'data-testid="acknowledged"' in page


def test_reach_per_unit_counts_targeted_read_and_acknowledged(client, unit_staff, union, grassroots, collaborator):
    second = UserFactory(unit=grassroots, role=Role.COLLABORATOR)
    in_union = UserFactory(unit=union, role=Role.COLLABORATOR)
    note = make_note(unit_staff, targets=[union])
    guidance_acknowledge(note=note, person=collaborator)
    client.force_login(second)
    client.get(reverse("guidance:detail", args=[note.pk]))
    rows = {row["unit"]: row for row in reach(note)}
    assert rows[grassroots.name] == {"unit": grassroots.name, "targeted": 2, "read": 2, "acknowledged": 1}
    assert rows[union.name] == {"unit": union.name, "targeted": 1, "read": 0, "acknowledged": 0}
    assert in_union.pk
    client.force_login(unit_staff)
    page = client.get(reverse("guidance:detail", args=[note.pk])).content.decode()
    assert page.count('data-testid="reach-row"') == 2


# --- the library ----------------------------------------------------------------------------------


def test_library_search_ignores_diacritics(client, unit_staff, union, collaborator):
    make_note(unit_staff, targets=[union], title="Lương tháng 13 và thưởng Tết")
    make_note(unit_staff, targets=[union], title="An toàn lao động")
    client.force_login(collaborator)
    page = client.get(reverse("guidance:list"), {"q": "luong thuong"}).content.decode()
    assert "Lương tháng 13" in page
    assert "An toàn lao động" not in page


def test_library_shows_unread_first_for_collaborators(client, unit_staff, union, collaborator):
    older = make_note(unit_staff, targets=[union], title="Ghi chú cũ chưa đọc")
    newer = make_note(unit_staff, targets=[union], title="Ghi chú mới đã đọc")
    guidance_acknowledge(note=newer, person=collaborator)
    client.force_login(collaborator)
    page = client.get(reverse("guidance:list")).content.decode()
    assert page.index(older.title) < page.index(newer.title)


@pytest.mark.parametrize("actor", ["collaborator", "unit_staff"])
def test_library_query_count_does_not_grow(client, request, unit_staff, union, actor, django_assert_max_num_queries):
    person = request.getfixturevalue(actor)
    client.force_login(person)
    make_note(unit_staff, targets=[union])
    with django_assert_max_num_queries(12):
        client.get(reverse("guidance:list"))
    for i in range(15):
        make_note(unit_staff, targets=[union], title=f"Ghi chú {i}")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("guidance:list"))
    assert response.content.decode().count('data-testid="note-row"') == 16


def test_the_home_page_lists_the_collaborators_unread_guidance(client, unit_staff, union, collaborator):
    read = make_note(unit_staff, targets=[union], title="Đã đọc rồi")
    unread = make_note(unit_staff, targets=[union], title="Chưa đọc")
    guidance_acknowledge(note=read, person=collaborator)
    client.force_login(collaborator)
    response = client.get(reverse("home"))
    assert response.context["unread_guidance"] == [unread]
    html = response.content.decode().split('data-testid="unread-guidance"')[1].split("</section>")[0]
    assert unread.title in html
    assert read.title not in html


def test_a_federation_draft_stays_with_its_authors(client, federation_admin, union, unit_staff):
    draft = make_note(federation_admin, targets=[union], publish=False)
    assert draft not in GuidanceNote.objects.visible_to(unit_staff)
    assert draft in GuidanceNote.objects.visible_to(federation_admin)
    client.force_login(unit_staff)
    assert client.get(reverse("guidance:detail", args=[draft.pk])).status_code == 404
