"""Celery tasks for media: each takes a job id and runs a service under core.jobs.run_job, which
claims the job, retries what may pass and fails the rest with a reason."""

import logging
import threading

from celery import Task, current_app, shared_task
from celery.signals import worker_process_init
from django.conf import settings
from django.db import Error, InterfaceError, OperationalError, connections

from factcheck import queues

logger = logging.getLogger(__name__)

# A database that is restarting is worth waiting for.
TRANSIENT = (OperationalError, InterfaceError)


# Hashing a long video takes minutes; the soft limit fails a hashing that outlives it (a
# hostile file, a decoder stuck), the hard one is a backstop.
@shared_task(bind=True, max_retries=None, soft_time_limit=600, time_limit=660)
def hash_media_item(self: Task, job_id: int) -> None:
    from core.jobs import run_job
    from media.models import MediaJob
    from media.services.lookups import media_item_hash_failed, media_item_hash_job

    run_job(
        MediaJob,
        job_id,
        media_item_hash_job,
        task=self,
        transient=TRANSIENT,
        on_fail=media_item_hash_failed,
    )


@shared_task(bind=True, max_retries=None, soft_time_limit=120, time_limit=150)
def run_lookup(self: Task, job_id: int) -> None:
    from core.jobs import run_job
    from media.models import LookupJob
    from media.services.lookups import lookup_perform

    run_job(LookupJob, job_id, lookup_perform, task=self, transient=TRANSIENT)


# The HTTP client bounds each fetch (MEDIA_FETCH_*_TIMEOUT_SECONDS); the limits are a backstop
# for what it cannot bound (a hanging DNS resolver, a decoder stuck on hostile bytes).
@shared_task(bind=True, max_retries=None, soft_time_limit=300, time_limit=330)
def fetch_media_item(self: Task, job_id: int) -> None:
    from core.jobs import run_job
    from media.models import MediaJob
    from media.services.media import media_item_fetch, media_item_fetch_failed

    run_job(
        MediaJob,
        job_id,
        media_item_fetch,
        task=self,
        transient=TRANSIENT,
        on_fail=media_item_fetch_failed,
    )


@shared_task(acks_late=True, time_limit=120)
def resume_stale_jobs() -> None:
    """Run by Celery beat: send again the media jobs that lost their message, and purge the
    archive searches whose request is gone."""
    from media.services.archive_search import archive_searches_purge
    from media.services.lookups import jobs_resume_stale

    jobs_resume_stale()
    archive_searches_purge()


# A search of the in-memory index takes milliseconds; the request waiting for it gives up within
# ARCHIVE_SEARCH_TIMEOUT_SECONDS anyway.
@shared_task(bind=True, max_retries=None, soft_time_limit=30, time_limit=40)
def search_archive(self: Task, job_id: int) -> None:
    from core.jobs import run_job
    from media.models import ArchiveSearchJob
    from media.services.archive_search import archive_search_perform

    run_job(ArchiveSearchJob, job_id, archive_search_perform, task=self, transient=TRANSIENT)


@worker_process_init.connect
def warm_archive_indexes(**_) -> None:
    """A worker process that takes lookups reads its archive indexes as it starts, in a thread
    of its own: its first lookup or web image search would otherwise wait seconds for them (see
    media.archive_index.warm_process_indexes). A lookup that comes during the warm-up waits for
    what is left of it."""
    if settings.CELERY_QUEUE_PREFIX + queues.LOOKUP in current_app.amqp.queues.consume_from:
        threading.Thread(target=_warm_up, name="archive-index-warm-up", daemon=True).start()


def _warm_up() -> None:
    from media.archive_index import warm_process_indexes

    try:
        warm_process_indexes()
    except Error as error:
        # The database is not up or not migrated yet: the first lookup reads them instead.
        logger.warning("archive indexes not read at start: %s", error)
    finally:
        connections.close_all()
