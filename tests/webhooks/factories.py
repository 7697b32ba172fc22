"""Webhook rows for tests to start from (kept next to the app's tests while it is new; they
belong in tests/factories.py with the others)."""

import uuid

import factory
from django.utils import timezone

from claims.models import Verdict
from tests.factories import RatingFactory, UserFactory, VerdictFactory
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription

SECRET = "whsec_test-secret"


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    owner = factory.SubFactory(UserFactory)
    url = factory.Sequence(lambda n: f"https://hooks.example.org/{n}")
    secret = SECRET
    events = factory.LazyFunction(lambda: list(WebhookEvent.values))


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    subscription = factory.SubFactory(WebhookSubscriptionFactory)
    event = WebhookEvent.VERDICT_PUBLISHED
    event_id = factory.LazyFunction(uuid.uuid4)
    payload = factory.LazyAttribute(lambda delivery: {"id": str(delivery.event_id)})


def published_verdict(**kwargs) -> Verdict:
    return VerdictFactory(
        rating=RatingFactory(label="False", value=1),
        status=Verdict.Status.PUBLISHED,
        published_at=timezone.now(),
        **kwargs,
    )
