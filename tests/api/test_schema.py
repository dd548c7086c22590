"""The OpenAPI schema validates, covers every API URL, speaks Vietnamese by default; the documentation page
loads only this site's files."""

import re

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from api.urls import urlpatterns

pytestmark = pytest.mark.django_db


def test_the_schema_validates_against_the_openapi_specification():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)  # raises on any violation of the OpenAPI 3 meta-schema
    paths = set(schema["paths"])
    documented = {f"/api/v1/{p.pattern}" for p in urlpatterns if p.name not in ("schema", "docs")}
    # drf-spectacular names the primary key ``id`` in the schema's paths
    documented = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path).replace("{pk}", "{id}") for path in documented}
    assert documented == paths
    assert schema["components"]["securitySchemes"]["accessToken"]["scheme"] == "bearer"


def test_the_schema_is_served_in_vietnamese_and_in_english_on_request(client):
    vietnamese = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert vietnamese.status_code == 200
    assert vietnamese.json()["paths"]["/api/v1/reports/"]["post"]["summary"] == "Viết hoặc gửi báo cáo"
    english = client.get(
        reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["paths"]["/api/v1/reports/"]["post"]["summary"] == "Write or send a report"


def test_the_documentation_page_loads_only_this_sites_files(client):
    page = client.get(reverse("api:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/") and not source.startswith("//") for source in sources)
    assert "<script>" not in html and "<style" not in html and " style=" not in html  # the CSP forbids inline
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in html
    directives = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";") if part.strip())
    assert directives["script-src"] == "'self'"
