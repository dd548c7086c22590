"""Light formatting (core.markup): a guidance body typed as plain text keeps its paragraphs, lists, links
and emphasis, the same on the page, in the e-mail and in the notification, and stays safe."""

import pytest
from django.core import mail
from django.urls import reverse

from core.markup import render_html, render_text
from notifications.models import Notification
from tests.guidance.conftest import make_note

TYPED = """Đề nghị các đồng chí nắm **tình hình** tại cơ sở.

Nội dung cần tuyên truyền:
- lương tháng 13 *không* bị cắt giảm;
- chế độ bảo hiểm giữ nguyên.

1. Họp tổ công đoàn
2. Báo cáo trước ngày 20

Xem văn bản tại https://congdoan.example.vn/vb-12 hoặc [hướng dẫn](https://example.org/hd)."""


def test_paragraphs_lists_links_and_emphasis_are_kept():
    page = render_html(TYPED)
    assert page.count("<p>") == 3
    assert "<strong>tình hình</strong>" in page and "<em>không</em>" in page
    assert "<ul>\n<li>lương tháng 13 <em>không</em> bị cắt giảm;</li>" in page
    assert "<ol>\n<li>Họp tổ công đoàn</li>" in page
    assert '<a href="https://congdoan.example.vn/vb-12" rel="noopener noreferrer">' in page
    assert '<a href="https://example.org/hd" rel="noopener noreferrer">hướng dẫn</a>' in page


def test_the_same_text_in_plain_text_for_messages():
    assert render_text(TYPED) == (
        "Đề nghị các đồng chí nắm tình hình tại cơ sở.\n\n"
        "Nội dung cần tuyên truyền:\n\n"
        "• lương tháng 13 không bị cắt giảm;\n"
        "• chế độ bảo hiểm giữ nguyên.\n\n"
        "1. Họp tổ công đoàn\n"
        "2. Báo cáo trước ngày 20\n\n"
        "Xem văn bản tại https://congdoan.example.vn/vb-12 hoặc hướng dẫn (https://example.org/hd)."
    )


def test_older_bodies_in_html_read_the_same():
    old = "<p>Tin chính thức</p><ul><li>một</li><li>hai</li></ul>"
    assert render_html(old) == old
    assert render_text(old) == "Tin chính thức\n\n• một\n• hai"


def test_nothing_unsafe_survives():
    typed = (
        '<script>alert("x")</script><img src=x onerror=alert(1)>[bấm](javascript:alert(2)) '
        '<a href="https://example.org" onclick="evil()">nguồn</a> ![ảnh](https://example.org/a.png)\n\n'
        "# Tiêu đề lớn"
    )
    page = render_html(typed)
    for bad in ("<script", 'alert("x")', "onerror", "onclick", 'href="javascript', "<img", "<h1"):
        assert bad not in page
    assert '<a href="https://example.org" rel="noopener noreferrer">nguồn</a>' in page
    assert "<h3>Tiêu đề lớn</h3>" in page


def test_less_than_and_ampersand_are_text():
    assert render_html("Lương < 5 triệu & thưởng") == "<p>Lương &lt; 5 triệu &amp; thưởng</p>"
    assert render_text("Lương < 5 triệu & thưởng") == "Lương < 5 triệu & thưởng"


@pytest.mark.django_db
def test_guidance_page_email_and_notification_show_the_formatting(
    client, unit_staff, union, collaborator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note = make_note(unit_staff, targets=[union], body=TYPED)
    note.refresh_from_db()
    assert note.body == TYPED

    client.force_login(collaborator)
    page = client.get(reverse("guidance:detail", args=[note.pk])).content.decode()
    assert "<li>chế độ bảo hiểm giữ nguyên.</li>" in page
    assert "<strong>tình hình</strong>" in page

    notice = Notification.objects.get(recipient=collaborator, kind="guidance")
    assert notice.body == render_text(TYPED)
    assert "• lương tháng 13 không bị cắt giảm;\n• chế độ bảo hiểm giữ nguyên." in notice.body
    [email] = [m for m in mail.outbox if m.to == [collaborator.email]]
    assert "Nội dung cần tuyên truyền:\n\n• lương tháng 13" in email.body
    assert "hướng dẫn (https://example.org/hd)" in email.body

    inbox = client.get(reverse("notifications:list")).content.decode()
    assert "• lương tháng 13 không bị cắt giảm;<br>• chế độ bảo hiểm giữ nguyên." in inbox


@pytest.mark.django_db
def test_a_body_with_no_text_is_refused(unit_staff, union):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_note(unit_staff, targets=[union], body="<script>alert(1)</script>")
