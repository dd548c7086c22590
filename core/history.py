"""Change history through django-simple-history: the field every audited model declares, and readable rows.

``HistoricalRecords`` is the library's, with the manager class behind ``Model.history`` made once per model
rather than on every access (the library builds a class, inspecting the queryset's members, each time; a
record written reads it once: a fifth of writing a report's history row).

``history_entries`` turns the records of one or several objects (a training session and its
registrations, a request for opinion...) into rows a person reads: when, who, which record, why, and each
field's old and new value (a choice's label, a date in the local format), newest first. The pages that show
them share ``templates/history.html``.
"""

import functools
from collections.abc import Callable, Iterable

from django.utils import formats
from simple_history import models as history_models
from simple_history.manager import HistoryDescriptor


class _HistoryDescriptor(HistoryDescriptor):
    @functools.cached_property
    def _manager_class(self):
        return self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self._manager_class(self.model, instance)


class HistoricalRecords(history_models.HistoricalRecords):
    """Declare ``history = HistoricalRecords(...)`` on a model, as with the library's (same arguments)."""

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        descriptor = sender.__dict__.get(self.manager_name)
        if type(descriptor) is HistoryDescriptor:
            setattr(
                sender,
                self.manager_name,
                _HistoryDescriptor(
                    descriptor.model, manager=descriptor.manager_class, queryset=descriptor.queryset_class
                ),
            )


def _display(field, value):
    if value is None or value == "":
        return ""
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.get_internal_type() == "DateField":
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if field.get_internal_type() == "DateTimeField":
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    return value


def history_entries(
    *record_sets: Iterable, label: Callable | None = None, hidden: Iterable[str] = (), limit: int = 500
) -> list[dict]:
    """Rows of the change history of the objects whose historical records are given (one queryset of
    historical records per kind of object; several objects of a kind may share one), newest first.

    Each row: ``record`` (its date, user, type and reason), ``what`` (the kind of record, and ``label(record)``
    when given) and ``changes`` ([{field, old, new}] against the same object's previous record). At most
    ``limit`` records per set are read, the newest.
    """
    hidden = set(hidden)
    entries = []
    related: dict = {}  # {related model: {id: [change rows naming it]}}: a unit or a person by name
    for records in record_sets:
        rows = list(records.select_related("history_user").order_by("-history_date", "-history_id")[:limit])
        rows.reverse()
        previous_of: dict = {}
        for record in rows:
            model = record.instance._meta
            changes = []
            previous = previous_of.get(record.id)
            if previous is not None:
                delta = record.diff_against(previous)
                for change in delta.changes:
                    if change.field in hidden:
                        continue
                    field = model.get_field(change.field)
                    row = {
                        "field": field.verbose_name,
                        "old": _display(field, change.old),
                        "new": _display(field, change.new),
                    }
                    if field.many_to_one and field.related_model is not None:
                        for side in ("old", "new"):
                            if change_value := getattr(change, side):
                                related.setdefault(field.related_model, {}).setdefault(change_value, []).append(
                                    (row, side)
                                )
                    changes.append(row)
            what = str(model.verbose_name)
            if label is not None:
                extra = label(record)
                what = f"{what}: {extra}" if extra else what
            entries.append({"record": record, "changes": changes, "what": what})
            previous_of[record.id] = record
    for related_model, by_id in related.items():  # one query per kind of related record
        for obj in related_model._base_manager.filter(pk__in=list(by_id)):
            for row, side in by_id.get(obj.pk, ()):
                row[side] = str(obj)
    entries.sort(key=lambda e: (e["record"].history_date, e["record"].history_id), reverse=True)
    return entries
