"""A month is typed as people write it (10/2025) where the browser has no month picker, and read as the
YYYY-MM the picker sends: every form and filter behind ``MonthInput`` accepts both."""

import pytest
from django import forms
from django.http import QueryDict

from core.forms import MonthInput
from tests.clock import frozen_clock

_clock = frozen_clock()


class MonthForm(forms.Form):
    month = forms.RegexField(regex=r"^20\d{2}-(0[1-9]|1[0-2])$", widget=MonthInput, required=False)


@pytest.mark.parametrize(
    ("typed", "read"),
    [("10/2025", "2025-10"), ("3/2026", "2026-03"), (" 03 / 2026 ", "2026-03"), ("2025-10", "2025-10"), ("", "")],
)
def test_a_month_typed_as_written_is_read_as_the_pickers_value(typed, read):
    form = MonthForm(QueryDict(f"month={typed}"))
    assert form.is_valid() and form.cleaned_data["month"] == read


@pytest.mark.parametrize("typed", ["13/2025", "10/25", "tháng 10", "2025/10"])
def test_a_month_that_is_no_month_is_still_refused(typed):
    assert not MonthForm({"month": typed}).is_valid()


def test_the_picker_says_how_to_type_a_month_where_the_browser_has_none():
    html = MonthForm().as_p()
    assert 'type="month"' in html and 'placeholder="mm/yyyy"' in html


@pytest.mark.django_db
@pytest.mark.clock
def test_the_dashboard_shows_the_month_typed_as_written(client, unit_staff):
    client.force_login(unit_staff)
    page = client.get("/dashboard/", {"period": "10/2026"}).content.decode()
    assert "Tháng 10/2026" in page and "ví dụ: 10/2025" in page
