"""Every sample file through the roster import form: the one upload rule (ROSTER_IMPORT) runs before the
spreadsheet is parsed, a refused file leaves no batch, and nothing uploaded is stored as a file."""

import html

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from collaborators.models.imports import ImportBatch
from core import uploads
from tests.collaborators.test_import import csv_file, person, union_admin, xlsx_file  # noqa: F401 - fixture
from tests.upload_samples import ACCEPTABLE, DANGEROUS, oversized, stored_files, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

USE = uploads.ROSTER_IMPORT
REFUSES = [(s, name, data, "is not an accepted file") for s, name, data, kind in ACCEPTABLE if kind not in USE.kinds]
# A PNG named .pdf is not even a kind the import takes.
REFUSES += [
    (s, name, data, "is not an accepted file" if s == "png-as-pdf" else message) for s, name, data, message in DANGEROUS
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def importer(client, union_admin):  # noqa: F811 - the fixture imported above
    client.force_login(union_admin)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize("make", [xlsx_file, csv_file], ids=["xlsx", "csv"])
def test_a_roster_spreadsheet_is_read_into_a_batch_and_not_stored_as_a_file(importer, grassroots, settings, make):
    uploaded = make([person()], name="../Danh sách\x00.xlsx" if make is xlsx_file else "danh-sach.csv")
    response = importer.post(reverse("roster:import_upload"), {"file": uploaded})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.row_count == 1 and batch.error_count == 0
    assert batch.filename in ("Danh sách.xlsx", "danh-sach.csv")
    assert stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(("sample", "name", "data", "message"), REFUSES, ids=[s[0] for s in REFUSES])
def test_each_refused_sample_leaves_no_batch(importer, settings, sample, name, data, message):
    response = importer.post(reverse("roster:import_upload"), {"file": upload(name, data, content_type="text/csv")})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert message in page and name in page
    if message == "is not an accepted file":
        assert "Accepted: Excel (.xlsx), CSV." in page
    assert not ImportBatch.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_file_over_the_import_limit_is_refused(importer, settings):
    settings.UPLOAD_MAX_MB_ROSTER_IMPORT = 1
    name, data = oversized(USE)
    response = importer.post(reverse("roster:import_upload"), {"file": upload(name, data)})
    assert "larger than 1 MB" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_import_templates_are_downloads_with_the_safe_headers(importer):
    for fmt, content_type in (("xlsx", uploads.XLSX), ("csv", uploads.CSV)):
        response = importer.get(reverse("roster:import_template", args=[fmt]))
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"].startswith(f'attachment; filename="mau-danh-sach-ctv.{fmt}"')
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
