"""The cockpit in a real browser on the demo (with its case history): tiles, the trend chart drawn by
ECharts from static JS, rankings, drill-down to a district, no JavaScript error."""

import pytest

from yiwang.core.testing.browser import login

pytestmark = pytest.mark.browser


def test_a_leader_reads_the_cockpit_and_drills_down(demo_server, page):
    # given the leader is signed in
    login(page, demo_server, "leader")
    # when the cockpit opens
    page.goto(f"{demo_server}/cockpit/")
    # then the trend chart is drawn (ECharts renders into a canvas) beside the tiles and rankings
    page.wait_for_selector("#trend-chart canvas", timeout=20000)
    body = page.inner_text("body")
    for text in ("综合得分", "响应率", "解决率", "满意率", "区域排名", "承办单位排名"):
        assert text in body
    # when the leader follows the first district's link
    link = page.locator("#ranking-areas tbody th a").first
    name = link.inner_text()
    link.click()
    # then the page is that district's, listing its towns
    page.wait_for_selector("#trend-chart canvas", timeout=20000)
    assert name in page.inner_text(".crumbs")
