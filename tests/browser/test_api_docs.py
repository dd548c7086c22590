"""The API documentation page in a real Chromium: Swagger UI draws the schema from this site's own files,
the Content-Security-Policy blocks nothing and no request leaves the site."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_documentation_renders_from_this_sites_files_only(open_page, live_server):
    page, problems = open_page("laptop")
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API của Mạng lưới dư luận")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    expect(page.get_by_text("Viết hoặc gửi báo cáo")).to_be_visible()
    outside = [url for url in requested if not url.startswith((live_server.url, "data:"))]
    assert not outside, f"the page loaded from elsewhere: {outside}"
    problems.assert_clean()
