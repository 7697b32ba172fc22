"""Domain events: how a lower layer lets the apps above react without importing them.

    # claims/services/workflow.py: knows nothing about webhooks or matching
    events.record("verdict.published", verdict_id=verdict.pk)

    # webhooks/apps.py: subscribes from above
    def ready(self) -> None:
        events.subscribe("verdict.published", webhook_events_for_verdict)

`record` writes an Event row in the caller's transaction; once that commits, the event's
handlers run, each called with `event=<name>` and the payload as keyword arguments, in one
transaction that also marks them done. Handlers are cheap (they write rows and queue tasks;
heavy work goes to Celery) and must be safe to run twice: a handler that raised is run again
by `events_dispatch_pending` (Celery beat), with the others it shares the event with left
alone.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.models import Event

logger = logging.getLogger(__name__)

Handler = Callable[..., Any]

# A handler that keeps failing is left for a person to look at (the event keeps the error).
MAX_ATTEMPTS = 10
# An event not handled this long after it was recorded lost its dispatch (a crash between
# commit and dispatch) or has a failing handler: beat runs it again.
PENDING_AFTER = timedelta(seconds=30)

_handlers: dict[str, list[Handler]] = defaultdict(list)


def handler_name(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(name: str, handler: Handler) -> None:
    """Run `handler(event=name, **payload)` for every committed `name` event (call it from
    AppConfig.ready)."""
    if handler not in _handlers[name]:
        _handlers[name].append(handler)


def record(name: str, **payload: Any) -> Event:
    """Record that `name` happened, in the current transaction; handlers run after commit.

    The payload is JSON: ids and values, not model instances, because handlers may run in
    another process, after the objects have changed.
    """
    event = Event.objects.create(name=name, payload=payload)
    transaction.on_commit(partial(dispatch, event.pk), robust=True)
    return event


def dispatch(event_id: int) -> Event | None:
    """Run the handlers of one event that have not finished yet; None if another process is
    dispatching it right now or it is done."""
    with transaction.atomic():
        event = (
            Event.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, handled_at__isnull=True)
            .first()
        )
        if event is None:
            return None
        event.attempts += 1
        errors = []
        for handler in _handlers.get(event.name, []):
            name = handler_name(handler)
            if name in event.handled_by:
                continue
            try:
                with transaction.atomic():
                    handler(event=event.name, **event.payload)
            except Exception as error:
                logger.exception("event %s #%s: handler %s failed", event.name, event.pk, name)
                errors.append(f"{name}: {type(error).__name__}: {error}")
            else:
                event.handled_by.append(name)
        event.last_error = "\n".join(errors)[:5000]
        if not errors:
            event.handled_at = timezone.now()
        event.save(update_fields=["attempts", "handled_by", "handled_at", "last_error"])
        return event


def events_dispatch_pending() -> int:
    """Dispatch events left unhandled (a lost dispatch, a failing handler), oldest first, with
    a growing wait between attempts. Returns how many were dispatched."""
    now = timezone.now()
    pending = Event.objects.filter(
        handled_at__isnull=True, attempts__lt=MAX_ATTEMPTS, created_at__lt=now - PENDING_AFTER
    ).order_by("created_at")
    dispatched = 0
    for event_id, attempts, created_at in pending.values_list("pk", "attempts", "created_at")[
        :1000
    ]:
        # Attempt n waits PENDING_AFTER * 2**n after the event, so a broken handler is not
        # hammered every minute.
        if created_at > now - PENDING_AFTER * 2**attempts:
            continue
        if dispatch(event_id) is not None:
            dispatched += 1
    return dispatched
