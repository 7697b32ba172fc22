"""A first run hands out working accounts and keys, and the URLs for its port."""

import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from rest_framework.test import APIClient

from core.models import ApiKey

pytestmark = pytest.mark.django_db


def _welcome() -> str:
    out = io.StringIO()
    call_command("welcome", base_url="http://127.0.0.1:8101/", stdout=out)
    return out.getvalue()


def _rows(output: str) -> dict[str, tuple[str, str, str]]:
    rows = re.findall(r"^\s+(\S+)\s+user: (\S+)\s+password: (.+?)\s+API key: (\S+)$", output, re.M)
    return {role: (user, password, key) for role, user, password, key in rows}


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_RATE_LIMITS = {}


def test_every_role_gets_a_login_and_a_key_that_works():
    output = _welcome()
    rows = _rows(output)
    assert set(rows) == {"editor", "fact-checker", "admin", "consumer"}
    for role, (username, password, key) in rows.items():
        me = APIClient().get("/api/v1/me/", HTTP_X_API_KEY=key).json()
        assert me["username"] == username
        assert me["role"] == ("editor" if role == "admin" else role)
        if role != "consumer":
            user = authenticate(username=username, password=password)
            assert user is not None
            assert user.is_staff
    assert authenticate(username="admin", password=rows["admin"][1]).is_superuser


def test_the_urls_name_the_port_given():
    output = _welcome()
    for path in ("/desk/", "/admin/", "/fact-checks/", "/api/v1/docs/"):
        assert f"http://127.0.0.1:8101{path}" in output
    assert ":8000" not in output


def test_a_second_run_revokes_the_first_runs_keys():
    first = _rows(_welcome())
    second = _rows(_welcome())
    assert first["editor"][2] != second["editor"][2]
    stale = APIClient().get("/api/v1/me/", HTTP_X_API_KEY=first["editor"][2])
    assert stale.status_code in (401, 403)
    assert ApiKey.objects.filter(revoked_at__isnull=True).count() == 4
