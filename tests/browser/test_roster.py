"""The roster with a real Chromium: what a union admin and a collaborator do.

A union admin imports people from an Excel file (preview with an error,
nothing saved; then a corrected file, confirmed), finds one of them with a
search typed without diacritics and opens their page. A collaborator on a
phone opens their own page from the collapsed menu and gets the Vietnamese
404 page on the roster list (a page a role may not use does not exist for it).

Translations are being completed while the app evolves, so texts are
checked against what the catalogue says in Vietnamese at run time (the live
server runs in this process, with the same catalogue), and literally only
where the Vietnamese is settled. Screenshots: tests/screenshots/roster_*.png.
"""

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook
from playwright.sync_api import expect

from collaborators.models import Position, Role, User
from collaborators.models.imports import ImportBatch, ImportStatus
from collaborators.services import imports as import_services
from tests.browser.pages import log_in as _login
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The federation's file format (the template's first row); fixed, not translated.
HEADERS = [
    "Họ và tên",
    "Số điện thoại",
    "Email",
    "Mã đơn vị",
    "Chức danh",
    "Nơi làm việc",
    "Giới tính",
    "Năm sinh",
    "Lĩnh vực phụ trách",
]
BAD_PHONE = "12345"


def _vi(text, **params):
    """``text`` as the site shows it in Vietnamese now (untranslated messages stay in English)."""
    with translation.override("vi"):
        return gettext(text) % params if params else gettext(text)


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách CTV"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _good_rows(unit_code):
    return [
        [
            "Nguyễn Văn Bình",
            "0912 345 601",
            "nguyenvanbinh@example.com",
            unit_code,
            "Tuyên truyền viên miệng",
            "Công ty TNHH May Thăng Long",
            "Nam",
            1985,
            "Tiền lương, việc làm",
        ],
        [
            "Trần Thị Hoà",
            "0987.654.302",
            "",
            unit_code,
            "Thành viên đội ngũ nắm bắt dư luận cơ sở",
            "Trường THCS Ba Đình",
            "Nữ",
            1990,
            "Giáo dục",
        ],
    ]


BAD_ROW = ["Lê Văn Sai", BAD_PHONE, "", "WARD-A-01", "", "", "Nam", 1979, ""]


def _clean(problems, *, expected_status=None):
    """Like PageProblems.assert_clean, and no console error at all (bar an expected HTTP error status)."""
    console = list(problems.console_errors)
    if expected_status:
        marker = f"status of {expected_status}"
        console = [m for m in console if marker not in m]
        problems.failed_requests = [r for r in problems.failed_requests if not r.endswith(f"HTTP {expected_status}")]
    problems.assert_clean()
    assert not console, f"console errors: {console}"


def _upload(page, live_server, filename, content):
    upload_url = f"{live_server.url}/roster/import/"
    if page.url != upload_url:
        page.goto(upload_url)
    form = page.locator("main form[enctype='multipart/form-data']")
    form.locator("input[type=file][name=file]").set_input_files(
        files={"name": filename, "mimeType": XLSX, "buffer": content}
    )
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")


@pytest.fixture
def union_admin(union):
    return UserFactory(
        username="unionadmin", full_name="Đỗ Thị Thanh", role=Role.ADMIN, unit=union, password=TEST_PASSWORD
    )


def test_admin_imports_people_then_finds_one(open_page, live_server, screenshot_dir, union_admin, grassroots):
    page, problems = open_page("laptop")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))

    _login(page, live_server, union_admin.username, TEST_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")

    # --- a file with one bad row: every row shown, the error in Vietnamese, nothing saved ---
    page.goto(f"{live_server.url}/roster/import/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("[data-testid=template-xlsx]")).to_be_visible()
    users_before = User.objects.count()
    good = _good_rows(grassroots.code)
    _upload(page, live_server, "danh-sach-co-loi.xlsx", _xlsx([good[0], BAD_ROW, good[1]]))

    batch = ImportBatch.objects.get()
    expect(page).to_have_url(f"{live_server.url}/roster/import/{batch.pk}/")
    rows = page.locator("[data-testid=import-rows] [data-testid=import-row]")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Nguyễn Văn Bình")
    expect(rows.nth(0)).to_contain_text(grassroots.name)  # the unit code understood
    expect(rows.nth(2)).to_contain_text("Trần Thị Hoà")
    bad = rows.nth(1)
    expect(bad).to_have_class("table-danger")
    expect(rows.and_(page.locator(".table-danger"))).to_have_count(1)
    expect(bad).to_contain_text("Lê Văn Sai")
    expect(bad.locator("td.text-danger")).to_have_text(BAD_PHONE)  # the phone cell is flagged, as typed
    with translation.override("vi"):
        error = {"code": "phone_invalid", "field": "phone", "params": {"value": BAD_PHONE}}
        expected_error = import_services.error_text(error)
    expect(bad.locator("ul.text-danger li")).to_have_text([expected_error])
    expect(page.locator("[data-testid=import-has-errors]")).to_be_visible()
    expect(page.locator("[data-testid=import-ready]")).to_have_count(0)
    # The template leaves the confirm button out while a row has an error.
    expect(page.locator("[data-testid=confirm-import]")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "roster_preview_errors.png"), full_page=True)
    _clean(problems)
    assert User.objects.count() == users_before
    assert not User.objects.filter(full_name__in=["Nguyễn Văn Bình", "Trần Thị Hoà", "Lê Văn Sai"]).exists()
    assert batch.status == ImportStatus.PREVIEWED and batch.error_count == 1

    # --- the corrected file: confirm, both people added, inactive ---
    page.locator("[data-testid=import-has-errors] a.alert-link").click()
    expect(page).to_have_url(f"{live_server.url}/roster/import/")
    expect(page.locator("main")).to_contain_text("danh-sach-co-loi.xlsx")  # in the recent imports
    _upload(page, live_server, "danh-sach-da-sua.xlsx", _xlsx(good))

    batch = ImportBatch.objects.latest("pk")
    expect(page).to_have_url(f"{live_server.url}/roster/import/{batch.pk}/")
    expect(page.locator("[data-testid=import-ready]")).to_be_visible()
    expect(page.locator("[data-testid=import-has-errors]")).to_have_count(0)
    expect(page.locator("[data-testid=import-row]")).to_have_count(2)
    expect(page.locator("[data-testid=import-row].table-danger")).to_have_count(0)
    confirm = page.locator("[data-testid=confirm-import]")
    expect(confirm).to_be_enabled()
    expect(confirm).to_contain_text("2")
    page.screenshot(path=str(screenshot_dir / "roster_preview_ready.png"), full_page=True)
    assert User.objects.count() == users_before

    confirm.click()
    page.wait_for_load_state("load")
    assert dialogs == [_vi("Add all these people to the roster?")]
    expect(page).to_have_url(f"{live_server.url}/roster/import/{batch.pk}/")
    applied = page.locator("[data-testid=import-applied]")
    expect(applied).to_be_visible()
    expect(applied).to_contain_text("2")
    expect(page.locator("main .alert-success[role=alert]")).to_contain_text("2")  # the flash message
    imported = page.locator("[data-testid=imported-people] tbody tr")
    expect(imported).to_have_count(2)
    expect(imported.nth(0)).to_contain_text("Nguyễn Văn Bình")
    expect(imported.nth(1)).to_contain_text("Trần Thị Hoà")
    expect(page.locator("[data-testid=confirm-import]")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "roster_imported.png"), full_page=True)
    _clean(problems)

    assert User.objects.count() == users_before + 2
    people = {p.full_name: p for p in User.objects.filter(full_name__in=["Nguyễn Văn Bình", "Trần Thị Hoà"])}
    assert set(people) == {"Nguyễn Văn Bình", "Trần Thị Hoà"}
    for person in people.values():
        assert not person.is_active
        assert not person.has_usable_password()
        assert person.role == Role.COLLABORATOR
        assert person.unit_id == grassroots.pk
    binh = people["Nguyễn Văn Bình"]
    assert binh.phone == "0912345601"
    assert binh.profile.position == Position.ORAL_PROPAGANDIST
    assert binh.profile.birth_year == 1985
    assert people["Trần Thị Hoà"].phone == "0987654302"
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.APPLIED

    # --- search without diacritics, open the person ---
    page.goto(f"{live_server.url}/roster/")
    search = page.locator("main form[role=search]")
    if not search.is_visible():
        page.locator("main details > summary").click()
    search.locator("input[name=q]").fill("nguyen van")
    search.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["nguyen van"]
    found = page.locator("[data-testid=person-row]")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("Nguyễn Văn Bình")
    expect(page.locator("main")).not_to_contain_text("Trần Thị Hoà")
    page.screenshot(path=str(screenshot_dir / "roster_search.png"), full_page=True)
    _clean(problems)

    found.get_by_role("link", name="Nguyễn Văn Bình").click()
    expect(page).to_have_url(f"{live_server.url}/roster/{binh.pk}/")
    expect(page.locator("[data-testid=person-name]")).to_have_text("Nguyễn Văn Bình")
    expect(page.locator("[data-testid=person-phone]")).to_have_text("0912345601")
    expect(page.locator("main")).to_contain_text(grassroots.name)
    expect(page.locator(f"main a[href='/roster/{binh.pk}/invite/']")).to_be_visible()  # inactive: can be invited
    page.screenshot(path=str(screenshot_dir / "roster_person.png"), full_page=True)
    _clean(problems)


def test_collaborator_on_phone_sees_own_page_not_roster(open_page, live_server, screenshot_dir, collaborator):
    page, problems = open_page("phone")

    _login(page, live_server, collaborator.username, TEST_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")

    my_profile = page.locator(f"#mainNav a.nav-link[href='/roster/{collaborator.pk}/']")
    expect(my_profile).to_be_hidden()  # collapsed on a phone
    page.locator("nav .navbar-toggler").click()
    expect(my_profile).to_be_visible()
    expect(my_profile).to_have_text(_vi("My profile"))
    expect(page.locator("#mainNav a.nav-link[href='/roster/']")).to_have_count(0)  # no roster for collaborators
    page.screenshot(path=str(screenshot_dir / "roster_phone_menu.png"), full_page=True)
    my_profile.click()

    expect(page).to_have_url(f"{live_server.url}/roster/{collaborator.pk}/")
    expect(page.locator("[data-testid=person-name]")).to_have_text(collaborator.full_name)
    expect(page.locator("[data-testid=download-my-data]")).to_be_visible()
    expect(page.locator("main .breadcrumb a[href='/roster/']")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "roster_phone_profile.png"), full_page=True)
    _clean(problems)

    response = page.goto(f"{live_server.url}/roster/")
    assert response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("main h1")).to_contain_text("Không tìm thấy trang")
    expect(page.locator("[data-testid=person-row]")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "roster_phone_404.png"), full_page=True)
    _clean(problems, expected_status=404)
