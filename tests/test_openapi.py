"""The API's OpenAPI description: valid, complete, true to the responses, and its docs page."""

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from jsonschema import Draft202012Validator

from alliance.models import MemberStatus
from products.models import ProductStatus
from tests.factories import (
    EnterpriseFactory,
    MemberFactory,
    PartnerFederationFactory,
    ProductFactory,
    ProductImageFactory,
    SKUFactory,
    SubCategoryFactory,
    TagFactory,
)
from tests.products.test_api import own_cache  # noqa: F401 (fixture)

# Each operation with the errors it documents besides 405 and 429.
OPERATIONS = {
    ("/api/v1/products/", "get"): {"400"},
    ("/api/v1/products/{id}/", "get"): {"404"},
    ("/api/v1/categories/", "get"): set(),
    ("/api/v1/sellers/", "get"): {"400"},
    ("/api/v1/sellers/{id}/", "get"): {"404"},
}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


def json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: nullable as a null type, objects closed.

    Closed objects make a field the API sends but the schema does not describe a failure.
    """
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: json_schema(value) for key, value in node.items()}
    if node.get("type") == "object" and "properties" in node:
        node.setdefault("additionalProperties", False)
    if node.pop("nullable", False):
        if "type" in node and "enum" not in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def validate(schema: dict, template: str, response, method: str = "get") -> None:
    """Checks a response against what the schema documents for its path, method and status."""
    documented = schema["paths"][template][method]["responses"][str(response.status_code)]
    response_schema = documented["content"]["application/json"]["schema"]
    root = {"$ref": "#/response", "response": response_schema, "components": schema["components"]}
    validator = Draft202012Validator(json_schema(root))
    errors = [error.message for error in validator.iter_errors(response.json())]
    assert errors == [], f"{method.upper()} {template} {response.status_code}: {errors}"


@pytest.fixture
def catalogue():
    seller = MemberFactory(mobile="13912345678")
    product = ProductFactory(
        seller=seller,
        category=SubCategoryFactory(),
        enterprise=EnterpriseFactory(owner=seller),
        is_partner_county=True,
        partner_federation=PartnerFederationFactory(),
    )
    product.tags.set([TagFactory()])
    SKUFactory(product=product, price=Decimal("88.00"))
    SKUFactory(product=product, price=Decimal("128.00"), stock=0)
    ProductImageFactory(product=product)
    bare = ProductFactory(origin_village=None, seller=MemberFactory(village=None))
    hidden = ProductFactory(status=ProductStatus.OFF_SHELF)
    suspended = MemberFactory(status=MemberStatus.SUSPENDED)
    return {"product": product, "bare": bare, "hidden": hidden, "suspended": suspended}


def test_the_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    assert (tmp_path / "schema.yml").read_text(encoding="utf-8").startswith("openapi: 3.0.3")


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_operation_is_described_with_examples_and_its_errors(schema, path, method):
    operation = schema["paths"][path][method]
    assert operation["summary"] and operation["description"]
    responses = operation["responses"]
    assert responses["200"]["content"]["application/json"]["examples"]
    assert set(responses) == {"200", "405", "429", *OPERATIONS[path, method]}
    for status in set(responses) - {"200"}:
        content = responses[status]["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/Error"}
        assert content["examples"]


def test_every_operation_of_the_api_is_described_with_examples_and_json_errors(schema):
    """Every endpoint under /api/ (the catalogue's and other apps'): summary, description,
    examples, and errors in the one Error shape."""
    assert {path for path, _method in OPERATIONS} <= set(schema["paths"])
    for path, item in schema["paths"].items():
        assert path.startswith("/api/v1/")
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert operation["summary"] and operation["description"], where
            responses = operation["responses"]
            success = [status for status in responses if status.startswith("2")]
            assert success, where
            assert any(
                responses[status]["content"]["application/json"].get("examples")
                for status in success
                if "content" in responses[status]
            ), where
            for status in set(responses) - set(success):
                content = responses[status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, where


def test_the_catalogue_is_read_only(schema):
    for path, method in OPERATIONS:
        assert set(schema["paths"][path]) == {method}


@pytest.mark.django_db
def test_the_responses_match_the_schema(schema, catalogue, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "30/min", "user": "30/min"},
    }
    product, bare = catalogue["product"], catalogue["bare"]
    client = Client()
    cases = [
        ("/api/v1/products/", "/api/v1/products/"),
        ("/api/v1/products/", "/api/v1/products/?page_size=1"),
        ("/api/v1/products/", "/api/v1/products/?partner_county=true&price_min=50&ordering=price"),
        ("/api/v1/products/", "/api/v1/products/?month=13&category=x"),
        ("/api/v1/products/", "/api/v1/products/?cursor=nonsense"),
        ("/api/v1/products/{id}/", f"/api/v1/products/{product.pk}/"),
        ("/api/v1/products/{id}/", f"/api/v1/products/{bare.pk}/"),
        ("/api/v1/products/{id}/", f"/api/v1/products/{catalogue['hidden'].pk}/"),
        ("/api/v1/categories/", "/api/v1/categories/"),
        ("/api/v1/sellers/", "/api/v1/sellers/"),
        ("/api/v1/sellers/{id}/", f"/api/v1/sellers/{product.seller_id}/"),
        ("/api/v1/sellers/{id}/", f"/api/v1/sellers/{bare.seller_id}/"),
        ("/api/v1/sellers/{id}/", f"/api/v1/sellers/{catalogue['suspended'].pk}/"),
    ]
    statuses = []
    for template, url in cases:
        for _ in range(2):  # computed, then from the cache
            response = client.get(url)
            validate(schema, template, response)
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 400, 400, 200, 200, 404, 200, 200, 200, 200, 404]
    page = client.get("/api/v1/products/?page_size=1").json()
    validate(schema, "/api/v1/products/", client.get(page["next"]))
    for template, url in cases[::3]:
        validate(schema, template, client.post(url.split("?")[0]), method="get")


@pytest.mark.django_db
def test_a_throttled_response_matches_the_schema(schema, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/min", "user": "1/min"},
    }
    client = Client()
    client.get("/api/v1/categories/")
    response = client.get("/api/v1/categories/")
    assert response.status_code == 429
    validate(schema, "/api/v1/categories/", response)


@pytest.mark.django_db
def test_the_schema_is_served_as_json_and_yaml():
    client = Client()
    as_json = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert as_json.status_code == 200
    assert as_json.json()["openapi"] == "3.0.3"
    as_yaml = client.get("/api/schema/")
    assert as_yaml.status_code == 200
    assert as_yaml.content.startswith(b"openapi: 3.0.3")


@pytest.mark.django_db
def test_the_docs_page_loads_only_our_own_files_and_no_inline_code():
    client = Client()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html and "style=" not in html
    sources = re.findall(r"<script([^>]*)>", html)
    assert len(sources) == 3
    assert all('src="/' in attributes for attributes in sources)
    for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert finders.find(url.removeprefix("/static/")), url
    script = client.get(
        re.search(r'src="(/api/docs/\?[^"]+)"', html).group(1).replace("&amp;", "&")
    )
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"/api/schema/" in script.content
    assert "script-src 'self'" in page["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_docs_can_be_kept_for_staff(settings, staff_client):
    settings.API_DOCS_PUBLIC = False
    client = Client()
    for url in ("/api/docs/", "/api/schema/"):
        refused = client.get(url)
        assert refused.status_code == 403
        assert refused.json()["code"] in {"not_authenticated", "permission_denied"}
        assert staff_client.get(url).status_code == 200
    assert client.get("/api/v1/categories/").status_code == 200  # the API itself stays open


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_runs_under_our_csp_in_chromium(live_server, desktop_page, schema):
    ProductFactory()
    page = desktop_page.page
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert {path.replace("\u200b", "") for path in paths} == set(schema["paths"])
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock-body", timeout=5_000)
    desktop_page.screenshot("api-docs")
    assert desktop_page.console_errors == []
