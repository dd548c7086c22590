"""Every URL of the reports app, walked by the standard actors against a report, an attachment
and a rumour owned by another union: out of scope is a 404, never a page that confirms the
object exists. The URL names come from the URLconf, so a new URL is walked automatically."""

import io

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.urls import get_resolver, reverse

from reports.models import Report, ReportEvent, ReportKind, ReportStatus, Verification
from reports.services import report_save, rumour_create, rumour_link
from reports.services.attachments import attachment_add
from tests.reports.conftest import make_report, report_data

pytestmark = pytest.mark.django_db

MISSING = 999_999_999
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SECRET_TITLE = "Bí mật của công đoàn phường Hoàn Kiếm"
SECRET_RUMOUR = "Tin đồn chỉ phường Hoàn Kiếm biết"


def reports_urls():
    """(name, parameter names) of every URL in the ``reports`` namespace."""
    _prefix, resolver = get_resolver().namespace_dict["reports"]
    found = []
    for pattern in resolver.url_patterns:
        found.append((pattern.name, sorted(pattern.pattern.regex.groupindex)))
    return found


def test_the_walk_finds_the_urls_of_the_app():
    names = {name for name, _params in reports_urls()}
    assert {"list", "detail", "accept", "export", "rumour_detail", "attachment", "edit"} <= names


@pytest.fixture
def foreign(other_collaborator, other_staff, tmp_path, settings):
    """A rumour report with an attachment, and the rumour it is a sighting of, all of the other union."""
    settings.MEDIA_ROOT = tmp_path
    draft = make_report(other_collaborator, submit=False, kind=ReportKind.RUMOUR, title=SECRET_TITLE)
    attachment = attachment_add(
        report=draft,
        uploaded_file=SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf"),
        actor=other_collaborator,
    )
    report, _ = report_save(
        author=other_collaborator,
        token=draft.client_token,
        data=report_data(kind=ReportKind.RUMOUR, title=SECRET_TITLE),
        submit=True,
    )
    rumour = rumour_create(actor=other_staff, title=SECRET_RUMOUR)
    rumour_link(actor=other_staff, report=report, rumour=rumour)
    return {"report": report, "attachment": attachment, "rumour": rumour}


def kwargs_for(name, params, objects, *, missing=False):
    values = {}
    for param in params:
        if param == "pk":
            target = objects["rumour"] if name.startswith("rumour") else objects["report"]
            values[param] = MISSING if missing else target.pk
        elif param == "attachment_pk":
            values[param] = MISSING if missing else objects["attachment"].pk
        elif param == "fmt":
            values[param] = "csv"
        else:
            pytest.fail(f"The scope walk does not know how to fill <{param}> of reports:{name}; teach it.")
    return values


def post_data(objects, actor):
    """Data that would make every action succeed, were the object in scope."""
    return {
        "accept-note": "ok",
        "return-reason": "Thiếu thông tin",
        "reject-reason": "Không đúng",
        "alert-level": "hot_spot",
        "assign-assignee": getattr(actor, "pk", ""),
        "escalate-note": "Lên trên",
        "comment-text": "Bình luận",
        "comment-internal": "on",
        "rumour-new_title": "Tin đồn mới",
        "rumour-rumour": objects["rumour"].pk,
        "verification": Verification.TRUE,
        "note": "Đã kiểm tra",
        "reports": [objects["report"].pk],
    }


def leaks(response) -> bool:
    if response.status_code != 200 or getattr(response, "streaming", False):
        return False
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        text = " ".join(str(c) for row in workbook.worksheets[0].iter_rows(values_only=True) for c in row)
    else:
        text = response.content.decode("utf-8-sig", errors="replace")
    return SECRET_TITLE in text or SECRET_RUMOUR in text


def login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL))


@pytest.mark.parametrize("actor_name", ["anonymous", "collaborator", "unit_staff"])
def test_out_of_scope_objects_are_404_on_every_url(client, request, actor_name, foreign):
    actor = None if actor_name == "anonymous" else request.getfixturevalue(actor_name)
    report = foreign["report"]
    events_before = ReportEvent.objects.filter(report=report).count()
    failures = []
    for name, params in reports_urls():
        if actor is not None:
            client.force_login(actor)
        for method in ("get", "post"):
            call = getattr(client, method)
            data = post_data(foreign, actor) if method == "post" else None
            url = reverse(f"reports:{name}", kwargs=kwargs_for(name, params, foreign))
            response = call(url, data) if data else call(url)
            where = f"{method.upper()} reports:{name} as {actor_name}"
            if leaks(response):
                failures.append(f"{where}: shows the other union's object")
            if actor is None:
                if not login_redirect(response):
                    failures.append(f"{where}: {response.status_code}, expected the login page")
                continue
            if not params or params == ["fmt"]:
                # A list page: the role may be refused (403), a POST-only URL may refuse GET (405),
                # a form may refuse junk (400), a collaborator may be sent elsewhere (302);
                # whatever shows must not be the object.
                if response.status_code not in (200, 302, 400, 403, 404, 405):
                    failures.append(f"{where}: {response.status_code}")
                continue
            if response.status_code == 404:
                continue
            # Not a 404: acceptable only if a missing object gets the very same answer (403 for the
            # role, 405 for the method): then the answer says nothing about the object.
            missing_url = reverse(f"reports:{name}", kwargs=kwargs_for(name, params, foreign, missing=True))
            missing = call(missing_url, data) if data else call(missing_url)
            if response.status_code not in (403, 405) or missing.status_code != response.status_code:
                failures.append(f"{where}: {response.status_code} (missing object: {missing.status_code})")
    assert not failures, "\n".join(failures)

    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert (report.alert_level, report.assignee_id, report.escalated_to_id) == ("normal", None, None)
    assert report.rumour_id == foreign["rumour"].pk
    assert ReportEvent.objects.filter(report=report).count() == events_before
    foreign["rumour"].refresh_from_db()
    assert foreign["rumour"].verification == Verification.UNVERIFIED
    assert report.attachments.count() == 1
    assert Report.objects.filter(title="Tin đồn mới").count() == 0


@pytest.mark.parametrize("actor_name", ["other_staff", "federation_admin"])
def test_staff_whose_scope_holds_the_objects_reach_them(client, request, actor_name, foreign):
    """The control: the 404s above are about scope, not about broken pages."""
    client.force_login(request.getfixturevalue(actor_name))
    report, rumour, attachment = foreign["report"], foreign["rumour"], foreign["attachment"]
    for url in (
        reverse("reports:detail", args=[report.pk]),
        reverse("reports:history", args=[report.pk]),
        reverse("reports:rumour_detail", args=[rumour.pk]),
        reverse("reports:attachment", args=[report.pk, attachment.pk]),
    ):
        assert client.get(url).status_code == 200, url
    assert leaks(client.get(reverse("reports:list")))
    assert leaks(client.get(reverse("reports:rumour_list")))


def test_the_author_reaches_their_report_and_file(client, other_collaborator, foreign):
    client.force_login(other_collaborator)
    report, attachment = foreign["report"], foreign["attachment"]
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 200
    assert client.get(reverse("reports:attachment", args=[report.pk, attachment.pk])).status_code == 200
