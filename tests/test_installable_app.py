"""The installable web app: the manifest, the service worker at the root, the offline page, and a
Content-Security-Policy that lets them load (the behaviour offline is in tests/browser/test_offline.py)."""

import json

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from opinion_network import views

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_app_in_vietnamese_with_its_icons(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"] == "Mạng lưới Dư luận xã hội"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/", "/", "standalone")
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix(settings.STATIC_URL)), icon["src"]


def test_the_service_worker_is_served_from_the_root_as_javascript_and_never_cached(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert 'var VERSION = "' in body and 'var VERSION = ""' not in body
    assert '"/offline/"' in body and '"/reports/new/"' in body


def test_a_changed_shell_file_gives_the_service_worker_a_new_cache_version(client, monkeypatch):
    before = client.get("/sw.js").content.decode()
    monkeypatch.setattr(views, "_shell_digest", lambda: "another release")

    after = client.get("/sw.js").content.decode()

    version = [line for line in before.splitlines() if line.startswith("var VERSION")]
    assert version and version[0] not in after


def test_the_offline_page_names_nobody_even_for_a_signed_in_person(client, collaborator):
    client.force_login(collaborator)

    response = client.get(reverse("offline"))

    assert response.status_code == 200
    assert collaborator.get_full_name() not in response.content.decode()


def test_signed_in_pages_link_the_manifest_and_the_offline_script_and_allow_the_service_worker(client, collaborator):
    client.force_login(collaborator)

    response = client.get(reverse("home"))

    html = response.content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert "js/offline.js" in html
    assert f'data-user="{collaborator.pk}"' in html
    policy = response["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "manifest-src 'self'" in policy
