"""Reads of webhook subscriptions and their deliveries, by who is asking."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from webhooks.models import WebhookDelivery, WebhookSubscription


def webhook_subscription_list(
    *, viewer: AbstractBaseUser | AnonymousUser
) -> QuerySet[WebhookSubscription]:
    """The viewer's own subscriptions. Nobody, staff included, reads another account's through
    the API: its URL and log are that consumer's business (staff use the admin)."""
    if not viewer.is_authenticated:
        return WebhookSubscription.objects.none()
    return WebhookSubscription.objects.filter(owner=viewer)


def webhook_delivery_list(*, subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(subscription=subscription)
