"""Staff's webhook pages: subscriptions written through the services with the secret shown once,
and the read-only delivery log with its Redeliver action."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import UserFactory
from tests.webhooks.factories import SECRET, WebhookDeliveryFactory
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status


def test_staff_subscribe_a_consumer_and_see_the_secret_once(admin_client):
    owner = UserFactory()

    response = admin_client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {
            "owner": owner.pk,
            "url": "https://hooks.example.org/partner",
            "events": ["verdict.published", "verdict.corrected"],
            "is_active": "on",
        },
        follow=True,
    )

    subscription = WebhookSubscription.objects.get()
    assert subscription.owner == owner
    assert subscription.events == ["verdict.corrected", "verdict.published"]
    assert subscription.secret in response.content.decode()
    change_page = admin_client.get(
        reverse("admin:webhooks_webhooksubscription_change", args=[subscription.pk])
    )
    assert subscription.secret not in change_page.content.decode()


def test_a_private_url_is_not_saved_from_the_admin(admin_client):
    response = admin_client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {"owner": UserFactory().pk, "url": "http://10.0.0.1/", "events": ["verdict.published"]},
        follow=True,
    )

    assert "Not saved" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_pages_never_show_a_secret(admin_client):
    delivery = WebhookDeliveryFactory()
    pages = [
        reverse("admin:webhooks_webhooksubscription_changelist"),
        reverse("admin:webhooks_webhooksubscription_change", args=[delivery.subscription_id]),
        reverse("admin:webhooks_webhookdelivery_changelist"),
        reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]),
    ]

    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        assert SECRET not in response.content.decode(), page


def test_the_delivery_log_is_read_only(admin_client):
    delivery = WebhookDeliveryFactory()

    page = admin_client.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]))

    assert 'name="_save"' not in page.content.decode()
    assert str(delivery.event_id) in page.content.decode()


def _redeliver(client, *deliveries):
    return client.post(
        reverse("admin:webhooks_webhookdelivery_changelist"),
        {"action": "redeliver", "_selected_action": [d.pk for d in deliveries]},
        follow=True,
    )


def test_redeliver_queues_finished_deliveries_and_explains_the_others(admin_client):
    failed = WebhookDeliveryFactory(status=Status.FAILED, attempts=7, error="HTTP 500: down")
    retrying = WebhookDeliveryFactory(status=Status.RETRYING, next_attempt_at="2030-01-01T00:00Z")

    response = _redeliver(admin_client, failed, retrying)

    failed.refresh_from_db()
    retrying.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.QUEUED, 0)
    assert retrying.status == Status.RETRYING
    page = response.content.decode()
    assert "Queued 1 delivery to be sent again" in page
    assert f"#{retrying.pk}: This delivery is still being sent" in page


def test_redeliver_needs_the_change_permission(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookdelivery"))
    client.force_login(viewer)
    failed = WebhookDeliveryFactory(status=Status.FAILED, attempts=7, error="HTTP 500: down")

    changelist = client.get(reverse("admin:webhooks_webhookdelivery_changelist"))
    _redeliver(client, failed)

    assert changelist.status_code == 200
    assert 'value="redeliver"' not in changelist.content.decode()
    failed.refresh_from_db()
    assert failed.status == Status.FAILED
