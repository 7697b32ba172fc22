"""The webhooks API: every account manages its own subscriptions (others' are 404), the secret
is in the creation response only, and bad input is a 4xx in the API's error shape."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.services.api_keys import api_key_create
from tests.factories import UserFactory, editor
from tests.webhooks.factories import WebhookDeliveryFactory, WebhookSubscriptionFactory
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"
HOOK = "https://hooks.example.org/factcheck"


def consumer() -> tuple[APIClient, object]:
    """A partner's client, authenticated by API key, and its account."""
    owner = UserFactory()
    _, key = api_key_create(owner=owner, name="partner", created_by=None)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    return client, owner


def _create(client: APIClient, **body):
    return client.post(URL, {"url": HOOK, "events": ["verdict.published"], **body}, format="json")


def test_a_consumer_subscribes_and_sees_the_secret_once():
    client, owner = consumer()

    created = _create(client, events=["verdict.published", "verdict.retracted"])

    assert created.status_code == 201, created.content
    body = created.json()
    secret = body.pop("secret")
    assert secret == WebhookSubscription.objects.get(owner=owner).secret
    assert body == {
        "id": body["id"],
        "url": HOOK,
        "events": ["verdict.published", "verdict.retracted"],
        "is_active": True,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert "ETag" in created
    for response in (client.get(URL), client.get(f"{URL}{body['id']}/")):
        assert response.status_code == 200
        assert secret not in response.content.decode()
        assert b"secret" not in response.content


def test_newsroom_accounts_subscribe_too():
    client = APIClient()
    client.force_authenticate(editor())

    assert _create(client).status_code == 201


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("post", ""),
        ("get", "{id}/"),
        ("patch", "{id}/"),
        ("delete", "{id}/"),
        ("get", "{id}/deliveries/"),
    ],
)
def test_anonymous_callers_are_refused(method, path):
    subscription = WebhookSubscriptionFactory()

    response = getattr(APIClient(), method)(
        URL + path.format(id=subscription.pk), {}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "{id}/"), ("patch", "{id}/"), ("delete", "{id}/"), ("get", "{id}/deliveries/")],
)
def test_another_accounts_subscription_is_not_found(method, path):
    theirs = WebhookSubscriptionFactory()
    client, _ = consumer()

    response = getattr(client, method)(
        URL + path.format(id=theirs.pk), {"is_active": False}, format="json", HTTP_IF_MATCH="*"
    )

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "details": {}}
    assert WebhookSubscription.objects.filter(pk=theirs.pk, is_active=True).exists()


def test_the_list_holds_only_your_own_subscriptions():
    client, owner = consumer()
    mine = WebhookSubscriptionFactory(owner=owner)
    WebhookSubscriptionFactory()

    response = client.get(URL)

    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"url": "http://10.0.0.1/hook"}, "url", "unsafe_url"),
        ({"url": "http://169.254.169.254/latest"}, "url", "unsafe_url"),
        ({"url": "http://localhost:8000/hook"}, "url", "unsafe_url"),
        ({"url": "http://intranet.example.org/hook"}, "url", "unsafe_url"),
        ({"url": "https://nowhere.example.org/hook"}, "url", "unresolvable"),
        ({"url": "ftp://hooks.example.org/hook"}, "url", "invalid"),
        ({"url": "http://user:pw@hooks.example.org/"}, "url", "unsafe_url"),
        ({"url": 5}, "url", "not_a_string"),
        ({"events": []}, "events", "empty"),
        ({"events": "verdict.published"}, "events", "not_a_list"),
        ({"events": ["verdict.deleted"]}, "events.0", "invalid_choice"),
        ({"secret": "mine"}, "secret", "unknown_field"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(body, field, code):
    client, _ = consumer()

    response = _create(client, **body)

    assert response.status_code == 400, response.content
    error = response.json()
    assert error["code"] == "validation_error"
    assert [detail["code"] for detail in error["details"][field]] == [code]
    assert not WebhookSubscription.objects.exists()


def test_a_url_subscribed_twice_is_a_409_conflict():
    # The request is valid (the schema's), the state refuses it: a 400 would say the client
    # sent something malformed.
    client, _ = consumer()
    _create(client)

    response = _create(client)

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["details"]["__all__"][0]["code"] == "unique_together"


def test_edits_need_the_current_etag():
    client, owner = consumer()
    subscription = WebhookSubscriptionFactory(owner=owner)
    url = f"{URL}{subscription.pk}/"
    etag = client.get(url)["ETag"]

    without = client.patch(url, {"is_active": False}, format="json")
    saved = client.patch(url, {"is_active": False}, format="json", HTTP_IF_MATCH=etag)
    stale = client.patch(url, {"is_active": True}, format="json", HTTP_IF_MATCH=etag)

    assert without.status_code == 428
    assert saved.status_code == 200, saved.content
    assert saved.json()["is_active"] is False
    assert "secret" not in saved.json()
    assert stale.status_code == 412


def test_an_edit_to_a_private_url_is_refused():
    client, owner = consumer()
    subscription = WebhookSubscriptionFactory(owner=owner)

    response = client.patch(
        f"{URL}{subscription.pk}/",
        {"url": "http://192.168.0.1/"},
        format="json",
        HTTP_IF_MATCH="*",
    )

    assert response.status_code == 400
    assert response.json()["details"]["url"][0]["code"] == "unsafe_url"


def test_delete_removes_the_subscription():
    client, owner = consumer()
    subscription = WebhookSubscriptionFactory(owner=owner)
    WebhookDeliveryFactory(subscription=subscription)

    response = client.delete(f"{URL}{subscription.pk}/")

    assert response.status_code == 204
    assert not WebhookSubscription.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_the_delivery_log_shows_status_attempts_and_last_error():
    client, owner = consumer()
    subscription = WebhookSubscriptionFactory(owner=owner)
    delivery = WebhookDeliveryFactory(
        subscription=subscription,
        status=WebhookDelivery.Status.FAILED,
        attempts=7,
        last_status_code=500,
        error="HTTP 500: down",
    )
    WebhookDeliveryFactory()  # someone else's

    response = client.get(f"{URL}{subscription.pk}/deliveries/")

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row == {
        "id": delivery.pk,
        "event": "verdict.published",
        "event_id": str(delivery.event_id),
        "status": "failed",
        "attempts": 7,
        "last_status_code": 500,
        "last_error": "HTTP 500: down",
        "payload": delivery.payload,
        "created_at": row["created_at"],
        "last_attempt_at": None,
        "delivered_at": None,
        "next_attempt_at": None,
    }


def test_the_delivery_log_ignores_the_subscription_ordering():
    client, owner = consumer()
    subscription = WebhookSubscriptionFactory(owner=owner)
    older, newer = WebhookDeliveryFactory.create_batch(2, subscription=subscription)

    response = client.get(f"{URL}{subscription.pk}/deliveries/", {"ordering": "updated_at"})

    assert [row["id"] for row in response.json()["results"]] == [newer.pk, older.pk]


def _queries(client: APIClient, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {"page_size": 50})
    assert response.status_code == 200
    return len(captured)


def test_lists_cost_the_same_queries_for_1_and_50_rows():
    client, owner = consumer()
    subscription = WebhookSubscriptionFactory(owner=owner)
    WebhookDeliveryFactory(subscription=subscription)
    paths = [URL, f"{URL}{subscription.pk}/deliveries/"]
    for path in paths:
        _queries(client, path)  # the key's last use is recorded once a minute
    few = [_queries(client, path) for path in paths]
    WebhookSubscriptionFactory.create_batch(19, owner=owner)
    WebhookDeliveryFactory.create_batch(49, subscription=subscription)

    assert [_queries(client, path) for path in paths] == few
