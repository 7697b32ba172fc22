import hashlib
import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
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
