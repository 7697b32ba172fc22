"""Webhook services: subscriptions, recording events inside the publishing transaction, each
delivery attempt (against a local receiver) and staff redelivery."""

import contextlib
import io
import json
import socket
import threading
from datetime import timedelta
from unittest.mock import ANY

import pytest
from celery.exceptions import Retry
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from claims.models import Verdict
from claims.services.workflow import verdict_publish, verdict_submit
from core.exceptions import InvalidTransition
from core.jobs import TransientJobError
from tests.claims.services.test_workflow import ready_verdict
from tests.factories import PublisherFactory, UserFactory, VerdictFactory, editor
from tests.webhooks.conftest import Answer
from tests.webhooks.factories import (
    SECRET,
    WebhookDeliveryFactory,
    WebhookSubscriptionFactory,
    published_verdict,
)
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import (
    webhook_delivery_redeliver,
    webhook_events_record,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_update,
)
from webhooks.signing import verify
from webhooks.tasks import deliver_webhook

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status


# Subscriptions


def test_create_returns_the_secret_it_stores_and_deduplicates_events():
    subscription, secret = webhook_subscription_create(
        owner=UserFactory(),
        url="https://hooks.example.org/factcheck",
        events=["verdict.retracted", "verdict.published", "verdict.published"],
    )

    subscription.refresh_from_db()
    assert secret.startswith("whsec_")
    assert len(secret) >= 40
    assert subscription.secret == secret
    assert subscription.events == ["verdict.published", "verdict.retracted"]
    assert subscription.is_active


def test_every_subscription_gets_its_own_secret():
    owner = UserFactory()
    _, first = webhook_subscription_create(
        owner=owner, url="https://hooks.example.org/a", events=["verdict.published"]
    )
    _, second = webhook_subscription_create(
        owner=owner, url="https://hooks.example.org/b", events=["verdict.published"]
    )

    assert first != second


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://10.0.0.1/hook", "unsafe_url"),
        ("http://169.254.169.254/latest/meta-data/", "unsafe_url"),
        ("http://intranet.example.org/hook", "unsafe_url"),
        ("http://rebound.example.org/hook", "unsafe_url"),
        ("http://127.0.0.1:9000/hook", "unsafe_url"),
        ("https://nowhere.example.org/hook", "unresolvable"),
        ("ftp://hooks.example.org/hook", "invalid"),
        ("not a url", "invalid"),
    ],
)
def test_create_refuses_a_url_that_is_invalid_or_not_public(url, code):
    with pytest.raises(ValidationError) as refused:
        webhook_subscription_create(owner=UserFactory(), url=url, events=["verdict.published"])

    assert [error.code for error in refused.value.error_dict["url"]] == [code]
    assert not WebhookSubscription.objects.exists()


def test_loopback_is_accepted_only_when_settings_allow_it(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True

    subscription, _ = webhook_subscription_create(
        owner=UserFactory(), url="http://127.0.0.1:9000/hook", events=["verdict.published"]
    )

    assert subscription.pk


@pytest.mark.parametrize(("events", "code"), [([], "blank"), (["verdict.deleted"], "item_invalid")])
def test_create_refuses_no_events_or_unknown_ones(events, code):
    with pytest.raises(ValidationError) as refused:
        webhook_subscription_create(
            owner=UserFactory(), url="https://hooks.example.org/hook", events=events
        )

    assert [error.code for error in refused.value.error_dict["events"]] == [code]


def test_one_owner_cannot_subscribe_the_same_url_twice():
    owner = UserFactory()
    url = "https://hooks.example.org/hook"
    webhook_subscription_create(owner=owner, url=url, events=["verdict.published"])

    with pytest.raises(ValidationError):
        webhook_subscription_create(owner=owner, url=url, events=["verdict.retracted"])
    webhook_subscription_create(owner=UserFactory(), url=url, events=["verdict.published"])


def test_an_owner_has_a_limited_number_of_subscriptions(monkeypatch):
    monkeypatch.setattr(services, "MAX_SUBSCRIPTIONS_PER_OWNER", 2)
    owner = UserFactory()
    WebhookSubscriptionFactory.create_batch(2, owner=owner)

    with pytest.raises(services.SubscriptionLimitReached):
        webhook_subscription_create(
            owner=owner, url="https://hooks.example.org/third", events=["verdict.published"]
        )


def test_update_checks_a_new_url_again():
    subscription = WebhookSubscriptionFactory()

    with pytest.raises(ValidationError) as refused:
        webhook_subscription_update(subscription=subscription, url="http://10.0.0.1/")

    assert refused.value.error_dict["url"][0].code == "unsafe_url"
    subscription.refresh_from_db()
    assert subscription.url.startswith("https://hooks.example.org/")


def test_update_changes_events_and_pauses():
    subscription = WebhookSubscriptionFactory()

    updated = webhook_subscription_update(
        subscription=subscription, events=["verdict.retracted"] * 2, is_active=False
    )

    assert (updated.events, updated.is_active) == (["verdict.retracted"], False)


def test_delete_removes_the_subscription_and_its_log():
    delivery = WebhookDeliveryFactory()

    webhook_subscription_delete(subscription=delivery.subscription)

    assert not WebhookSubscription.objects.exists()
    assert not WebhookDelivery.objects.exists()


# Recording events


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """The ids of the deliveries handed to the broker (the task's `delay`)."""
    sent: list[int] = []
    monkeypatch.setattr(deliver_webhook, "delay", sent.append)
    return sent


def test_an_event_is_recorded_for_each_active_subscription_that_wants_it(
    django_capture_on_commit_callbacks, queued
):
    verdict = published_verdict()
    wants = WebhookSubscriptionFactory(events=["verdict.published"])
    WebhookSubscriptionFactory(events=["verdict.corrected", "verdict.retracted"])
    WebhookSubscriptionFactory(is_active=False)

    with django_capture_on_commit_callbacks() as callbacks:
        deliveries = webhook_events_record(event="verdict.published", verdict=verdict)
        assert queued == []  # not before the commit
    for callback in callbacks:
        callback()

    assert [delivery.subscription for delivery in deliveries] == [wants]
    [delivery] = WebhookDelivery.objects.all()
    assert (delivery.status, delivery.attempts) == (Status.QUEUED, 0)
    assert queued == [delivery.pk]


def test_the_payload_is_the_verdict_as_the_public_sees_it(settings):
    settings.FACTCHECK_PUBLIC_BASE_URL = "https://factcheck.example.org/"
    verdict = published_verdict(slug="funeral-video-is-from-2015")
    WebhookSubscriptionFactory()

    [delivery] = webhook_events_record(event="verdict.published", verdict=verdict)

    delivery.refresh_from_db()
    assert delivery.payload == {
        "id": str(delivery.event_id),
        "event": "verdict.published",
        "created_at": ANY,
        "verdict": {
            "id": verdict.pk,
            "slug": "funeral-video-is-from-2015",
            "status": "published",
            "headline": verdict.headline,
            "rating": {"label": "False", "value": 1},
            "claim": {"id": verdict.claim_id, "text": verdict.claim.text},
            "language": "en",
            "published_at": verdict.published_at.isoformat(),
            "updated_at": verdict.updated_at.isoformat(),
            "retracted_at": None,
            "url": "https://factcheck.example.org/fact-checks/funeral-video-is-from-2015/",
        },
    }


def test_every_delivery_of_an_event_has_its_own_event_id():
    WebhookSubscriptionFactory.create_batch(2)

    deliveries = webhook_events_record(event="verdict.published", verdict=published_verdict())

    assert len({delivery.event_id for delivery in deliveries}) == 2


@pytest.mark.parametrize(
    ("event", "status"),
    [
        ("verdict.published", Verdict.Status.DRAFT),
        ("verdict.published", Verdict.Status.IN_REVIEW),
        ("verdict.corrected", Verdict.Status.DRAFT),
        ("verdict.retracted", Verdict.Status.PUBLISHED),
    ],
)
def test_no_event_is_recorded_for_a_verdict_not_in_that_state(event, status):
    WebhookSubscriptionFactory()
    verdict = published_verdict() if status == Verdict.Status.PUBLISHED else VerdictFactory()
    Verdict.objects.filter(pk=verdict.pk).update(status=status)
    verdict.refresh_from_db()

    with pytest.raises(InvalidTransition):
        webhook_events_record(event=event, verdict=verdict)

    assert not WebhookDelivery.objects.exists()


def test_an_unknown_event_is_a_programming_error():
    with pytest.raises(ValueError, match=r"verdict\.deleted"):
        webhook_events_record(event="verdict.deleted", verdict=published_verdict())


def test_a_rolled_back_publication_records_nothing():
    WebhookSubscriptionFactory()
    verdict = published_verdict()

    def publish_and_fail() -> None:
        with transaction.atomic():
            webhook_events_record(event="verdict.published", verdict=verdict)
            raise RuntimeError("the publication failed")

    with pytest.raises(RuntimeError):
        publish_and_fail()

    assert not WebhookDelivery.objects.exists()


# Delivery attempts, against a receiver on 127.0.0.1


@pytest.fixture
def delivery(receiver, settings) -> WebhookDelivery:
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_MAX_RETRIES = 2
    return WebhookDeliveryFactory(subscription=WebhookSubscriptionFactory(url=receiver.url))


def attempt(delivery: WebhookDelivery | int):
    """One attempt through the delivery task, run here; when the next one is due, if any."""
    delivery_id = delivery if isinstance(delivery, int) else delivery.pk
    # Called directly, a task that asks to be retried raises the error that made it ask.
    with contextlib.suppress(TransientJobError):
        deliver_webhook(delivery_id)
    row = WebhookDelivery.objects.filter(pk=delivery_id).first()
    return row.next_attempt_at if row else None


def _make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_a_successful_attempt_is_signed_and_recorded(receiver, delivery):
    assert attempt(delivery) is None

    [request] = receiver.requests
    verify(SECRET, request.headers["X-Factcheck-Signature"], request.body)
    assert json.loads(request.body) == delivery.payload
    assert request.headers["X-Factcheck-Event"] == "verdict.published"
    assert request.headers["X-Factcheck-Delivery"] == str(delivery.event_id)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.SUCCEEDED,
        1,
        200,
    )
    assert delivery.delivered_at is not None
    assert delivery.last_attempt_at is not None
    assert delivery.next_attempt_at is None


def test_failed_attempts_are_retried_with_exponential_backoff(receiver, delivery):
    receiver.answers = [500, Answer(status=503, body=b"maintenance")]

    first = attempt(delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.RETRYING,
        1,
        500,
    )
    assert first == delivery.next_attempt_at
    assert timedelta(seconds=24) <= first - delivery.last_attempt_at <= timedelta(seconds=36.5)

    _make_due(delivery)
    second = attempt(delivery)
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.error == "HTTP 503: maintenance"
    assert timedelta(seconds=48) <= second - delivery.last_attempt_at <= timedelta(seconds=72.5)


def test_after_the_last_retry_the_delivery_fails(receiver, delivery):
    receiver.answers = [500, 500, 500]

    for _ in range(3):
        _make_due(delivery)
        retry_at = attempt(delivery)

    assert retry_at is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        Status.FAILED,
        3,
        None,
    )
    assert len(receiver.requests) == 3


def test_the_last_error_is_kept_after_a_later_success(receiver, delivery):
    receiver.answers = [Answer(status=500, body=b"boom")]

    attempt(delivery)
    _make_due(delivery)
    attempt(delivery)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.SUCCEEDED,
        2,
        200,
    )
    assert delivery.error == "HTTP 500: boom"


def test_a_redirect_is_a_failed_attempt(receiver, delivery):
    receiver.answers = [Answer(status=301, headers={"Location": "/moved"})]

    attempt(delivery)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == (Status.RETRYING, 301)
    assert len(receiver.requests) == 1


def test_a_connection_error_is_retried(delivery):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    WebhookSubscription.objects.filter(pk=delivery.subscription_id).update(
        url=f"http://127.0.0.1:{port}/hook"
    )

    attempt(delivery)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == (Status.RETRYING, None)
    assert "Could not connect" in delivery.error


def test_a_url_refused_when_sending_fails_at_once(receiver, delivery, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False

    assert attempt(delivery) is None

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 1)
    assert delivery.error.startswith("Refused by the address guard: 127.0.0.1 is a loopback")
    assert receiver.requests == []


def test_a_duplicate_message_before_the_retry_is_due_sends_nothing(receiver, delivery):
    receiver.answers = [500]
    attempt(delivery)

    attempt(delivery)

    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.RETRYING, 1)


def test_a_finished_delivery_is_not_sent_again(receiver, delivery):
    attempt(delivery)
    attempt(delivery)

    assert len(receiver.requests) == 1


def test_pending_deliveries_of_a_paused_subscription_fail_unsent(receiver, delivery):
    WebhookSubscription.objects.update(is_active=False)

    attempt(delivery)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 1)
    assert "deactivated" in delivery.error
    assert receiver.requests == []


def test_a_deleted_delivery_is_nothing_to_do():
    assert attempt(0) is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_delivery_being_sent_by_another_worker_is_skipped(receiver, delivery):
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        with transaction.atomic():
            WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        assert attempt(delivery) is None
    finally:
        release.set()
        thread.join()

    assert receiver.requests == []


# The task


def test_running_the_task_twice_sends_once(receiver, delivery):
    deliver_webhook(delivery.pk)
    deliver_webhook(delivery.pk)

    assert len(receiver.requests) == 1


def test_the_task_schedules_its_retry_for_the_recorded_time(receiver, delivery, monkeypatch):
    receiver.answers = [500]
    scheduled = []

    def retry(**options):
        scheduled.append(options)
        return Retry()

    monkeypatch.setattr(deliver_webhook, "retry", retry)

    with pytest.raises(Retry):
        deliver_webhook(delivery.pk)

    delivery.refresh_from_db()
    assert scheduled == [{"eta": delivery.next_attempt_at, "exc": ANY}]


# Redelivery


def test_redelivery_starts_a_new_cycle_with_the_same_event_id(
    django_capture_on_commit_callbacks, queued
):
    delivery = WebhookDeliveryFactory(
        status=Status.FAILED, attempts=3, last_status_code=500, error="HTTP 500: down"
    )

    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_redeliver(delivery=delivery)

    fresh = WebhookDelivery.objects.get()
    assert (fresh.status, fresh.attempts, fresh.event_id) == (Status.QUEUED, 0, delivery.event_id)
    assert fresh.error == "HTTP 500: down"
    assert queued == [delivery.pk]


def test_a_succeeded_delivery_can_be_sent_again():
    delivery = WebhookDeliveryFactory(
        status=Status.SUCCEEDED, attempts=1, delivered_at=timezone.now()
    )

    webhook_delivery_redeliver(delivery=delivery)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.delivered_at) == (Status.QUEUED, None)


@pytest.mark.parametrize("status", [Status.QUEUED, Status.RETRYING])
def test_a_delivery_still_being_sent_is_not_redelivered(status):
    delivery = WebhookDeliveryFactory(status=status, next_attempt_at=timezone.now())

    with pytest.raises(InvalidTransition):
        webhook_delivery_redeliver(delivery=delivery)


def test_redelivery_to_a_paused_subscription_is_refused():
    delivery = WebhookDeliveryFactory(
        status=Status.FAILED, attempts=1, error="HTTP 500: down", subscription__is_active=False
    )

    with pytest.raises(InvalidTransition, match="inactive"):
        webhook_delivery_redeliver(delivery=delivery)


# Lost messages


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_broker_outage_does_not_undo_or_fail_the_publication(monkeypatch, caplog):
    WebhookSubscriptionFactory()
    verdict = published_verdict()

    def broker_down(delivery_id: int) -> None:
        raise OperationalError("Error 111 connecting to broker. Connection refused.")

    monkeypatch.setattr(deliver_webhook, "delay", broker_down)

    with transaction.atomic():
        webhook_events_record(event="verdict.published", verdict=verdict)

    assert WebhookDelivery.objects.get().status == Status.QUEUED
    assert "Connection refused" in caplog.text


def test_resume_queues_deliveries_whose_message_was_lost(
    queued, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - timedelta(hours=1)
    never_sent = WebhookDeliveryFactory(queued_at=None)  # the broker was down
    lost = WebhookDeliveryFactory(queued_at=long_ago, sends=1)
    lost_retry = WebhookDeliveryFactory(status=Status.RETRYING, next_attempt_at=long_ago)
    lost_attempt = WebhookDeliveryFactory(
        status=Status.RUNNING, attempts=1, started_at=long_ago, heartbeat_at=long_ago
    )
    WebhookDeliveryFactory(status=Status.RETRYING, next_attempt_at=timezone.now())
    WebhookDeliveryFactory(status=Status.FAILED, attempts=3, error="HTTP 500: down")
    WebhookDeliveryFactory(status=Status.SUCCEEDED, attempts=1, delivered_at=long_ago)
    WebhookDeliveryFactory(queued_at=timezone.now(), sends=1)  # its message is on its way

    with django_capture_on_commit_callbacks(execute=True):
        count = services.webhook_deliveries_resume()

    assert count == 4
    assert sorted(queued) == sorted([never_sent.pk, lost.pk, lost_retry.pk, lost_attempt.pk])


def test_a_backlog_is_sent_again_at_doubling_intervals_not_on_every_tick(
    queued, django_capture_on_commit_callbacks
):
    """A queued delivery nobody has picked up yet may only be waiting in a long queue: one more
    message per doubling wait, not one per beat tick."""
    stale = services.WebhookDelivery.stale_after()
    delivery = WebhookDeliveryFactory(queued_at=timezone.now() - stale * 1.5, sends=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.webhook_deliveries_resume() == 1
    assert services.webhook_deliveries_resume() == 0  # just sent again

    WebhookDelivery.objects.filter(pk=delivery.pk).update(queued_at=timezone.now() - stale * 1.5)
    assert services.webhook_deliveries_resume() == 0  # the second wait is twice as long
    WebhookDelivery.objects.filter(pk=delivery.pk).update(queued_at=timezone.now() - stale * 2.5)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.webhook_deliveries_resume() == 1
    assert queued == [delivery.pk, delivery.pk]


def test_resume_command_reports_what_it_queued(queued, django_capture_on_commit_callbacks):
    WebhookDeliveryFactory(status=Status.RETRYING, next_attempt_at="2020-01-01T00:00Z")
    output = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("resume_webhook_deliveries", stdout=output)

    assert output.getvalue() == "Queued 1 webhook deliveries again.\n"
    assert len(queued) == 1


# Verdict events from the publishing workflow


def test_publishing_our_verdict_announces_it_once_committed(
    django_capture_on_commit_callbacks, queued
):
    WebhookSubscriptionFactory(events=["verdict.published"])
    verdict = ready_verdict(publisher=PublisherFactory(is_self=True))
    verdict_submit(verdict=verdict, actor=editor())
    with django_capture_on_commit_callbacks(execute=True):
        verdict_publish(verdict=verdict, actor=editor())
        assert not WebhookDelivery.objects.exists()

    [delivery] = WebhookDelivery.objects.all()
    assert (delivery.event, delivery.payload["verdict"]["id"]) == ("verdict.published", verdict.pk)


def test_another_publishers_verdict_is_not_ours_to_announce(django_capture_on_commit_callbacks):
    WebhookSubscriptionFactory(events=["verdict.published"])
    verdict = ready_verdict()
    verdict_submit(verdict=verdict, actor=editor())
    with django_capture_on_commit_callbacks(execute=True):
        verdict_publish(verdict=verdict, actor=editor())

    assert not WebhookDelivery.objects.exists()
