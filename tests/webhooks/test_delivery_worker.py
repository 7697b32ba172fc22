"""End to end: an event recorded in the publishing transaction is sent by a real Celery worker
process, through the real broker, to a consumer on 127.0.0.1 that fails before it accepts."""

import json
import time
from itertools import pairwise

import pytest
from django.db import transaction

from tests.factories import UserFactory
from tests.webhooks.conftest import Answer, Receiver
from tests.webhooks.factories import published_verdict
from tests.workers import Worker, celery_worker
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_events_record, webhook_subscription_create
from webhooks.signing import verify

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BASE_SECONDS = 0.2
WORKER_SETTINGS = {
    # The receiver is on loopback, which only tests may allow.
    "WEBHOOKS_ALLOW_LOOPBACK": "true",
    "WEBHOOK_RETRY_BASE_SECONDS": str(BASE_SECONDS),
    "WEBHOOK_MAX_RETRIES": "2",
}
FINISHED = (WebhookDelivery.Status.SUCCEEDED, WebhookDelivery.Status.FAILED)


@pytest.fixture
def worker(transactional_db) -> Worker:
    with celery_worker(env=WORKER_SETTINGS) as worker:
        yield worker


def _publish(receiver: Receiver, settings) -> tuple[WebhookDelivery, str]:
    """Subscribe to the receiver, then record a publication as the workflow does."""
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    _, secret = webhook_subscription_create(
        owner=UserFactory(), url=receiver.url, events=["verdict.published"]
    )
    verdict = published_verdict()
    with transaction.atomic():
        [delivery] = webhook_events_record(event="verdict.published", verdict=verdict)
    return delivery, secret


def _finished(delivery: WebhookDelivery, worker: Worker, timeout: float = 30) -> WebhookDelivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status in FINISHED:
            return delivery
        time.sleep(0.05)
    pytest.fail(f"The delivery is still {delivery.status}. Worker log:\n{worker.log}")


def test_a_worker_retries_with_backoff_until_the_consumer_accepts(worker, receiver, settings):
    receiver.answers = [Answer(status=500, body=b"database down"), Answer(500, body=b"still down")]

    delivery, secret = _publish(receiver, settings)
    delivery = _finished(delivery, worker)

    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        WebhookDelivery.Status.SUCCEEDED,
        3,
        200,
    )
    assert delivery.error == "HTTP 500: still down"
    assert len(receiver.requests) == 3, worker.log
    for request in receiver.requests:
        verify(secret, request.headers["X-Factcheck-Signature"], request.body)
        assert request.headers["X-Factcheck-Event"] == "verdict.published"
        assert request.headers["X-Factcheck-Delivery"] == str(delivery.event_id)
        assert json.loads(request.body)["id"] == str(delivery.event_id)
    # Retries wait base * 2**(attempt - 1), give or take 20%.
    first_wait, second_wait = (b.at - a.at for a, b in pairwise(receiver.requests))
    assert first_wait >= 0.8 * BASE_SECONDS
    assert second_wait >= 0.8 * 2 * BASE_SECONDS


def test_a_worker_gives_up_after_the_last_retry(worker, receiver, settings):
    receiver.answers = [500] * 10

    delivery, _ = _publish(receiver, settings)
    delivery = _finished(delivery, worker)

    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        WebhookDelivery.Status.FAILED,
        3,
        None,
    )
    assert delivery.error == "HTTP 500: ok (gave up after 3 attempts)"
    assert len(receiver.requests) == 3
