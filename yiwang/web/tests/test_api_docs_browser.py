"""The API's interactive documentation in a real browser: Swagger UI's script and styles come from our
own static files (no CDN: government networks are often closed, and the CSP allows no other origin)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_api_docs_render_the_operations_from_our_own_assets(page, demo_server):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{demo_server}/api/v1/docs")
    # Swagger UI has read /api/v1/openapi.json and drawn one block per operation
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Yiwang")
    expect(page.locator(".opblock-summary-path[data-path='/api/v1/cases']").first).to_be_visible()
    assert page.locator(".opblock").count() > 20
    foreign = [u for u in requested if not u.startswith(demo_server) and not u.startswith("data:")]
    assert not foreign, foreign
