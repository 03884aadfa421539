"""Browser test fixtures: a real `yiwang serve` on the Jiangmen demo, driven by Playwright in Debian's
Chromium (/usr/bin/chromium; a test tool's own browser download cannot work here).

The server runs as its own process on its own SQLite file, loaded with `yiwang demo` — exactly what a
newcomer runs — so browser tests never disturb the per-test database. Any JavaScript error on a page
fails the test. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _require_chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """Base URL of a live demo server with its own database, for the whole session."""
    _require_chromium()
    var = tmp_path_factory.mktemp("demo-var")
    env = {**os.environ, "YIWANG_VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'demo.sqlite3'}",
           "YIWANG_MODE": "demo", "SWEEP_INTERVAL_SECONDS": "3600",
           "YIWANG_DEMO_CASES": os.environ.get("YIWANG_BROWSER_DEMO_CASES", "150"),
           # The loop tests walk every step by hand: no classifier routing cases past the dispatcher,
           # and small registers (their pages are tested with their own data).
           "YIWANG_DEMO_CLASSIFIER": "0", "YIWANG_DEMO_REGISTER_SCALE": "0.001"}
    run = [sys.executable, "-m", "yiwang"]
    for args in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"], ["demo"]):
        subprocess.run(run + args, env=env, check=True, capture_output=True, timeout=600)
    port = _free_port()
    log = open(var / "server.log", "wb")
    proc = subprocess.Popen(run + ["serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError((var / "server.log").read_text(errors="replace")[-3000:]) from None
            time.sleep(0.3)
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    """A fresh page; any JavaScript error or failed same-origin request fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(f"JS error on {pg.url}: {exc}"))
    pg.on(
        "console",
        lambda msg: errors.append(f"console.{msg.type} on {pg.url} ({msg.location.get('url')}:{msg.location.get('lineNumber')}): {msg.text}")
        if msg.type == "error"
        else None,
    )
    pg.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 and not getattr(
        pg, "expect_http_errors", False) else None)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    name = request.node.name.replace("/", "_").replace("[", "_").replace("]", "")
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    except Exception:  # noqa: BLE001 - a screenshot is a courtesy, never the failure
        pass
    context.close()
    assert not errors, "\n".join(errors)


def login(page, base: str, username: str, password: str = "yiwang-demo") -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")


