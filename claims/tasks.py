"""Celery tasks for media. Each takes ids and delegates to a service that can run twice."""

from celery import shared_task
from django.db import DatabaseError

from claims.integrations.reverse_image.base import ProviderError
from claims.services import lookups

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
