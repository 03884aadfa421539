"""The audit page in a real browser on the demo server: the auditor lands on it, checks the chain and
reads the result. Any JavaScript error, CSP violation or failed request fails the test
(yiwang/core/testing/browser.py); the screenshot goes to test-artifacts/."""

import pytest

from yiwang.core.testing.browser import ARTIFACTS, login

pytestmark = pytest.mark.browser


def test_the_auditor_checks_the_audit_chain(demo_server, page):
    # given the auditor signs in: their day starts on the audit page, with the demo's events listed
    with page.expect_navigation():
        login(page, demo_server, "auditor")
    page.wait_for_url(f"{demo_server}/audit/")
    assert page.locator("table.audit-events tbody tr[data-seq]").count() > 0
    assert page.locator("nav.nav a[href='/audit/']").inner_text().strip() == "审计"
    # when they press "check now"
    with page.expect_navigation():
        page.click("button[data-audit-check]")
    # then the stored result says the chain is intact, who checked it and how many events
    state = page.locator("[data-chain]")
    assert state.get_attribute("data-chain") == "ok"
    assert "已校验" in state.inner_text()
    assert "周敏 · 江门市" in page.inner_text("#check dl.facts")  # the checker named, not their login
    assert "审计链完整" in page.inner_text(".messages")
    # and a filter narrows the list to one move
    page.select_option("#id_action", "dispatch")
    with page.expect_navigation():
        page.click("form.audit-filters button[type=submit]")
    actions = page.locator("table.audit-events tbody tr[data-seq] td.action").all_inner_texts()
    assert actions and set(actions) == {"派遣"}
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "audit-page.png"), full_page=True)
