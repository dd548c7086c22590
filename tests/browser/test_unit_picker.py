"""The unit picker in a real Chromium, on a phone and a laptop: a tree (role=tree, treeitems with
aria-expanded) that folds and unfolds by touch and by keyboard, opens from the server the branches its short
list leaves out, searches without accents, chooses one unit or several with the keyboard, shows dissolved
units only when asked; and a form sends what was chosen (the guidance form's target units by id, the move
form's new parent by code)."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from collaborators.models import Role, Unit, UnitKind, User
from guidance.models import GuidanceNote
from tests.browser.pages import log_in
from tests.factories import TEST_PASSWORD, UnitFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPTION = "[data-testid=unit-picker-option]"


@pytest.fixture
def tree(union, grassroots):
    """Under the union: the school's union (with a team under it), a factory's union, and a dissolved one."""
    team = UnitFactory(
        parent=grassroots, kind=UnitKind.GRASSROOTS, code="WARD-A-01-T1", name="Tổ công đoàn Khối tiểu học"
    )
    factory = UnitFactory(parent=union, kind=UnitKind.GRASSROOTS, code="WARD-A-02", name="Công đoàn cơ sở Nhà máy May")
    old = UnitFactory(parent=union, kind=UnitKind.GRASSROOTS, code="WARD-A-OLD", name="Công đoàn cơ sở Nhà máy Dệt Cũ")
    Unit.objects.filter(pk=old.pk).update(valid_to=date(2025, 6, 30))
    return {"team": team, "factory": factory, "old": old}


def _option(picker, name):
    return picker.locator(OPTION).filter(has_text=name)


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_a_tree_that_folds_searches_and_sends_several_units_chosen_by_keyboard(
    open_page, live_server, union, grassroots, tree, viewport
):
    staff = UserFactory(username=f"pickerstaff-{viewport}", unit=union, role=Role.STAFF)
    page, problems = open_page(viewport)
    log_in(page, live_server, staff.username, TEST_PASSWORD)

    page.goto(f"{live_server.url}/guidance/new/")
    picker = page.locator("[data-testid=unit-picker]").first
    expect(picker.locator("[role=tree][aria-multiselectable=true]")).to_have_count(1)
    # The top unit is open, the units under it closed: the team under the school is out of sight.
    top = _option(picker, union.name)
    expect(top).to_have_attribute("aria-expanded", "true")
    expect(top).to_have_attribute("aria-level", "1")
    school = _option(picker, grassroots.name)
    expect(school).to_have_attribute("aria-expanded", "false")
    expect(school).to_have_attribute("aria-level", "2")
    expect(_option(picker, tree["team"].name)).to_have_count(0)
    expect(_option(picker, tree["old"].name)).to_have_count(0)  # dissolved: not a target
    # Touch: the arrow opens the branch; again closes it.
    school.locator("[data-testid=unit-picker-twisty]").click()
    expect(school).to_have_attribute("aria-expanded", "true")
    expect(_option(picker, tree["team"].name)).to_have_attribute("aria-level", "3")
    school.locator("[data-testid=unit-picker-twisty]").click()
    expect(_option(picker, tree["team"].name)).to_have_count(0)

    # Keyboard: from the search box into the tree, down to the school, open it, into it, choose with Space;
    # back up to the union (Left: to the unit above), choose it with Enter.
    search = picker.locator("[data-testid=unit-picker-search]")
    search.focus()
    page.keyboard.press("ArrowDown")
    expect(top).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(school).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(school).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowRight")
    team = _option(picker, tree["team"].name)
    expect(team).to_be_focused()
    page.keyboard.press("Space")
    expect(team).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowLeft")
    expect(school).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(school).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("ArrowLeft")
    expect(top).to_be_focused()
    page.keyboard.press("Enter")
    expect(picker.locator("[data-testid=unit-picker-chip]")).to_have_text([union.name, tree["team"].name])

    # Search without accents; the match shows under the units above it; Enter in the box chooses it.
    search.fill("nha may may")
    expect(picker.locator(OPTION)).to_have_count(2)
    expect(_option(picker, tree["factory"].name)).to_be_visible()
    search.press("Enter")
    chosen = page.eval_on_selector("select[name=target_units]", "s => [...s.selectedOptions].map(o => o.value)")
    assert sorted(chosen) == sorted(str(u.pk) for u in (union, tree["team"], tree["factory"]))
    # A choice comes off with its chip's button.
    picker.locator("[data-testid=unit-picker-chip]").filter(has_text=union.name).locator("button").click()
    expect(picker.locator("[data-testid=unit-picker-chip]")).to_have_count(2)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]

    # The form sends the units chosen.
    page.fill("input[name=title]", f"Định hướng về tiền lương ({viewport})")
    page.fill("textarea[name=body]", "Tiền lương tối thiểu vùng tăng từ ngày 01/01.")
    page.click("[data-testid=save]")
    page.wait_for_load_state("load")
    note = GuidanceNote.objects.get(title=f"Định hướng về tiền lương ({viewport})")
    assert set(note.target_units.all()) == {tree["team"], tree["factory"]}
    problems.assert_clean()


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_the_filters_open_branches_from_the_server_and_show_dissolved_units_only_when_asked(
    open_page, live_server, union, grassroots, tree, viewport
):
    staff = UserFactory(username=f"filterstaff-{viewport}", unit=union, role=Role.STAFF)
    page, problems = open_page(viewport)
    log_in(page, live_server, staff.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/roster/")
    page.locator("details:has([data-testid=unit-picker]) > summary").click()  # the filters fold away
    picker = page.locator("[data-testid=unit-picker]").first
    expect(picker.locator("[role=tree]:not([aria-multiselectable])")).to_have_count(1)
    # The page lists two levels: the team under the school comes from the server when its branch opens.
    assert page.locator(f"select[name=unit] option[value='{tree['team'].pk}']").count() == 0
    school = _option(picker, grassroots.name)
    expect(school).to_have_attribute("aria-expanded", "false")
    school.locator("[data-testid=unit-picker-twisty]").click()
    team = _option(picker, tree["team"].name)
    expect(team).to_have_attribute("aria-level", "3")
    # The dissolved unit: hidden until asked.
    expect(_option(picker, tree["old"].name)).to_have_count(0)
    picker.locator("[data-testid=unit-picker-ended]").check()
    expect(_option(picker, tree["old"].name)).to_have_count(1)
    picker.locator("[data-testid=unit-picker-ended]").uncheck()
    expect(_option(picker, tree["old"].name)).to_have_count(0)
    # One unit only: choosing another replaces it; the filter sends it.
    school.click()
    team.click()
    expect(picker.locator("[data-testid=unit-picker-chip]")).to_have_text([tree["team"].name])
    assert page.eval_on_selector("select[name=unit]", "s => s.value") == str(tree["team"].pk)
    problems.assert_clean()


def test_the_move_form_sends_the_new_parent_found_by_search_by_its_code(
    open_page, live_server, union, grassroots, tree
):
    admin = UserFactory(username="pickeradmin", unit=union, role=Role.ADMIN)
    page, problems = open_page("phone")
    log_in(page, live_server, admin.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/roster/units/{tree['team'].pk}/move/")
    picker = page.locator("[data-testid=unit-picker]").first
    search = picker.locator("[data-testid=unit-picker-search]")
    search.fill("may")
    _option(picker, tree["factory"].name).click()
    assert page.eval_on_selector("select[name=new_parent]", "s => s.value") == tree["factory"].code
    page.fill("input[name=reason]", "Quyết định 12/QĐ-LĐLĐ")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    tree["team"].refresh_from_db()
    assert tree["team"].path.startswith(tree["factory"].path)
    problems.assert_clean()


def test_the_person_form_sends_a_deep_unit_loaded_from_a_branch_for_units_in_force(
    open_page, live_server, union, grassroots, tree
):
    """The person form lists two levels; the school's branch comes from the server narrowed to the form's
    rule (units in force the admin sees): the team under it is chosen and saved."""
    admin = UserFactory(username="personpickadmin", unit=union, role=Role.ADMIN)
    page, problems = open_page("laptop")
    log_in(page, live_server, admin.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/roster/new/")
    assert page.locator(f"select[name=unit] option[value='{tree['team'].pk}']").count() == 0
    picker = page.locator("[data-testid=unit-picker]").first
    school = _option(picker, grassroots.name)
    school.locator("[data-testid=unit-picker-twisty]").click()
    team = _option(picker, tree["team"].name)
    expect(team).to_have_attribute("aria-level", "3")
    team.click()
    assert page.eval_on_selector("select[name=unit]", "s => s.value") == str(tree["team"].pk)
    # The form's rule leaves the dissolved unit out even when asked for.
    picker.locator("[data-testid=unit-picker-ended]").check()
    with page.expect_response(lambda r: "options.json" in r.url and "q=det" in r.url) as answer:
        picker.locator("[data-testid=unit-picker-search]").fill("det cu")
    assert "purpose=in-force" in answer.value.url and answer.value.json()["results"] == []
    expect(picker.locator(OPTION)).to_have_count(0)
    page.fill("input[name=full_name]", "Trần Văn Sâu")
    page.fill("input[name=phone]", "0912000222")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    assert User.objects.get(full_name="Trần Văn Sâu").unit == tree["team"]
    problems.assert_clean()


def test_ended_units_open_no_branch_and_come_from_the_server_only_when_asked(
    open_page, live_server, union, grassroots, tree
):
    """The roster's filter: the factory's union, whose units have all ended, has no arrow until dissolved
    units are asked for; the school's branch comes without its dissolved team, and again with it once asked."""
    ended = [
        UnitFactory(parent=tree["factory"], kind=UnitKind.GRASSROOTS, code=f"WARD-A-02-OLD{n}", name=f"Tổ Ca cũ {n}")
        for n in (1, 2)
    ]
    ended.append(UnitFactory(parent=grassroots, kind=UnitKind.GRASSROOTS, code="WARD-A-01-OLD", name="Tổ Khối cũ"))
    Unit.objects.filter(pk__in=[unit.pk for unit in ended]).update(valid_to=date(2025, 6, 30))
    staff = UserFactory(username="endedstaff", unit=union, role=Role.STAFF)
    page, problems = open_page("laptop")
    log_in(page, live_server, staff.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/roster/")
    page.locator("details:has([data-testid=unit-picker]) > summary").click()
    picker = page.locator("[data-testid=unit-picker]").first

    def branch_of(unit):
        return lambda response: re.search(rf"[?&]parent={unit.pk}(&|$)", response.url) is not None

    factory = _option(picker, tree["factory"].name)
    expect(factory.locator("[data-testid=unit-picker-twisty]")).to_have_text("")
    assert factory.get_attribute("aria-expanded") is None
    school = _option(picker, grassroots.name)
    with page.expect_response(branch_of(grassroots)) as answer:
        school.locator("[data-testid=unit-picker-twisty]").click()
    assert "ended=1" not in answer.value.url
    assert [row["id"] for row in answer.value.json()["results"]] == [tree["team"].pk]
    expect(_option(picker, tree["team"].name)).to_have_count(1)
    expect(_option(picker, "Tổ Khối cũ")).to_have_count(0)

    # Asked for: the open branch comes again with its dissolved team, and the factory's union opens.
    with page.expect_response(branch_of(grassroots)) as answer:
        picker.locator("[data-testid=unit-picker-ended]").check()
    assert "ended=1" in answer.value.url
    expect(_option(picker, "Tổ Khối cũ")).to_have_count(1)
    expect(factory).to_have_attribute("aria-expanded", "false")
    with page.expect_response(branch_of(tree["factory"])) as answer:
        factory.locator("[data-testid=unit-picker-twisty]").click()
    assert "ended=1" in answer.value.url
    expect(_option(picker, "Tổ Ca cũ")).to_have_count(2)
    # Hidden again: the factory's union has nothing to open.
    picker.locator("[data-testid=unit-picker-ended]").uncheck()
    expect(_option(picker, "Tổ Ca cũ")).to_have_count(0)
    expect(factory.locator("[data-testid=unit-picker-twisty]")).to_have_text("")
    problems.assert_clean()
