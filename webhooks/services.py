"""Webhook writes: consumers' subscriptions, the events recorded for them, and the attempts to
deliver those events."""

import json
import logging
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims.claimreview import public_url
from claims.models import Verdict, VerdictStatus
from core import jobs
from core.exceptions import ApplicationError, InvalidTransition
from core.safe_http import RequestFailed, Timeout, UnsafeUrl, check_url, post_json
from core.services.common import apply_changes
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from webhooks.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signature_header

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
# Every event fans out to every subscription that wants it; a cap keeps one consumer from
# turning a publication into thousands of requests.
MAX_SUBSCRIPTIONS_PER_OWNER = 20
DELIVERY_TIMEOUT = Timeout(connect=5, read=10)
# Only public verdicts make events, each in the state its event announces.
EVENT_VERDICT_STATUSES = {
    WebhookEvent.VERDICT_PUBLISHED: VerdictStatus.PUBLISHED,
    WebhookEvent.VERDICT_CORRECTED: VerdictStatus.PUBLISHED,
    WebhookEvent.VERDICT_RETRACTED: VerdictStatus.RETRACTED,
}
FINISHED_STATUSES = (WebhookDelivery.Status.SUCCEEDED, WebhookDelivery.Status.FAILED)


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
    for delivery in deliveries:
        jobs.job_enqueue(delivery)
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
    locked.status = WebhookDelivery.Status.QUEUED
    locked.attempts = locked.sends = 0
    locked.delivered_at = locked.next_attempt_at = locked.finished_at = None
    locked.save(
        update_fields=[
            "status",
            "attempts",
            "sends",
            "delivered_at",
            "next_attempt_at",
            "finished_at",
        ]
    )
    jobs.job_enqueue(locked)
    return locked


def webhook_deliveries_resume() -> int:
    """Send again the deliveries whose message was lost (core.jobs.jobs_resume_stale): never
    queued because the broker was down, a worker killed mid-attempt, a retry message lost.
    Returns how many. A message that was only slow then arrives twice, which the delivery task
    shrugs off."""
    return len(jobs.jobs_resume_stale(WebhookDelivery))


def webhook_delivery_attempt(delivery: WebhookDelivery) -> None:
    """The work of a delivery job: one attempt, recorded on the row.

    A 2xx answer succeeds. Any other status, a redirect included, a timeout or a connection
    error is transient: core.jobs retries it after `WEBHOOK_RETRY_BASE_SECONDS * 2**(attempt -
    1)` (±20% jitter), up to `WEBHOOK_MAX_RETRIES` retries. A URL the address guard refuses, or
    a subscription deactivated meanwhile, fails at once.
    """
    if not delivery.subscription.is_active:
        raise jobs.PermanentJobError(
            "The subscription was deactivated before this was sent.", code="inactive"
        )
    attempt = _send(delivery)
    now = timezone.now()
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        locked.last_attempt_at = now
        locked.last_status_code = attempt.status_code
        if attempt.error is None:
            jobs.job_succeed(
                locked,
                delivered_at=now,
                last_attempt_at=now,
                last_status_code=attempt.status_code,
            )
            return
        locked.save(update_fields=["last_attempt_at", "last_status_code"])
    if attempt.retriable:
        raise jobs.TransientJobError(attempt.error)
    raise jobs.PermanentJobError(attempt.error, code="refused")


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
