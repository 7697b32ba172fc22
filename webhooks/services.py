"""Webhook writes: consumers' subscriptions, the events recorded for them, and the attempts to
deliver those events."""

import json
import logging
import random
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from claims.claimreview import public_url
from claims.models import Verdict, VerdictStatus
from core.exceptions import ApplicationError, InvalidTransition
from core.safe_http import RequestFailed, Timeout, UnsafeUrl, check_url, post_json
from core.services.common import apply_changes
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from webhooks.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signature_header
from webhooks.tasks import deliver_webhook

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
# Every event fans out to every subscription that wants it; a cap keeps one consumer from
# turning a publication into thousands of requests.
MAX_SUBSCRIPTIONS_PER_OWNER = 20
DELIVERY_TIMEOUT = Timeout(connect=5, read=10)
# The retry message's ETA is the stored `next_attempt_at`; a worker may start it a moment early.
EARLY_START_TOLERANCE = timedelta(seconds=1)
# Only public verdicts make events, each in the state its event announces.
EVENT_VERDICT_STATUSES = {
    WebhookEvent.VERDICT_PUBLISHED: VerdictStatus.PUBLISHED,
    WebhookEvent.VERDICT_CORRECTED: VerdictStatus.PUBLISHED,
    WebhookEvent.VERDICT_RETRACTED: VerdictStatus.RETRACTED,
}
OPEN_STATUSES = (WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING)
FINISHED_STATUSES = (WebhookDelivery.Status.SUCCEEDED, WebhookDelivery.Status.FAILED)
# Well past the time a queued message takes to reach a worker.
RESUME_AFTER = timedelta(minutes=15)


class _Attempt(NamedTuple):
    status_code: int | None  # None when no answer came
    error: str | None  # None when delivered
    retriable: bool


class SubscriptionLimitReached(ApplicationError):
    code = "subscription_limit_reached"
    status_code = 409


def webhook_subscription_create(
    *, owner: AbstractBaseUser, url: str, events: Iterable[str]
) -> tuple[WebhookSubscription, str]:
    """Subscribe `owner` to `events` at `url`; returns the subscription and its signing secret,
    which the consumer must be given now: nothing shows it again.

    The URL must be http(s) and resolve to public addresses only (loopback too when
    `WEBHOOKS_ALLOW_LOOPBACK` is on); it is checked again at every delivery.
    """
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    subscription = WebhookSubscription(
        owner=owner, url=url, events=_distinct(events), secret=secret
    )
    subscription.full_clean()
    # Before the transaction: resolving the name may take a while, and nothing needs a lock yet.
    _check_delivery_url(subscription.url)
    with transaction.atomic():
        # Creations by one owner queue up here, so that two at once cannot both pass the cap.
        get_user_model().objects.select_for_update().filter(pk=owner.pk).exists()
        if WebhookSubscription.objects.filter(owner=owner).count() >= MAX_SUBSCRIPTIONS_PER_OWNER:
            raise SubscriptionLimitReached(
                f"An account may have at most {MAX_SUBSCRIPTIONS_PER_OWNER} webhook "
                "subscriptions; delete one first."
            )
        subscription.save()
    return subscription, secret


@transaction.atomic
def webhook_subscription_update(
    *, subscription: WebhookSubscription, **changes: Any
) -> WebhookSubscription:
    """Change the URL, the events or `is_active`. Deliveries already recorded keep their payload
    and go to the new URL; while inactive, none are recorded and pending ones fail."""
    locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if "events" in changes:
        changes["events"] = _distinct(changes["events"])
    url_changed = "url" in changes and changes["url"] != locked.url
    apply_changes(locked, changes, frozenset({"url", "events", "is_active"}))
    locked.full_clean()
    if url_changed:
        _check_delivery_url(locked.url)
    locked.save()
    return locked


@transaction.atomic
def webhook_subscription_delete(*, subscription: WebhookSubscription) -> None:
    """Deletes the subscription with its delivery log; deliveries not yet sent are dropped."""
    subscription.delete()


@transaction.atomic
def webhook_events_record(*, event: WebhookEvent | str, verdict: Verdict) -> list[WebhookDelivery]:
    """Record `event` about `verdict` for every active subscription that wants it, with the
    verdict as it is now, and send each after the transaction commits.

    Call it inside the transaction that publishes, corrects or retracts the verdict: a rollback
    then records and sends nothing. Refuses (InvalidTransition) a verdict whose status does not
    match the event, so that no draft reaches a consumer.
    """
    event = WebhookEvent(event)
    if verdict.status != EVENT_VERDICT_STATUSES[event]:
        raise InvalidTransition(f"A {verdict.status} verdict does not make a {event} event.")
    verdict_data = _verdict_payload(verdict)
    recorded_at = timezone.now().isoformat()
    deliveries = []
    for subscription in WebhookSubscription.objects.filter(
        is_active=True, events__contains=[event]
    ):
        event_id = uuid.uuid4()
        payload = {
            "id": str(event_id),
            "event": event.value,
            "created_at": recorded_at,
            "verdict": verdict_data,
        }
        deliveries.append(
            WebhookDelivery(
                subscription=subscription, event=event, event_id=event_id, payload=payload
            )
        )
    # Built here from checked values, not from input: the database constraints suffice, and a
    # full_clean per row would cost queries inside the publishing transaction.
    WebhookDelivery.objects.bulk_create(deliveries)
    _send_after_commit([delivery.pk for delivery in deliveries])
    return deliveries


def webhook_events_for_verdict(*, event: str, verdict_id: int) -> list[WebhookDelivery]:
    """Handler of the verdict events (`claims.services.workflow`): this newsroom's verdicts are
    announced to subscribers; other publishers' (imported) verdicts are not ours to announce.
    A verdict retracted before its publication was announced is announced by its retraction."""
    verdict = Verdict.objects.select_related("claim", "rating", "publisher").get(pk=verdict_id)
    if not verdict.publisher.is_self:
        return []
    try:
        return webhook_events_record(event=event, verdict=verdict)
    except InvalidTransition:
        logger.info("verdict %s is %s now: no %s event sent", verdict_id, verdict.status, event)
        return []


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a finished (succeeded or failed) delivery again, from a first attempt, with the same
    payload and `event_id`: for a consumer who lost an event or has fixed their endpoint."""
    locked = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("subscription")
        .get(pk=delivery.pk)
    )
    if locked.status not in FINISHED_STATUSES:
        raise InvalidTransition("This delivery is still being sent; wait until it finishes.")
    if not locked.subscription.is_active:
        raise InvalidTransition("The subscription is inactive; activate it first.")
    locked.status = WebhookDelivery.Status.PENDING
    locked.attempts = 0
    locked.delivered_at = None
    locked.next_attempt_at = None
    locked.save(update_fields=["status", "attempts", "delivered_at", "next_attempt_at"])
    _send_after_commit([locked.pk])
    return locked


def webhook_deliveries_resume(*, stale_after: timedelta = RESUME_AFTER) -> int:
    """Queue again the deliveries whose task message was lost: still pending `stale_after`
    after they were recorded, or retrying `stale_after` past their due time (the broker was
    down when they were queued, or a retry could not be scheduled). Returns how many.

    Run it every few minutes (`manage.py resume_webhook_deliveries`). A message that was only
    slow, not lost, then arrives twice, which the delivery task shrugs off.
    """
    cutoff = timezone.now() - stale_after
    stale = WebhookDelivery.objects.filter(
        Q(status=WebhookDelivery.Status.PENDING, created_at__lt=cutoff)
        | Q(status=WebhookDelivery.Status.RETRYING, next_attempt_at__lt=cutoff)
    )
    delivery_ids = list(stale.values_list("pk", flat=True))
    for delivery_id in delivery_ids:
        deliver_webhook.delay(delivery_id)
    return len(delivery_ids)


def webhook_delivery_attempt(*, delivery_id: int) -> datetime | None:
    """Make one attempt at a delivery that is due, record it, and return when to try again
    (None: succeeded, given up, or nothing to do).

    Safe to call twice: the row is locked for the attempt, skipped when another worker holds it,
    and left alone once finished or when its next attempt is not due yet (a duplicate message).
    The lock is held while the request is sent (bounded by `DELIVERY_TIMEOUT`): a worker that
    dies mid-attempt releases it with its connection, recording nothing, and the broker hands
    the message to another worker.

    A 2xx answer succeeds. Any other status, a redirect included, a timeout or a connection
    error is retried after `WEBHOOK_RETRY_BASE_SECONDS * 2**(attempt - 1)` (±20% jitter), up to
    `WEBHOOK_MAX_RETRIES` retries; a URL the address guard refuses fails at once.
    """
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription")
            .filter(pk=delivery_id, status__in=OPEN_STATUSES)
            .first()
        )
        now = timezone.now()
        if delivery is None or (
            delivery.next_attempt_at is not None
            and delivery.next_attempt_at > now + EARLY_START_TOLERANCE
        ):
            return None
        if not delivery.subscription.is_active:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = "The subscription was deactivated before this was sent."
            delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
            return None

        attempt = _send(delivery)
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status_code = attempt.status_code
        if attempt.error is None:
            delivery.status = WebhookDelivery.Status.SUCCEEDED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        else:
            delivery.last_error = attempt.error
            if attempt.retriable and delivery.attempts <= settings.WEBHOOK_MAX_RETRIES:
                delivery.status = WebhookDelivery.Status.RETRYING
                delivery.next_attempt_at = timezone.now() + _backoff(delivery.attempts)
            else:
                delivery.status = WebhookDelivery.Status.FAILED
                delivery.next_attempt_at = None
        delivery.save(
            update_fields=[
                "status",
                "attempts",
                "last_attempt_at",
                "last_status_code",
                "last_error",
                "delivered_at",
                "next_attempt_at",
            ]
        )
    return delivery.next_attempt_at


def _send(delivery: WebhookDelivery) -> _Attempt:
    """POST the delivery, signed with a fresh timestamp."""
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.event_id),
        SIGNATURE_HEADER: signature_header(delivery.subscription.secret, body),
    }
    try:
        result = post_json(
            delivery.subscription.url,
            body,
            headers,
            timeout=DELIVERY_TIMEOUT,
            allow_loopback=settings.WEBHOOKS_ALLOW_LOOPBACK,
        )
    except UnsafeUrl as refused:
        # Retrying would be refused the same way; the consumer has to change the URL.
        return _Attempt(None, f"Refused by the address guard: {refused.message}", False)
    except RequestFailed as failure:
        return _Attempt(None, str(failure), True)
    if 200 <= result.status < 300:
        return _Attempt(result.status, None, False)
    return _Attempt(result.status, f"HTTP {result.status}: {result.text}".strip(), True)


def _send_after_commit(delivery_ids: list[int]) -> None:
    """Queue the deliveries once the transaction commits, which is then done: a broker that is
    down must not turn a publication into an error. What is not queued stays pending, for
    `webhook_deliveries_resume`."""

    def queue() -> None:
        for delivery_id in delivery_ids:
            deliver_webhook.delay(delivery_id)

    transaction.on_commit(queue, robust=True)


def _backoff(attempt: int) -> timedelta:
    # Jitter spreads the retries of many deliveries to one endpoint that was down.
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def _check_delivery_url(url: str) -> None:
    """The address guard's verdict as a validation error on `url` (400 in the API)."""
    try:
        check_url(url, allow_loopback=settings.WEBHOOKS_ALLOW_LOOPBACK)
    except UnsafeUrl as refused:
        error = ValidationError(refused.message, code=refused.code)
    except RequestFailed as failure:
        error = ValidationError(str(failure), code="unresolvable")
    else:
        return
    raise ValidationError({"url": error})


def _distinct(events: Iterable[str]) -> list[str]:
    return sorted(set(events))


def _verdict_payload(verdict: Verdict) -> dict[str, Any]:
    """The verdict as consumers see it: its public fields and the page that shows it."""
    rating = verdict.rating
    return {
        "id": verdict.pk,
        "slug": verdict.slug,
        "status": verdict.status,
        "headline": verdict.headline,
        "rating": {"label": rating.label, "value": rating.value} if rating else None,
        "claim": {"id": verdict.claim_id, "text": verdict.claim.text},
        "language": verdict.language,
        "published_at": _iso(verdict.published_at),
        "updated_at": _iso(verdict.updated_at),
        "retracted_at": _iso(verdict.retracted_at),
        "url": public_url(verdict),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
