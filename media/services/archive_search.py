"""Archive searches for web requests, run by a worker that holds the archive index.

The index (media.archive_index) takes about 40 bytes per archive hash and a full read of the
ArchiveHash table to build: a cost worth paying in the few worker processes of the lookup queue,
not in every web process. A request hands its query frames to a worker through a job row, waits
for the result a bounded time (ARCHIVE_SEARCH_TIMEOUT_SECONDS), and answers 503 when no worker
answered: the job is then failed, so that a worker reaching it late does nothing.
"""

import dataclasses
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import jobs
from core.exceptions import ApplicationError
from core.models import JobStatus
from media.models import ArchiveSearchJob
from media.services.lookups import ArchiveMatch, archive_search

# How often the waiting request looks at the job's row: a search takes milliseconds.
POLL_SECONDS = 0.02
# Rows a request left behind (its process died while waiting) are purged after this long.
PURGE_AFTER_SECONDS = 3600


class ArchiveSearchUnavailable(ApplicationError):
    """No worker answered the search in time: the lookup workers are down or overloaded."""

    code = "archive_search_unavailable"
    status_code = 503
    retry_after_seconds = 5


@dataclasses.dataclass(frozen=True)
class QueryFrame:
    offset_seconds: float
    query_hashes: bytes


def archive_search_for_request(frames) -> list[ArchiveMatch]:
    """`archive_search(frames)`, by a worker unless ARCHIVE_SEARCH_BY_WORKER is off. Raises
    ArchiveSearchUnavailable when no worker answered within ARCHIVE_SEARCH_TIMEOUT_SECONDS."""
    if not settings.ARCHIVE_SEARCH_BY_WORKER:
        return archive_search(frames)
    query = [
        {"offset_seconds": frame.offset_seconds, "query_hashes": bytes(frame.query_hashes).hex()}
        for frame in frames
    ]
    if not any(frame["query_hashes"] for frame in query):
        return []
    timeout = settings.ARCHIVE_SEARCH_TIMEOUT_SECONDS
    with transaction.atomic():
        job = ArchiveSearchJob.objects.create(query=query)
        jobs.job_enqueue(job)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            status, result = ArchiveSearchJob.objects.values_list("status", "result").get(pk=job.pk)
            if status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
                break
            time.sleep(POLL_SECONDS)
        else:
            job = jobs.job_fail(
                ArchiveSearchJob,
                job.pk,
                code="no_worker",
                message=f"No worker answered within {timeout:g} seconds.",
            )
            status, result = job.status, job.result
    finally:
        ArchiveSearchJob.objects.filter(pk=job.pk).delete()
    if status != JobStatus.SUCCEEDED:
        raise ArchiveSearchUnavailable(
            f"The image search is unavailable: no worker answered within {timeout:g} seconds. "
            "Retry in a moment."
        )
    return [ArchiveMatch(**match) for match in result]


def archive_search_perform(job: ArchiveSearchJob) -> None:
    """The work of an archive search job: search this worker's index, store the matches."""
    frames = [
        QueryFrame(frame["offset_seconds"], bytes.fromhex(frame["query_hashes"]))
        for frame in job.query
    ]
    matches = [dataclasses.asdict(match) for match in archive_search(frames)]
    with transaction.atomic():
        locked = ArchiveSearchJob.objects.select_for_update().get(pk=job.pk)
        if locked.status == JobStatus.RUNNING:
            jobs.job_succeed(locked, result=matches)


def archive_searches_purge() -> int:
    """Delete the search rows whose request is long gone; returns how many."""
    cutoff = timezone.now() - timedelta(seconds=PURGE_AFTER_SECONDS)
    deleted, _ = ArchiveSearchJob.objects.filter(created_at__lt=cutoff).delete()
    return deleted
