"""Celery tasks of the core: thin wrappers over core services."""

from celery import shared_task


@shared_task(acks_late=True, time_limit=300)
def dispatch_pending_events() -> None:
    """Run by Celery beat: handle events whose dispatch was lost or whose handler failed."""
    from core.events import events_dispatch_pending

    events_dispatch_pending()
