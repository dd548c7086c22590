"""Tracked rumours: linking reports as sightings, counts and units, "heard this too",
verification with a resolution note, suggestions, the rumour pages per role."""

import uuid
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from collaborators.models import Role
from core import fragments
from reports.models import EventKind, Report, ReportKind, Rumour, Verification
from reports.selectors import rumour_suggestions
from reports.services import report_save, rumour_create, rumour_link, rumour_verify
from tests.clock import frozen_clock
from tests.factories import UserFactory
from tests.reports.conftest import make_report, report_data

pytestmark = pytest.mark.django_db
_clock = frozen_clock()  # the tests build their dates from "now"

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def vi(msgid: str) -> str:
    with translation.override("vi"):
        return gettext(msgid)


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def rumour_report(author, title="Tin đồn công ty cắt giảm công nhân", **fields):
    return make_report(author, kind=ReportKind.RUMOUR, title=title, **fields)


# --- linking -------------------------------------------------------------------------------------


def test_staff_start_tracking_a_rumour_from_a_report(client, unit_staff, union, rumour_report):
    client.force_login(unit_staff)
    response = client.post(
        reverse("reports:link_rumour", args=[rumour_report.pk]), {"rumour-new_title": "Cắt giảm một nửa công nhân"}
    )
    assert response.status_code == 302
    rumour = Rumour.objects.get()
    rumour_report.refresh_from_db()
    assert rumour_report.rumour == rumour
    assert rumour.title == "Cắt giảm một nửa công nhân"
    assert rumour.sighting_count == 1
    assert rumour.first_seen_at == rumour.last_seen_at == rumour_report.submitted_at
    assert list(rumour.listed_units.all()) == [union]
    assert rumour_report.events.get(kind=EventKind.RUMOUR_LINKED).internal


def test_linking_more_reports_counts_sightings_first_last_seen_and_units(
    client, unit_staff, collaborator, union, grassroots, tracked_rumour
):
    other_grassroots_collab = UserFactory(unit=union, role=Role.COLLABORATOR)
    second = rumour_report(other_grassroots_collab, title="Nghe nói sắp cắt giảm")
    Report.objects.filter(pk=second.pk).update(submitted_at=timezone.now() + timedelta(hours=2))
    client.force_login(unit_staff)
    client.post(reverse("reports:link_rumour", args=[second.pk]), {"rumour-rumour": tracked_rumour.pk})
    tracked_rumour.refresh_from_db()
    second.refresh_from_db()
    first = tracked_rumour.sightings.exclude(pk=second.pk).get()
    assert tracked_rumour.sighting_count == 2
    assert tracked_rumour.first_seen_at == first.submitted_at
    assert tracked_rumour.last_seen_at == second.submitted_at

    response = client.get(reverse("reports:rumour_detail", args=[tracked_rumour.pk]))
    assert {row["unit__name"] for row in response.context["units_seen"]} == {grassroots.name, union.name}
    listed = client.get(reverse("reports:rumour_list")).context["page"][0]
    assert listed.units_seen == sorted([grassroots.name, union.name])


def test_heard_this_too_from_a_collaborator_counts_as_a_sighting(collaborator, tracked_rumour):
    report, _ = report_save(
        author=collaborator,
        token=uuid.uuid4(),
        data=report_data(kind=ReportKind.RUMOUR, title="Tôi cũng nghe vậy", rumour=tracked_rumour),
        submit=True,
    )
    tracked_rumour.refresh_from_db()
    assert report.rumour == tracked_rumour
    assert tracked_rumour.sighting_count == 2
    assert tracked_rumour.last_seen_at == report.submitted_at


def test_a_draft_heard_this_too_is_not_yet_a_sighting(collaborator, tracked_rumour):
    report_save(
        author=collaborator,
        token=uuid.uuid4(),
        data=report_data(kind=ReportKind.RUMOUR, title="Nháp", rumour=tracked_rumour),
        submit=False,
    )
    tracked_rumour.refresh_from_db()
    assert tracked_rumour.sighting_count == 1


def test_only_a_rumour_report_can_be_linked(client, unit_staff, submitted_report, tracked_rumour):
    client.force_login(unit_staff)
    response = client.post(
        reverse("reports:link_rumour", args=[submitted_report.pk]), {"rumour-rumour": tracked_rumour.pk}
    )
    assert vi("Only a rumour report can be linked to a tracked rumour.") in message_texts(response)
    submitted_report.refresh_from_db()
    assert submitted_report.rumour is None


def test_linking_needs_exactly_one_choice(client, unit_staff, rumour_report, tracked_rumour):
    client.force_login(unit_staff)
    url = reverse("reports:link_rumour", args=[rumour_report.pk])
    assert message_texts(client.post(url, {}))
    assert message_texts(client.post(url, {"rumour-rumour": tracked_rumour.pk, "rumour-new_title": "Mới"}))
    assert Rumour.objects.count() == 1


def test_a_rumour_out_of_scope_cannot_be_linked(client, unit_staff, rumour_report, other_staff, other_collaborator):
    foreign = rumour_create(actor=other_staff, title="Tin đồn ở phường khác")
    rumour_link(actor=other_staff, report=rumour_report_of(other_collaborator), rumour=foreign)
    client.force_login(unit_staff)
    response = client.post(reverse("reports:link_rumour", args=[rumour_report.pk]), {"rumour-rumour": foreign.pk})
    assert message_texts(response)
    rumour_report.refresh_from_db()
    assert rumour_report.rumour is None


def rumour_report_of(author):
    return rumour_report(author, title="Tin đồn bên kia")


# --- suggestions ---------------------------------------------------------------------------------


def test_suggestions_rank_the_similar_rumour_first_ignoring_diacritics(unit_staff):
    rumour_create(actor=unit_staff, title="Giá xăng sẽ tăng mạnh từ tháng sau")
    same = rumour_create(actor=unit_staff, title="Công ty cắt giảm một nửa công nhân sau Tết")
    rumour_create(actor=unit_staff, title="Lương tối thiểu vùng tăng 7%")
    found = rumour_suggestions(user=unit_staff, text="nghe noi cong ty cat giam mot nua cong nhan")
    assert found[0] == same


def test_the_report_page_offers_the_similar_rumour_first(client, unit_staff, collaborator):
    rumour_create(actor=unit_staff, title="Giá xăng sẽ tăng mạnh")
    same = rumour_create(actor=unit_staff, title="Cong ty cat giam mot nua cong nhan")
    report = rumour_report(collaborator, title="Công ty cắt giảm một nửa công nhân", content="Nghe ở nhà ăn ca.")
    client.force_login(unit_staff)
    form = client.get(reverse("reports:detail", args=[report.pk])).context["rumour_form"]
    assert next(iter(form.fields["rumour"].choices))[0] == same.pk
    searched = client.get(reverse("reports:detail", args=[report.pk]), {"rumour_q": "gia xang"}).context["rumour_form"]
    assert next(iter(searched.fields["rumour"].choices))[1] == "Giá xăng sẽ tăng mạnh"


def test_suggestions_never_offer_another_unions_rumour(unit_staff, other_staff):
    rumour_create(actor=other_staff, title="Công ty cắt giảm một nửa công nhân")
    assert rumour_suggestions(user=unit_staff, text="Công ty cắt giảm một nửa công nhân") == []


# --- verification --------------------------------------------------------------------------------


def test_verification_requires_a_resolution_note(client, unit_staff, tracked_rumour):
    client.force_login(unit_staff)
    url = reverse("reports:rumour_verify", args=[tracked_rumour.pk])
    refused = client.post(url, {"verification": Verification.FALSE, "note": "  "})
    assert vi("Write the resolution note: what was checked and what is the truth.") in message_texts(refused)
    tracked_rumour.refresh_from_db()
    assert tracked_rumour.verification == Verification.UNVERIFIED

    client.post(url, {"verification": Verification.FALSE, "note": "Công ty đã xác nhận không cắt giảm."})
    tracked_rumour.refresh_from_db()
    assert tracked_rumour.verification == Verification.FALSE
    assert tracked_rumour.resolution_note == "Công ty đã xác nhận không cắt giảm."
    assert tracked_rumour.verified_by == unit_staff
    sighting = tracked_rumour.sightings.get()
    assert sighting.verification == Verification.FALSE
    assert sighting.events.filter(kind=EventKind.VERIFIED, internal=False).exists()


def test_verification_is_for_staff_in_scope(client, collaborator, other_staff, tracked_rumour):
    data = {"verification": Verification.TRUE, "note": "Đúng"}
    client.force_login(collaborator)
    assert client.post(reverse("reports:rumour_verify", args=[tracked_rumour.pk]), data).status_code == 404
    client.force_login(other_staff)
    assert client.post(reverse("reports:rumour_verify", args=[tracked_rumour.pk]), data).status_code == 404
    tracked_rumour.refresh_from_db()
    assert tracked_rumour.verification == Verification.UNVERIFIED


# --- pages ---------------------------------------------------------------------------------------


def test_the_rumour_list_shows_rumours_in_scope_with_their_figures(client, unit_staff, other_staff, tracked_rumour):
    rumour_create(actor=other_staff, title="Tin đồn bên phường khác")
    client.force_login(unit_staff)
    response = client.get(reverse("reports:rumour_list"))
    rows = list(response.context["page"])
    assert [r.title for r in rows] == [tracked_rumour.title]
    assert rows[0].sighting_count == 1
    client.force_login(other_staff)
    titles = [r.title for r in client.get(reverse("reports:rumour_list")).context["page"]]
    assert titles == ["Tin đồn bên phường khác"]


def test_the_rumour_list_filters_by_verification_and_folded_search(client, unit_staff, tracked_rumour):
    other = rumour_create(actor=unit_staff, title="Giá điện tăng gấp đôi")
    rumour_verify(actor=unit_staff, rumour=other, verification=Verification.FALSE, note="EVN bác bỏ")
    client.force_login(unit_staff)

    def titles(**params):
        return [r.title for r in client.get(reverse("reports:rumour_list"), params).context["page"]]

    assert titles(verification="false") == ["Giá điện tăng gấp đôi"]
    assert titles(q="gia dien") == ["Giá điện tăng gấp đôi"]
    assert titles(q="CAT GIAM") == [tracked_rumour.title]


def test_the_rumour_list_query_count_does_not_grow(client, unit_staff, collaborator):
    def add(n):
        for i in range(n):
            rumour = rumour_create(actor=unit_staff, title=f"Tin đồn số {i} {uuid.uuid4().hex[:6]}")
            rumour_link(actor=unit_staff, report=rumour_report(collaborator, title=f"Sighting {i}"), rumour=rumour)

    add(5)
    client.force_login(unit_staff)
    url = reverse("reports:rumour_list")
    client.get(url)
    fragments.bump(fragments.FIGURES)  # measured without the cached sightings per unit
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(45)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"]) == 50
    assert len(many) == len(few) <= 10


def test_staff_read_the_rumours_page_with_sightings_and_history(client, unit_staff, tracked_rumour):
    rumour_verify(actor=unit_staff, rumour=tracked_rumour, verification=Verification.CORRECTED, note="Đã cải chính")
    client.force_login(unit_staff)
    response = client.get(reverse("reports:rumour_detail", args=[tracked_rumour.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="verify-form"' in page
    assert len(response.context["sightings"]) == 1
    assert len(response.context["entries"]) == 2  # created, then verified
    changes = {str(c["field"]) for c in response.context["entries"][0]["changes"]}
    assert str(Rumour._meta.get_field("verification").verbose_name) in changes


def test_a_collaborator_sees_a_rumour_listed_for_their_unit_without_other_units_sightings(
    client, collaborator, union, unit_staff, tracked_rumour
):
    neighbour = UserFactory(unit=union, role=Role.COLLABORATOR)
    theirs = rumour_report(neighbour, title="Báo cáo của người khác")
    rumour_link(actor=unit_staff, report=theirs, rumour=tracked_rumour)
    client.force_login(collaborator)
    listed = [r.title for r in client.get(reverse("reports:rumour_list")).context["page"]]
    assert listed == [tracked_rumour.title]
    response = client.get(reverse("reports:rumour_detail", args=[tracked_rumour.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Báo cáo của người khác" not in page
    assert union.name not in page  # no units seen in
    assert 'data-testid="verify-form"' not in page
    assert [r.author_id for r in response.context["sightings"]] == [collaborator.pk]


def test_people_of_another_union_get_404_on_a_rumour(client, other_staff, other_collaborator, tracked_rumour):
    for person in (other_staff, other_collaborator):
        client.force_login(person)
        assert client.get(reverse("reports:rumour_detail", args=[tracked_rumour.pk])).status_code == 404


def test_hostile_text_is_escaped_on_the_rumour_pages(client, unit_staff, collaborator):
    report = rumour_report(collaborator, title=XSS, content=XSS)
    rumour = rumour_create(actor=unit_staff, title=XSS, summary=XSS, report=report)
    rumour_verify(actor=unit_staff, rumour=rumour, verification=Verification.TRUE, note=XSS)
    client.force_login(unit_staff)
    for url in (reverse("reports:rumour_list"), reverse("reports:rumour_detail", args=[rumour.pk])):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;" in page
