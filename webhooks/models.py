"""Webhook subscriptions and the log of their deliveries.

Writes go through `webhooks.services`; the delivery itself is `webhooks.tasks.deliver_webhook`.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.jobs import backoff
from core.models import Job
from core.validators import HTTP_URL_PATTERN, HttpUrlField


class WebhookEvent(models.TextChoices):
    """What a consumer can be told about. Only public verdicts make events: drafts never leak."""

    VERDICT_PUBLISHED = "verdict.published", _("Verdict published")
    VERDICT_CORRECTED = "verdict.corrected", _("Verdict corrected or updated")
    VERDICT_RETRACTED = "verdict.retracted", _("Verdict retracted")


class WebhookSubscription(models.Model):
    """A consumer's request to be told about verdict events at `url`.

    `secret` is shared with the consumer, who verifies our signatures with it: it is stored
    because signing needs it, shown once when the subscription is created, and never again.
    An inactive subscription keeps its settings and log but receives nothing.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhook_subscriptions"
    )
    url = HttpUrlField(help_text=_("Where events are POSTed; must be a public http(s) address."))
    secret = models.CharField(max_length=100, editable=False)
    events = ArrayField(
        models.CharField(max_length=40, choices=WebhookEvent.choices),
        help_text=_("The events this consumer wants."),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same URL twice would receive every event twice.
            models.UniqueConstraint(fields=["owner", "url"], name="webhook_subscription_one_url"),
            models.CheckConstraint(
                condition=Q(url__regex=HTTP_URL_PATTERN), name="webhook_subscription_url_http"
            ),
            models.CheckConstraint(
                condition=Q(events__len__gt=0) & Q(events__contained_by=WebhookEvent.values),
                name="webhook_subscription_events_valid",
            ),
            models.CheckConstraint(condition=~Q(secret=""), name="webhook_subscription_secret_set"),
        ]

    def __str__(self) -> str:
        return f"{self.url} ({self.owner})"


class WebhookDelivery(Job):
    """One event to send to one subscription, and how sending it went (a job: core.jobs).

    `payload` is what was true when the event happened, sent as it is on every attempt. `event_id`
    identifies the delivery to the consumer (header `X-Factcheck-Delivery`, `id` in the body): it
    stays the same on retries and redeliveries, so that a consumer can drop duplicates.
    `attempts` counts the attempts of the current cycle (a staff redelivery starts a new one);
    `last_status_code` is the HTTP status of the latest answer, and `error` the latest failure,
    kept after a later success so that the log shows what went wrong on the way.
    """

    # A delivery is part of its subscription: when the consumer deletes that, its log goes too.
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField()
    last_status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("HTTP status of the latest answer; empty if none.")
    )
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    task_name = "webhooks.tasks.deliver_webhook"

    class Meta(Job.Meta):
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            *Job.Meta.constraints,
            models.CheckConstraint(
                condition=Q(event__in=WebhookEvent.values), name="webhook_delivery_event_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | Q(delivered_at__isnull=False, attempts__gt=0),
                name="webhook_delivery_succeeded_has_date",
            ),
        ]
        indexes = [
            models.Index(
                fields=["subscription", "-created_at", "-id"], name="webhook_delivery_by_sub"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.subscription.url} ({self.status})"

    @classmethod
    def max_attempts(cls) -> int:
        return settings.WEBHOOK_MAX_RETRIES + 1

    @classmethod
    def stale_after(cls) -> timedelta:
        # An attempt is bounded by the client's timeouts (seconds): one running for minutes
        # lost its worker.
        return timedelta(minutes=2)

    @classmethod
    def retry_delay(cls, attempt: int) -> timedelta:
        # Jitter spreads the retries of many deliveries to one endpoint that was down.
        return backoff(settings.WEBHOOK_RETRY_BASE_SECONDS, attempt)
