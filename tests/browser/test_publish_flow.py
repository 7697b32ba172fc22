"""In a real browser (Debian's headless Chromium, driven by Playwright): the demo editor logs in
to the admin, publishes the demo verdict, and opens its public page."""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

from claims.services.demo import demo_load, demo_users_reset

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without these, Chromium tries to reach Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not shutil.which(CHROMIUM) and not os.environ.get("CI"),
        reason="Chromium is not installed (.ci/run installs Debian's chromium package)",
    ),
]


@pytest.fixture
def browser(monkeypatch):
    # Playwright runs an event loop in this thread; the test's own ORM calls are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # Inside Playwright's context manager the ORM gets other connections than outside it
        # (Django keeps them per context, and the test's code runs in another one in there):
        # pytest-django's teardown, outside it, cannot close the test's, which would keep the
        # test database from being dropped at the end of the run.
        connections.close_all()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_editor_publishes_the_demo_verdict_and_reads_its_page(live_server, browser, tmp_path):
    demo = demo_load(actor=None)
    password = next(p for user, p, _ in demo_users_reset() if user == "editor")
    verdict = demo.funeral_verdict
    page = browser.new_page(viewport={"width": 412, "height": 900})  # a phone

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/claims/verdict/{verdict.pk}/change/")
    page.click("#workflow >> text=Submit for review")
    page.click("input[name=confirm]")
    assert "Submit for review: done." in page.inner_text(".messagelist")
    page.click("#workflow >> text=Publish")
    page.click("input[name=confirm]")
    assert "Publish: done." in page.inner_text(".messagelist")
    assert "Workflow: Published" in page.inner_text("#workflow")

    page.goto(f"{live_server.url}/fact-checks/{verdict.slug}/")
    screenshot = Path(os.environ.get("SCREENSHOT_DIR", tmp_path)) / "fact-check-page.png"
    page.screenshot(path=str(screenshot), full_page=True)

    assert page.inner_text("h1") == verdict.headline
    assert page.inner_text(".rating") == "False"
    body = page.inner_text("main")
    assert "The earliest known source" in body
    assert "First published by CCTV on 9 November 2015" in body
    assert "How we checked" in body
    assert page.locator("script[type='application/ld+json']").count() == 2
    assert screenshot.stat().st_size > 10_000
