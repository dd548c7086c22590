"""Every sample file as a training material, through the session page and the admin: the one upload rule
(TRAINING_MATERIAL), random stored names, and downloads that are only ever attachments."""

import html

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from core import uploads
from tests.clock import frozen_clock
from tests.upload_samples import (
    ACCEPTABLE,
    DANGEROUS,
    RANDOM_STORED_NAME,
    assert_download_headers,
    oversized,
    stored_files,
    upload,
)
from trainings.models import Material, TrainingSession

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
_clock = frozen_clock()  # the tests build their dates from "now"

USE = uploads.TRAINING_MATERIAL
ACCEPTS = [sample for sample in ACCEPTABLE if sample[3] in USE.kinds]
REFUSES = [(s, name, data, "is not an accepted file") for s, name, data, kind in ACCEPTABLE if kind not in USE.kinds]
REFUSES += DANGEROUS


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def organiser(client, federation_admin):
    client.force_login(federation_admin)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _add(client, session, uploaded):
    return client.post(
        reverse("trainings:material_add", args=[session.pk]), {"title": "Tài liệu", "file": uploaded}, follow=True
    )


@pytest.mark.parametrize(("sample", "name", "data", "kind"), ACCEPTS, ids=[s[0] for s in ACCEPTS])
def test_each_accepted_kind_is_stored_under_a_random_name_and_downloaded_safely(
    organiser, session, settings, sample, name, data, kind
):
    _add(organiser, session, upload(name, data, content_type="text/html"))
    material = Material.objects.get()
    content_type = uploads.KINDS[kind].content_type
    assert (material.original_name, material.content_type, material.size) == (name, content_type, len(data))
    stored = material.file.name.rsplit("/", 1)[-1]
    assert RANDOM_STORED_NAME.match(stored)
    assert [path.name for path in stored_files(settings.MEDIA_ROOT)] == [stored]
    response = organiser.get(reverse("trainings:material_download", args=[session.pk, material.pk]))
    assert_download_headers(response, content_type=content_type)
    assert b"".join(response.streaming_content) == data


@pytest.mark.parametrize(("sample", "name", "data", "message"), REFUSES, ids=[s[0] for s in REFUSES])
def test_each_refused_sample_leaves_no_row_and_no_file(organiser, session, settings, sample, name, data, message):
    response = _add(organiser, session, upload(name, data, content_type="application/pdf"))
    page = html.unescape(response.content.decode())
    assert message in page and name in page
    assert not Material.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_file_over_the_training_limit_is_refused(organiser, session, settings):
    settings.UPLOAD_MAX_MB_TRAINING = 1
    name, data = oversized(USE)
    response = _add(organiser, session, upload(name, data))
    assert "larger than 1 MB" in response.content.decode()
    assert not Material.objects.exists() and stored_files(settings.MEDIA_ROOT) == []


def test_a_script_is_never_served_as_script_even_if_stored_before_the_rule(organiser, session, settings):
    """A material stored before the rule (named by its uploader, no kind recorded) is sent as bytes."""
    from django.core.files.base import ContentFile

    material = Material(session=session, title="Cũ")
    material.file.save("steal.js", ContentFile(b"alert(document.cookie)"), save=False)
    Material.objects.bulk_create([material])
    material = Material.objects.get()
    response = organiser.get(reverse("trainings:material_download", args=[session.pk, material.pk]))
    assert_download_headers(response, content_type="application/octet-stream")


# --- the admin is no way around the rule ------------------------------------------------------------


def _admin_formset(session, uploaded, superuser):
    model_admin = admin.site._registry[TrainingSession]
    request = RequestFactory().post("/admin/")
    request.user = superuser
    inline = next(i for i in model_admin.get_inline_instances(request, session) if i.model is Material)
    formset_class = inline.get_formset(request, session)
    prefix = formset_class.get_default_prefix()
    data = {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-title": "Bài giảng",
        f"{prefix}-0-url": "",
    }
    return formset_class(data, {f"{prefix}-0-file": uploaded}, instance=session, prefix=prefix)


@pytest.mark.parametrize(("sample", "name", "data", "message"), REFUSES, ids=[s[0] for s in REFUSES])
def test_the_admin_inline_refuses_what_the_app_refuses(session, admin_user, settings, sample, name, data, message):
    formset = _admin_formset(session, upload(name, data), admin_user)
    assert not formset.is_valid()
    assert message in " ".join(str(error) for error in formset.errors[0].get("file", []))
    assert not Material.objects.exists() and stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(("sample", "name", "data", "kind"), ACCEPTS, ids=[s[0] for s in ACCEPTS])
def test_the_admin_inline_stores_an_accepted_file_with_the_kind_found_in_its_bytes(
    session, admin_user, sample, name, data, kind
):
    formset = _admin_formset(session, upload(name, data, content_type="text/html"), admin_user)
    assert formset.is_valid(), formset.errors
    formset.save()
    material = Material.objects.get()
    assert (material.original_name, material.content_type, material.size) == (
        name,
        uploads.KINDS[kind].content_type,
        len(data),
    )
    assert RANDOM_STORED_NAME.match(material.file.name.rsplit("/", 1)[-1])
