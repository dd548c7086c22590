"""Pages: Vietnamese by default, security headers everywhere, a home per role."""

import pytest
from django.urls import reverse

from tests.clock import frozen_clock

pytestmark = pytest.mark.django_db
_clock = frozen_clock()  # the tests build their dates from "now"


def test_login_page_is_vietnamese_with_standard_field_names(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert 'name="username"' in html and 'name="password"' in html
    assert "Đăng nhập" in html


def test_browser_language_does_not_override_vietnamese(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "vi"


def test_language_switch_to_english_and_back(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html and "Log in" in html
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert "Đăng nhập" in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize("path", ["/accounts/login/", "/healthz", "/no-such-page/", "/accounts/password_reset/"])
def test_every_response_carries_csp_and_deny_framing(client, path):
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_scripts(client, unit_staff):
    client.force_login(unit_staff)
    for path in ["/accounts/login/", "/", "/notifications/"]:
        html = client.get(path).content.decode()
        for chunk in html.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), f"inline script on {path}"
        assert " onclick=" not in html and " onsubmit=" not in html


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_each_role_gets_its_own_home(client, collaborator, unit_staff, federation_admin):
    expectations = {
        collaborator: "home/collaborator.html",
        unit_staff: "home/staff.html",
        federation_admin: "home/admin.html",
    }
    for user, template in expectations.items():
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 200
        assert template in [t.name for t in response.templates]
        assert user.full_name in response.content.decode()


def test_staff_home_counts_only_their_subtree(client, unit_staff, collaborator, other_collaborator):
    client.force_login(unit_staff)
    overview = client.get("/").context["overview"]
    assert overview["collaborators"] == 1  # their collaborator, not the other union's
    assert overview["units"] == 2  # the union and its grassroots union


def test_home_query_count_is_bounded(client, unit_staff, django_assert_max_num_queries):
    client.force_login(unit_staff)
    with django_assert_max_num_queries(10):
        client.get("/")


def test_not_found_page_is_translated(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_a_page_for_another_role_does_not_exist_for_them(rf, collaborator):
    from django.http import Http404

    from collaborators.access import role_required

    @role_required("staff")
    def staff_only(request):  # pragma: no cover - never reached
        raise AssertionError

    request = rf.get("/x")
    request.user = collaborator
    with pytest.raises(Http404):
        staff_only(request)


def test_403_and_500_templates_render_in_vietnamese(client):
    from django.template.loader import render_to_string

    assert "Đồng chí không có quyền" in render_to_string("403.html")
    assert "Hệ thống đã gặp sự cố" in render_to_string("500.html")


def test_healthz_reports_database_and_eager_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "eager"}


def test_healthz_reports_broker_down_and_stays_200(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "down"


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    from opinion_network import views

    monkeypatch.setattr(views, "_database_state", lambda: "down")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_session_expires_after_inactivity(client, collaborator, settings):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(collaborator)
    assert client.get("/").status_code == 200
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_activity_pushes_the_session_expiry_forward(client, collaborator, settings):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(collaborator)
    Session.objects.update(expire_date=timezone.now() + timedelta(seconds=60))
    client.get("/")
    remaining = Session.objects.get().expire_date - timezone.now()
    assert remaining > timedelta(seconds=settings.SESSION_COOKIE_AGE - 30)
