"""The dashboard in a real headless browser (Debian's chromium driven by Playwright):
log in, see charts with data, open an at-risk relationship, slide its timeline, watch a
page update live, log out; no console errors; axe finds nothing serious or critical.

A screenshot of each page goes to ``.artifacts/dashboard/`` (kept by CI as an artifact)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect, sync_playwright

from mentoring.bootstrap import build_runtime
from mentoring.demo import DemoProgram
from mentoring.settings import Settings
from tests.api.driver import ADMIN_SECRET
from tests.api.test_serve import free_port
from tests.dashboard.conftest import DEMO_END
from tests.support.serving import serve, wait_until

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts" / "dashboard"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``mentoring serve`` on SQLite holding a demo program (projections in-process)."""
    directory = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{directory / 'm.db'}"
    built = build_runtime(Settings(database_url=url, bootstrap_admin_key=ADMIN_SECRET))
    DemoProgram(built.service, mentors=8, mentees=24, months=10, seed=7, now=DEMO_END).run()
    built.close()
    port = free_port()
    env = {**os.environ, "MENTORING_DATABASE_URL": url,
           "MENTORING_BOOTSTRAP_ADMIN_KEY": ADMIN_SECRET}
    server = serve(port, env, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"

    def caught_up() -> bool:
        views = httpx.get(f"{base}/readyz", timeout=5).json()["projections"]
        return bool(views) and all(view["lag"] == 0 for view in views.values())

    try:
        wait_until(caught_up, server, seconds=60, what="mentoring serve did not catch up")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)


@pytest.fixture
def page(served: str) -> Iterator[tuple[Page, list[str]]]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium",
                    pytrace=False)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(base_url=served, viewport={"width": 1280, "height": 900})
        opened = context.new_page()
        problems: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            if message.type in ("error", "warning"):
                problems.append(f"{message.type}: {message.text}")

        opened.on("console", on_console)
        opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        try:
            yield opened, problems
        finally:
            browser.close()


def accessibility_problems(page: Page) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in violations if v["impact"] in ("serious", "critical")]


def look(page: Page, name: str) -> None:
    """Checks the page for accessibility and keeps a screenshot of it."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert accessibility_problems(page) == [], name


def test_an_admin_audits_a_program(page: tuple[Page, list[str]], served: str) -> None:
    browser, problems = page
    browser.goto("/")
    expect(browser).to_have_url(f"{served}/dashboard/login?next=/dashboard")
    look(browser, "login")
    browser.fill("#api_key", "not a key")
    browser.click("button[type=submit]")
    expect(browser.get_by_role("alert")).to_contain_text("unknown or revoked API key")
    # The browser logs the refused log-in's 401 as an error: that one was meant.
    assert [p for p in problems if "401" not in p] == []
    problems.clear()
    browser.fill("#api_key", ADMIN_SECRET)
    browser.click("button[type=submit]")
    expect(browser.get_by_role("heading", name="Programs")).to_be_visible()
    look(browser, "programs")

    browser.get_by_role("link", name="Leadership mentoring").click()
    expect(browser.get_by_role("heading", level=1)).to_contain_text("program health")
    charts = browser.locator("svg.chart")
    expect(charts).to_have_count(5)
    for index in range(5):  # each chart has drawn data: bars or points
        assert charts.nth(index).locator("rect, circle").count() > 3
    look(browser, "program-health")

    browser.get_by_role("link", name="at-risk list").click()
    expect(browser.get_by_role("heading", level=1)).to_contain_text("At-risk relationships")
    look(browser, "at-risk")
    browser.locator("tbody th a").first.click()
    expect(browser.get_by_text("Audit trail verified")).to_be_visible()
    look(browser, "relationship")

    # The timeline slider: version 1 is the request, the newest is not.
    status = browser.locator("#shown-status")
    newest = status.inner_text()
    slider = browser.locator("#version-slider")
    slider.fill("1")
    expect(status).to_have_text("requested")
    expect(browser.locator("#version-shown")).to_contain_text("1 of")
    assert "version=1" in browser.url
    slider.fill(slider.get_attribute("max") or "1")
    expect(status).to_have_text(newest)

    browser.get_by_role("link", name="Programs").first.click()
    browser.get_by_role("button", name="Log out").click()
    expect(browser).to_have_url(f"{served}/dashboard/login")
    browser.goto("/dashboard")
    expect(browser).to_have_url(f"{served}/dashboard/login?next=/dashboard")
    assert problems == []


def test_pages_update_live_as_events_arrive(page: tuple[Page, list[str]], served: str) -> None:
    browser, problems = page
    browser.goto("/dashboard/login")
    browser.fill("#api_key", ADMIN_SECRET)
    browser.click("button[type=submit]")
    expect(browser.get_by_role("heading", name="Programs")).to_be_visible()
    created = httpx.post(f"{served}/v1/programs", json={"name": "Arrived while watching"},
                         headers={"Authorization": f"Bearer {ADMIN_SECRET}"})
    assert created.status_code == 201
    # No reload: the page polls the views' position and re-renders when it moves.
    expect(browser.get_by_role("link", name="Arrived while watching")).to_be_visible(
        timeout=15_000)
    assert problems == []


def test_phone_width_and_no_javascript(served: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(base_url=served, java_script_enabled=False,
                                      viewport={"width": 390, "height": 844})
        phone = context.new_page()
        phone.goto("/dashboard/login")
        phone.fill("#api_key", ADMIN_SECRET)
        phone.click("button[type=submit]")
        phone.get_by_role("link", name="Leadership mentoring").click()
        # Nothing wider than the screen but the tables, which scroll on their own.
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
        phone.get_by_role("link", name="at-risk list").click()
        rows = phone.locator("tbody tr")
        assert rows.count() > 0
        phone.locator("tbody th a").first.click()
        phone.locator("#version-slider").fill("1")
        phone.get_by_role("button", name="Show this version").click()
        assert phone.locator("#shown-status").inner_text() == "requested"
        phone.screenshot(path=str(ARTIFACTS / "relationship-phone.png"), full_page=True)
        browser.close()
