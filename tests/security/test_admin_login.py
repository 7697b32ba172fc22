"""Admin logins are rate-limited: after a few wrong passwords for an account, or many from one
address, even the right password is refused for a while (it took 40 wrong ones, then in)."""

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import editor

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ADMIN_LOGIN_MAX_FAILURES = 5
    cache.clear()


def login(username: str, password: str, address: str = "203.0.113.5", **headers):
    client = Client(REMOTE_ADDR=address)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        **headers,
    )
    return response, client


def test_the_right_password_is_refused_after_too_many_wrong_ones():
    user = editor()
    for attempt in range(5):
        response, _ = login(user.username, f"wrong {attempt}")
        assert response.status_code == 200  # the form again, with its error
    response, client = login(user.username, PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_other_addresses_do_not_reset_an_accounts_failures():
    user = editor()
    for attempt in range(5):
        login(user.username, "wrong", address=f"198.51.100.{attempt}")
    assert login(user.username, PASSWORD, address="198.51.100.99")[0].status_code == 429


def test_one_address_cannot_try_many_accounts_either():
    users = [editor() for _ in range(5)]
    for user in users:
        for _ in range(4):
            login(user.username, "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{user.pk}")
    fresh = editor()
    assert login(fresh.username, PASSWORD)[0].status_code == 429


def test_a_few_mistakes_then_the_right_password_logs_in():
    user = editor()
    for _ in range(3):
        login(user.username, "wrong")
    response, client = login(user.username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
