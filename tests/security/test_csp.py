"""Every page carries a Content-Security-Policy that allows scripts from this site only: no
inline script, no other origin. (tests/browser/test_csp.py checks that the pages still work
under it in Chromium.)"""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize(
    "path",
    ["/fact-checks/", "/admin/login/", "/api/v1/docs/", "/api/v1/topics/", "/healthz"],
)
def test_pages_forbid_inline_and_foreign_scripts(path):
    response = Client().get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_the_docs_page_has_no_inline_script():
    response = Client().get("/api/v1/docs/")
    scripts = re.findall(r"<script([^>]*)>", response.content.decode())
    assert scripts
    assert all("src=" in attributes for attributes in scripts)
    script = Client().get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
