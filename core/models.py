import hashlib
import secrets
from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

KEY_PREFIX_LENGTH = 8


def hash_key(raw_key: str) -> str:
    # Keys are 256-bit random secrets, so a plain SHA-256 is enough: nothing to brute-force.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def new_raw_key() -> tuple[str, str]:
    """A new key and its public prefix: `fck_<prefix>_<secret>`."""
    prefix = secrets.token_hex(KEY_PREFIX_LENGTH // 2)
    return f"fck_{prefix}_{secrets.token_urlsafe(32)}", prefix


class ApiKey(models.Model):
    """A key that authenticates API calls as its owner: a partner platform's or researcher's
    consumer account, or a newsroom member's tool. Only a hash is stored; the key itself is
    shown once, when staff create it. Revoked keys stay, for the record of their use."""

    name = models.CharField(max_length=100, help_text=_("What the key is for."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_keys"
    )
    prefix = models.CharField(max_length=KEY_PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    rate_limit = models.CharField(
        max_length=20,
        blank=True,
        help_text=_("Requests per period for this key, e.g. 1200/min; empty for the role's."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API key")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_limit="")
                | Q(rate_limit__regex=r"^[0-9]+/(s|sec|m|min|h|hour|d|day)$"),
                name="api_key_rate_limit_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (fck_{self.prefix}_…)"


class Event(models.Model):
    """Something that happened in a lower layer that the apps above may react to: a verdict was
    published, a lookup finished, a media item's provenance changed.

    A transactional outbox: the row is written in the transaction that made the change, so an
    event exists exactly when its change was committed. Handlers (`core.events.subscribe`) run
    once it is committed; `handled_by` names those that have finished, so a retry runs only
    the others, and `handled_at` is set when none is left.
    """

    name = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(handled_at__isnull=True),
                name="event_unhandled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    RETRYING = "retrying", _("Waiting to retry")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """Work a Celery worker does for a row: a lookup, an import, a fetch, a hashing, a webhook
    delivery. The row is the job's whole state (core.jobs runs it): a message can be lost, a
    worker killed, and the job still ends, `succeeded` or `failed` with a reason.

    `attempts` counts the runs started (a run killed with its worker counts too), up to
    `max_attempts()`; `sends` the messages sent for it, so that a job nobody picks up is sent
    again at growing intervals; `heartbeat_at` is when a running job last said it was alive;
    `next_attempt_at` when a job waiting to retry is due. `error` keeps the latest failure,
    also after a later success.
    """

    Status = JobStatus

    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0, help_text=_("Runs started."))
    sends = models.PositiveSmallIntegerField(default=0, editable=False)
    error_code = models.CharField(max_length=50, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # The Celery task (by name) that runs a job of this kind.
    task_name: ClassVar[str]

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error=""),
                name="%(app_label)s_%(class)s_failure_has_error",
            ),
            models.CheckConstraint(
                condition=~Q(status="retrying") | Q(next_attempt_at__isnull=False),
                name="%(app_label)s_%(class)s_retrying_has_time",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True)
                | Q(started_at__isnull=False, finished_at__gte=F("started_at")),
                name="%(app_label)s_%(class)s_finished_after_start",
            ),
        ]

    @classmethod
    def max_attempts(cls) -> int:
        return 5

    @classmethod
    def stale_after(cls) -> timedelta:
        """How long a running job may go without a heartbeat before it counts as lost."""
        return timedelta(minutes=5)

    @classmethod
    def retry_delay(cls, attempt: int) -> timedelta:
        from core.jobs import backoff

        return backoff(30, attempt)

    def task(self):
        return import_string(self.task_name)
