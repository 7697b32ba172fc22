"""Newsroom members create and revoke their own API keys, and editors issue consumer keys, in
the API, the admin and the desk; nobody else does."""

import pytest
from rest_framework.test import APIClient

from core.models import ApiKey
from core.roles import is_newsroom
from core.services.api_keys import api_key_create
from tests.factories import UserFactory, editor, fact_checker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_RATE_LIMITS = {}


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_fact_checker_creates_a_key_that_works():
    user = fact_checker()
    response = _api(user).post("/api/v1/keys/", {"name": "my scripts"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["owner"], body["name"], body["revoked_at"]) == (user.username, "my scripts", None)
    me = APIClient().get("/api/v1/me/", HTTP_X_API_KEY=body["key"]).json()
    assert (me["username"], me["role"]) == (user.username, "fact-checker")
    listed = _api(user).get("/api/v1/keys/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert "key" not in listed[0]


def test_anonymous_callers_and_consumers_create_no_keys():
    assert _api().post("/api/v1/keys/", {"name": "x"}, format="json").status_code == 403
    consumer = UserFactory()
    _, raw = api_key_create(owner=consumer, name="partner", created_by=None)
    response = APIClient().post(
        "/api/v1/keys/", {"name": "another"}, format="json", HTTP_X_API_KEY=raw
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_fact_checker_issues_no_key_to_anyone_else():
    other = UserFactory()
    response = _api(fact_checker()).post(
        "/api/v1/keys/", {"name": "x", "owner": other.username}, format="json"
    )
    assert response.status_code == 403
    assert not ApiKey.objects.exists()


def test_an_editor_issues_a_key_to_a_new_consumer_account():
    boss = editor()
    response = _api(boss).post(
        "/api/v1/keys/",
        {"name": "partner feed", "owner": "partner-platform", "create_owner": True},
        format="json",
    )
    assert response.status_code == 201
    key = ApiKey.objects.get()
    assert key.owner.username == "partner-platform"
    assert not key.owner.is_staff
    assert not key.owner.has_usable_password()
    assert not is_newsroom(key.owner)
    me = APIClient().get("/api/v1/me/", HTTP_X_API_KEY=response.json()["key"]).json()
    assert me["role"] == "consumer"
    assert [row["id"] for row in _api(boss).get("/api/v1/keys/").json()["results"]] == [key.pk]


def test_an_editor_issues_no_key_to_a_newsroom_member():
    response = _api(editor()).post(
        "/api/v1/keys/", {"name": "x", "owner": fact_checker().username}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "x", "rate_limit": "fast"}, "rate_limit"),
        ({"name": "x", "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_400_naming_the_field(body, field):
    response = _api(editor()).post("/api/v1/keys/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["details"]


def test_an_owner_that_does_not_exist_is_404_naming_the_field():
    response = _api(editor()).post(
        "/api/v1/keys/", {"name": "x", "owner": "nobody-here"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["details"]["owner"][0]["code"] == "does_not_exist"


def test_revoking_your_own_key_and_not_someone_elses():
    user, other = fact_checker(), fact_checker()
    mine, _ = api_key_create(owner=user, name="mine", created_by=user)
    theirs, _ = api_key_create(owner=other, name="theirs", created_by=other)
    assert _api(user).delete(f"/api/v1/keys/{theirs.pk}/").status_code == 404
    assert _api(user).delete(f"/api/v1/keys/{mine.pk}/").status_code == 204
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None
    assert theirs.revoked_at is None


def test_the_demo_roles_manage_their_own_keys_in_the_admin(client):
    user = fact_checker()
    other, _ = api_key_create(owner=editor(), name="not yours", created_by=None)
    client.force_login(user)
    listing = client.get("/admin/core/apikey/")
    assert listing.status_code == 200
    assert "not yours" not in listing.content.decode()
    assert client.get("/admin/core/apikey/add/").status_code == 200
    response = client.post(
        "/admin/core/apikey/add/", {"name": "from the admin", "owner": user.pk, "rate_limit": ""}
    )
    assert response.status_code == 302
    assert ApiKey.objects.get(name="from the admin").owner == user
    refused = client.post(
        "/admin/core/apikey/add/",
        {"name": "for someone else", "owner": other.owner_id, "rate_limit": ""},
    )
    assert refused.status_code == 200  # the form says the owner is not a choice
    assert not ApiKey.objects.filter(name="for someone else").exists()
