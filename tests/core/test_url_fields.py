"""Every link field of the admin reads a link typed without its scheme as https (Django 6's default), so
no form warns that the default will change (pytest.ini makes that warning an error)."""

import pytest
from django.contrib import admin
from django.db import models

from collaborators.models import Role
from tests.clock import frozen_clock
from tests.factories import UserFactory
from trainings.models import TrainingSession

pytestmark = pytest.mark.django_db
_clock = frozen_clock()


def _url_fields(model):
    return [f.name for f in model._meta.get_fields() if isinstance(f, models.URLField)]


def test_every_admin_link_field_assumes_https(rf):
    request = rf.get("/")
    request.user = UserFactory(username="root-url", unit=None, role=Role.ADMIN, is_superuser=True, is_staff=True)
    checked = []
    for model, model_admin in admin.site._registry.items():
        forms = [(model, model_admin.get_form(request))] if _url_fields(model) else []
        forms += [
            (inline.model, inline.get_formset(request).form)
            for inline in model_admin.get_inline_instances(request)
            if _url_fields(inline.model)
        ]
        for form_model, form in forms:
            for name in _url_fields(form_model):
                if name in form.base_fields:
                    assert form.base_fields[name].assume_scheme == "https", (form_model, name)
                    checked.append(f"{form_model._meta.label}.{name}")
    assert {"trainings.TrainingSession.online_link", "trainings.Material.url"} <= set(checked)
    form = admin.site._registry[TrainingSession].get_form(request)
    assert form.base_fields["online_link"].clean("meet.example.vn/abc") == "https://meet.example.vn/abc"
