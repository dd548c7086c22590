"""Reports through the API: idempotent sending, scope, token scopes, review, errors in Vietnamese or English."""

import pytest
from django.urls import reverse

from reports.models import Report, ReportEvent, ReportStatus
from tests.api.conftest import ALL_SCOPES, api_client, token_for
from tests.reports.conftest import make_report

pytestmark = pytest.mark.django_db

NEW = reverse("api:reports")


def report_body(topic, **fields):
    body = {
        "kind": "opinion",
        "topic": topic.pk,
        "title": "Công nhân lo về lương tháng 13",
        "content": "Nhiều người mong được giải thích rõ chính sách mới.",
    }
    body.update(fields)
    return body


def post(client, url, body, **headers):
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return client.post(url, body, content_type="application/json", **extra)


def test_a_report_sent_twice_with_one_key_exists_once(collaborator, topic):
    client = api_client(token_for(collaborator, ["read", "submit"]))
    first = post(client, NEW, report_body(topic), idempotency_key="phone-42")
    second = post(client, NEW, report_body(topic, title="Sửa lại"), idempotency_key="phone-42")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    report = Report.objects.get(author=collaborator)
    assert report.status == ReportStatus.SUBMITTED
    assert report.title == "Công nhân lo về lương tháng 13"  # the resend changed nothing
    assert ReportEvent.objects.filter(report=report, kind="submitted").count() == 1
    third = post(client, NEW, report_body(topic), idempotency_key="phone-43")
    assert third.status_code == 201 and Report.objects.filter(author=collaborator).count() == 2


def test_the_same_key_of_two_people_names_two_reports(collaborator, other_collaborator, topic):
    for person in (collaborator, other_collaborator):
        response = post(api_client(token_for(person, ALL_SCOPES)), NEW, report_body(topic), idempotency_key="k1")
        assert response.status_code == 201
    assert Report.objects.filter(author__in=[collaborator, other_collaborator]).count() == 2


def test_a_report_without_an_idempotency_key_is_refused(collaborator, topic):
    response = post(api_client(token_for(collaborator, ALL_SCOPES)), NEW, report_body(topic))
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Report.objects.exists()


def test_a_read_scope_token_cannot_submit(collaborator, topic):
    response = post(api_client(token_for(collaborator, ["read"])), NEW, report_body(topic), idempotency_key="a")
    assert response.status_code == 403
    assert "submit" in response.json()["detail"]
    assert not Report.objects.exists()


def test_a_draft_can_be_kept_and_sent_later_with_the_same_key(collaborator, topic):
    client = api_client(token_for(collaborator, ALL_SCOPES))
    draft = post(client, NEW, {"title": "Nháp", "send": False}, idempotency_key="d1")
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    sent = post(client, NEW, report_body(topic), idempotency_key="d1")
    assert sent.status_code == 200 and sent.json()["status"] == "submitted"
    assert Report.objects.get().pk == draft.json()["id"]


def test_bad_input_is_a_400_with_field_errors_in_vietnamese(collaborator, topic):
    client = api_client(token_for(collaborator, ALL_SCOPES))
    response = post(client, NEW, {"kind": "gossip", "observed_on": "2999-01-01"}, idempotency_key="x")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"kind"}
    assert response["Content-Language"] == "vi"
    assert "không phải là lựa chọn hợp lệ" in errors["kind"][0]


def test_the_report_forms_rules_apply_and_answer_in_english_on_request(collaborator, topic):
    client = api_client(token_for(collaborator, ALL_SCOPES), accept_language="en")
    response = post(client, NEW, report_body(topic, observed_on="2999-01-01"), idempotency_key="x")
    assert response.status_code == 400
    assert response["Content-Language"] == "en"
    assert response.json() == {"observed_on": ["The date observed cannot be in the future."]}
    incomplete = post(client, NEW, {"kind": "opinion"}, idempotency_key="y")
    assert incomplete.status_code == 400
    assert "Fill in before sending" in incomplete.json()["non_field_errors"][0]
    assert not Report.objects.exists()


def test_staff_cannot_send_reports(unit_staff, topic):
    response = post(api_client(token_for(unit_staff, ALL_SCOPES)), NEW, report_body(topic), idempotency_key="s")
    assert response.status_code == 403 and not Report.objects.exists()


def test_another_unions_report_answers_404_as_a_missing_one(collaborator, unit_staff, other_staff, topic):
    report = make_report(collaborator)
    url = reverse("api:report", args=[report.pk])
    assert api_client(token_for(unit_staff)).get(url).status_code == 200
    other = api_client(token_for(other_staff, ALL_SCOPES))
    assert other.get(url).status_code == 404
    assert other.get(reverse("api:report", args=[999999999])).status_code == 404
    accept = post(other, reverse("api:report_accept", args=[report.pk]), {"note": "ok"})
    assert accept.status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    listing = other.get(NEW, {"status": ""}).json()
    assert listing["results"] == []


def test_staff_review_with_a_review_token_and_the_services_rules(collaborator, unit_staff):
    report = make_report(collaborator)
    reviewer = api_client(token_for(unit_staff, ["read", "review"]))
    empty = post(reviewer, reverse("api:report_return", args=[report.pk]), {"reason": " "})
    assert empty.status_code == 400 and empty.json()["non_field_errors"]
    accepted = post(reviewer, reverse("api:report_accept", args=[report.pk]), {"note": "Tốt"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.assignee == unit_staff
    again = post(reviewer, reverse("api:report_reject", args=[report.pk]), {"reason": "Không"})
    assert again.status_code == 400


def test_a_token_without_review_scope_cannot_review(collaborator, unit_staff):
    report = make_report(collaborator)
    response = post(
        api_client(token_for(unit_staff, ["read", "submit"])), reverse("api:report_accept", args=[report.pk]), {}
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_collaborators_cannot_review_even_their_own_report(collaborator):
    report = make_report(collaborator)
    client = api_client(token_for(collaborator, ALL_SCOPES))
    assert post(client, reverse("api:report_accept", args=[report.pk]), {}).status_code == 404


def test_the_list_uses_the_queues_filters_and_a_bad_filter_is_a_400(collaborator, unit_staff, topic):
    urgent = make_report(collaborator, urgent=True, title="Khẩn")
    make_report(collaborator, title="Thường")
    client = api_client(token_for(unit_staff))
    rows = client.get(NEW, {"urgent": "true"}).json()["results"]
    assert [row["id"] for row in rows] == [urgent.pk]
    bad = client.get(NEW, {"month": "2026-13"})
    assert bad.status_code == 400 and "month" in bad.json()


def test_a_page_of_the_list_costs_the_same_queries_whatever_its_length(
    collaborator, unit_staff, django_assert_max_num_queries
):
    for n in range(12):
        make_report(collaborator, title=f"Báo cáo {n}")
    key = token_for(unit_staff)
    with django_assert_max_num_queries(9) as small:  # one is the read log's INSERT
        first = api_client(key).get(NEW, {"page_size": 2, "status": ""})
    with django_assert_max_num_queries(9) as large:
        api_client(key).get(NEW, {"page_size": 12, "status": ""})
    client = api_client(key)
    assert len(small.captured_queries) == len(large.captured_queries)
    nxt = client.get(first.json()["next"])
    assert nxt.status_code == 200 and len(nxt.json()["results"]) == 2
    assert {r["id"] for r in nxt.json()["results"]}.isdisjoint({r["id"] for r in first.json()["results"]})


def test_the_browser_session_works_and_needs_the_csrf_token(client, collaborator, topic):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(collaborator)
    assert browser.get(NEW).status_code == 200
    refused = post(browser, NEW, report_body(topic), idempotency_key="b1")
    assert refused.status_code == 403 and not Report.objects.exists()
    browser.get(reverse("api_tokens:list"))
    csrf = browser.cookies["csrftoken"].value
    sent = post(browser, NEW, report_body(topic), idempotency_key="b1", x_csrftoken=csrf)
    assert sent.status_code == 201


def test_anonymous_requests_are_asked_to_sign_in(db):
    response = api_client().get(NEW)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
