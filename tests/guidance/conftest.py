"""Guidance fixtures: notes written through the services by the union's staff."""

import pytest

from guidance.services import guidance_publish, guidance_save


def note_data(**fields) -> dict:
    data = {
        "title": "Thông tin chính thức về lương tháng 13",
        "body": "<p>Công ty <strong>không</strong> cắt giảm lương tháng 13.</p>",
        "links": "https://example.org/van-ban\njavascript:alert(1)",
    }
    data.update(fields)
    return data


def make_note(author, *, targets, publish=True, **fields):
    note = guidance_save(author=author, data=note_data(target_units=targets, **fields))
    if publish:
        note = guidance_publish(actor=author, note=note)
    return note


@pytest.fixture
def note(unit_staff, union):
    """A published note by the union's staff, sent to the whole union (grassroots included)."""
    return make_note(unit_staff, targets=[union])


@pytest.fixture
def draft_note(unit_staff, union):
    return make_note(unit_staff, targets=[union], publish=False, title="Bản nháp định hướng")
