"""The pages still work under the Content-Security-Policy, in Chromium: the admin (login,
lists with filters, a change form), the API docs (Swagger UI, from drf-spectacular-sidecar),
the browsable API and the public pages, with no violation reported."""

import pytest

from claims.services.demo import demo_load, demo_users_reset
from tests.browser.test_publish_flow import CHROMIUM, browser, pytestmark  # noqa: F401

assert CHROMIUM


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_work_under_the_content_security_policy(live_server, browser):  # noqa: F811
    demo = demo_load(actor=None)
    password = next(p for user, p, _ in demo_users_reset() if user == "editor")
    page = browser.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(f"page error: {error}"))

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/claims/verdict/?status__exact=draft")
    page.wait_for_selector("#changelist-filter")
    page.goto(f"{live_server.url}/admin/claims/verdict/{demo.funeral_verdict.pk}/change/")
    page.wait_for_selector("#workflow")

    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .information-container .title", timeout=20_000)
    assert "Fact-check claim tracking API" in page.inner_text(".swagger-ui .title")

    page.goto(f"{live_server.url}/api/v1/claims/")
    page.wait_for_selector(".response-info")
    # The browsable API's scripts ran: its format dropdown opens.
    page.click(".format-selection .dropdown-toggle")
    page.wait_for_selector(".format-selection .dropdown-menu", state="visible")

    page.goto(f"{live_server.url}/fact-checks/")
    page.wait_for_selector("main")

    assert violations == []
