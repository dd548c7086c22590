"""Every audited model keeps its history through core.history.HistoricalRecords (django-simple-history's,
with the manager class behind ``Model.history`` made once)."""

from django.apps import apps
from simple_history.models import registered_models

from collaborators.models import Unit
from core.history import HistoricalRecords


def test_the_history_manager_class_is_made_once_and_still_reads_and_writes_records(union, unit_staff):
    assert type(Unit.history) is type(Unit.history)  # the library's builds a new class on every access
    assert type(union.history) is type(Unit.history)
    union.name = "Công đoàn đổi tên"
    union.save()
    assert union.history.first().name == "Công đoàn đổi tên"
    assert union.history.count() == Unit.history.filter(id=union.pk).count() >= 1


def test_every_audited_model_declares_the_projects_historical_records():
    audited = [model for model in apps.get_models() if model in registered_models.values()]
    assert len(audited) >= 10
    for model in audited:
        descriptor = model.__dict__[model._meta.simple_history_manager_attribute]
        assert type(descriptor).__module__ == HistoricalRecords.__module__, model
