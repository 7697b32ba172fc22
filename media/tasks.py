"""Celery tasks for media. Each takes ids and delegates to a service that can run twice."""

import random

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError

from media.integrations.reverse_image.base import ProviderError
from media.services import lookups

# Late acknowledgement and requeue on a lost worker are set for every task in settings; these
# tasks are safe to run again, which is what makes that safe.
TRANSIENT = (DatabaseError, ProviderError, ConnectionError, TimeoutError)


@shared_task(
    autoretry_for=(DatabaseError, ConnectionError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
def hash_media_item(media_item_id: int) -> None:
    try:
        lookups.media_item_hash(media_item_id=media_item_id)
    except (lookups.MediaUnreadable, lookups.MediaNotReady):
        # Recorded on the item; retrying reads the same bytes.
        return


@shared_task(
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=6,
    soft_time_limit=600,
    time_limit=660,
)
def run_lookup(job_id: int) -> None:
    lookups.lookup_run(job_id=job_id)


@shared_task
def resume_stale_lookups() -> None:
    lookups.lookups_resume_stale()


# The HTTP client bounds each fetch (MEDIA_FETCH_*_TIMEOUT_SECONDS); the limits are a backstop
# for what it cannot bound (a hanging DNS resolver, a decoder stuck on hostile bytes).
@shared_task(bind=True, soft_time_limit=300, time_limit=330)
def fetch_media_item(self: Task, media_item_id: int) -> None:
    """Fetch a pending media item's URL; a failure that may pass is retried with exponential
    backoff (MEDIA_FETCH_RETRY_BASE_SECONDS * 2**(retry - 1), ±20%), and the last one ends the
    item as failed with the reason. Running it twice, or for an item no longer pending, does
    nothing more."""
    from media.services.media import MediaFetchInterrupted, media_item_fetch, media_item_fetch_fail

    retries = self.request.retries
    try:
        media_item_fetch(
            media_item_id=media_item_id,
            last_attempt=retries >= settings.MEDIA_FETCH_MAX_RETRIES,
        )
    except (MediaFetchInterrupted, DatabaseError) as error:
        delay = settings.MEDIA_FETCH_RETRY_BASE_SECONDS * 2**retries * random.uniform(0.8, 1.2)
        raise self.retry(
            exc=error, countdown=delay, max_retries=settings.MEDIA_FETCH_MAX_RETRIES
        ) from error
    except SoftTimeLimitExceeded:
        media_item_fetch_fail(
            media_item_id=media_item_id, reason="The fetch took longer than the time limit."
        )
    except Exception:
        # A bug, logged by Celery with the traceback; the item must not stay pending forever.
        media_item_fetch_fail(
            media_item_id=media_item_id, reason="An internal error stopped the fetch."
        )
        raise
