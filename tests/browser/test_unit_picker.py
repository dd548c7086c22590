"""The unit picker in a real Chromium, on a phone and a laptop: search without accents, choose with the
keyboard, remove a choice, and find dissolved units only when asked; what is sent is the plain select's
value."""

from datetime import date

import pytest
from playwright.sync_api import expect

from collaborators.models import Role, Unit, UnitKind
from tests.browser.pages import log_in
from tests.factories import TEST_PASSWORD, UnitFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_choose_units_by_search_and_keyboard_and_dissolved_ones_only_when_asked(
    open_page, live_server, union, grassroots, viewport
):
    staff = UserFactory(username=f"pickerstaff-{viewport}", unit=union, role=Role.STAFF)
    old = UnitFactory(
        parent=union, kind=UnitKind.GRASSROOTS, code=f"OLD-{viewport}", name="Công đoàn cơ sở Nhà máy Dệt Cũ"
    )
    Unit.objects.filter(pk=old.pk).update(valid_to=date(2025, 6, 30))
    page, problems = open_page(viewport)
    log_in(page, live_server, staff.username, TEST_PASSWORD)

    # The guidance form: several target units.
    page.goto(f"{live_server.url}/guidance/new/")
    picker = page.locator("[data-testid=unit-picker]").first
    search = picker.locator("[data-testid=unit-picker-search]")
    search.fill("truong thcs")  # no accents: "Trường THCS"
    options = picker.locator("[data-testid=unit-picker-option]")
    expect(options.filter(has_text=grassroots.name)).to_have_count(1)
    expect(options.filter(has_text=union.name)).to_have_count(1)  # the match keeps its parent in view
    search.press("ArrowDown")
    search.press("Enter")
    expect(picker.locator("[data-testid=unit-picker-chip]")).to_have_text([grassroots.name])
    assert page.eval_on_selector("select[name=target_units]", "s => [...s.selectedOptions].map(o => o.value)") == [
        str(grassroots.pk)
    ]
    picker.locator("[data-testid=unit-picker-chip] button").click()
    expect(picker.locator("[data-testid=unit-picker-chip]")).to_have_count(0)
    assert page.eval_on_selector("select[name=target_units]", "s => s.selectedOptions.length") == 0
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]

    # The roster filter: one unit; the dissolved one is listed only when asked.
    page.goto(f"{live_server.url}/roster/")
    page.locator("details:has([data-testid=unit-picker]) > summary").click()  # the filters fold away
    picker = page.locator("[data-testid=unit-picker]").first
    options = picker.locator("[data-testid=unit-picker-option]")
    expect(options.filter(has_text=union.name)).to_have_count(1)
    expect(options.filter(has_text=old.name)).to_have_count(0)
    picker.locator("[data-testid=unit-picker-ended]").check()
    expect(options.filter(has_text=old.name)).to_have_count(1)
    options.filter(has_text=old.name).click()
    assert page.eval_on_selector("select[name=unit]", "s => s.value") == str(old.pk)
    problems.assert_clean()
