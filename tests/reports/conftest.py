"""Report fixtures shared by the reports tests: every object is made through the services."""

import uuid

import pytest

from reports.models import Report, ReportKind, Topic
from reports.services import report_save, rumour_create, rumour_link


def report_data(**fields) -> dict:
    """A complete report's fields (a submittable opinion), overridden by ``fields``."""
    data = {
        "kind": ReportKind.OPINION,
        "topic": Topic.objects.order_by("order", "pk").first(),
        "title": "Công nhân lo lắng về lương tháng 13",
        "content": "Nhiều người bày tỏ băn khoăn về chính sách mới, mong được giải thích rõ.",
    }
    data.update(fields)
    return data


def make_report(author, *, submit=True, **fields) -> Report:
    """A report by ``author`` through report_save: submitted unless submit=False (a draft)."""
    report, _changed = report_save(author=author, token=uuid.uuid4(), data=report_data(**fields), submit=submit)
    return report


@pytest.fixture
def make_report_for():
    """The ``make_report`` helper as a fixture, for modules that prefer fixtures to imports."""
    return make_report


@pytest.fixture
def submitted_report(collaborator):
    """A submitted opinion report by the collaborator (grassroots unit under ``union``)."""
    return make_report(collaborator, title="Lo ngại về sắp xếp lại bộ máy")


@pytest.fixture
def draft_report(collaborator):
    return make_report(collaborator, submit=False, title="Bản nháp chưa gửi")


@pytest.fixture
def rumour_report(collaborator):
    """A submitted rumour report by the collaborator."""
    return make_report(
        collaborator,
        kind=ReportKind.RUMOUR,
        title="Tin đồn công ty sắp cắt giảm một nửa công nhân",
        content="Công nhân truyền tai nhau rằng công ty sẽ cắt giảm một nửa số công nhân sau Tết.",
    )


@pytest.fixture
def other_report(other_collaborator):
    """A submitted report owned by the other union (out of scope for ``union``'s people)."""
    return make_report(other_collaborator, title="Báo cáo của công đoàn phường Hoàn Kiếm")


@pytest.fixture
def tracked_rumour(unit_staff, rumour_report):
    """A rumour tracked by the union's staff, with ``rumour_report`` as its first sighting."""
    rumour = rumour_create(actor=unit_staff, title="Công ty cắt giảm một nửa công nhân")
    rumour_link(actor=unit_staff, report=rumour_report, rumour=rumour)
    rumour.refresh_from_db()
    return rumour
