import logging

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiKey
from core.services.api_keys import api_key_create, api_key_revoke
from tests.factories import UserFactory, editor

pytestmark = pytest.mark.django_db


@pytest.fixture
def consumer_key():
    return api_key_create(owner=UserFactory(username="partner"), name="Platform", created_by=None)


@pytest.mark.parametrize("how", ["bearer", "header", "query"])
def test_api_key_is_accepted_as_header_or_query_parameter(consumer_key, how):
    _, raw_key = consumer_key
    client = APIClient()
    if how == "bearer":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    elif how == "header":
        client.credentials(HTTP_X_API_KEY=raw_key)
    path = f"/api/v1/me/?key={raw_key}" if how == "query" else "/api/v1/me/"

    response = client.get(path)

    assert response.json() == {
        "authenticated": True,
        "id": consumer_key[0].owner.pk,
        "username": "partner",
        "role": "consumer",
        "can_publish": False,
    }


def test_last_use_is_recorded(consumer_key):
    api_key, raw_key = consumer_key
    assert api_key.last_used_at is None
    APIClient().get("/api/v1/me/", HTTP_X_API_KEY=raw_key)
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_revoked_and_unknown_keys_are_refused(consumer_key):
    api_key, raw_key = consumer_key
    api_key_revoke(api_key=api_key)
    for key in (raw_key, "fck_00000000_nope"):
        response = APIClient().get("/api/v1/claims/", HTTP_X_API_KEY=key)
        assert response.status_code == 403
        assert response.json()["code"] == "authentication_failed"
    assert ApiKey.objects.get().revoked_at <= timezone.now()


def test_only_a_hash_of_the_key_is_stored(consumer_key):
    api_key, raw_key = consumer_key
    stored = ApiKey.objects.values_list("prefix", "key_hash").get()
    assert raw_key not in stored
    assert raw_key.startswith(f"fck_{api_key.prefix}_")


def test_keys_never_appear_in_responses_or_logs(consumer_key, caplog):
    _, raw_key = consumer_key
    with caplog.at_level(logging.DEBUG):
        responses = [
            APIClient().get("/api/v1/me/", HTTP_X_API_KEY=raw_key),
            APIClient().get("/api/v1/claims/", HTTP_X_API_KEY=raw_key + "x"),
        ]
    for response in responses:
        assert raw_key not in response.content.decode()
    assert raw_key not in caplog.text


def test_staff_create_keys_in_the_admin_and_see_them_once(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    owner = UserFactory()
    response = client.post(
        "/admin/core/apikey/add/",
        {"name": "Researcher", "owner": owner.pk, "rate_limit": ""},
        follow=True,
    )
    shown = [str(message) for message in response.context["messages"]]
    assert any("fck_" in message for message in shown)
    api_key = ApiKey.objects.get()
    assert api_key.owner == owner
    page = client.get(f"/admin/core/apikey/{api_key.pk}/change/").content.decode()
    raw_key = next(m for m in shown if "fck_" in m).split(": ", 1)[1].split(" ")[0]
    assert raw_key not in page


def test_session_login_works_for_the_browsable_api(client):
    client.force_login(editor())
    response = client.get("/api/v1/me/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "editor" in response.content.decode()
