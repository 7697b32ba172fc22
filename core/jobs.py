"""The one job engine: lookups, imports, media fetches and hashing, webhook deliveries.

A job's state lives in its row (`core.models.Job`), never only in a broker message, so that a
job survives a lost message, a killed worker or a broker that was down, and always ends:

- `job_enqueue` sends it to its task once the transaction commits (a broker that is down is
  logged; the row stays queued for `jobs_resume_stale`).
- The task calls `run_job`, which claims the row (`job_claim`: one live runner at a time, a
  duplicate message does nothing, a finished job is never run again), runs the work, and turns
  what went wrong into the job's state: a transient error waits and retries (`job_retry_later`),
  anything else fails it with a reason a person can read (`job_fail`).
- Every start counts one attempt against the model's `max_attempts`, whether the run finished,
  failed transiently, was killed with its worker or outlived its time limit: a job that cannot
  succeed ends `failed`, it does not loop.
- `jobs_resume_stale` (Celery beat) sends again what lost its message: a running job whose
  heartbeat stopped, a queued job never picked up (with waits that double, so a long backlog
  is not sent again on every tick), a retry whose timed message never came.
"""

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.enqueue import enqueue_on_commit
from core.models import Job, JobStatus

logger = logging.getLogger(__name__)

J = TypeVar("J", bound=Job)

# A timed retry message may arrive a moment before the time it was sent for.
EARLY_START_TOLERANCE = timedelta(seconds=1)
# A queued job is sent again after stale_after, then 2, 4, ... times that, at most this power.
MAX_RESEND_DOUBLINGS = 6
ERROR_CHARS = 2000


class TransientJobError(Exception):
    """Something that may pass if tried again later: a timeout, a 5xx, a lost connection."""


class JobDeferred(Exception):
    """The job waits for other work (a lookup for its item's hashing): it goes back to queued,
    the run not counted, and whoever finishes that work sends it again."""


class PermanentJobError(Exception):
    """Something trying again will not change; the job fails with this message at once."""

    def __init__(self, message: str, *, code: str = "failed") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def job_enqueue(job: Job) -> None:
    """Send the job to its task once the current transaction commits."""
    now = timezone.now()
    type(job).objects.filter(pk=job.pk).update(queued_at=now, sends=F("sends") + 1)
    job.queued_at = now
    enqueue_on_commit(job.task(), job.pk)


OnFail = Callable[[Job], None] | None


def job_claim(model: type[J], job_id: int, *, on_fail: OnFail = None) -> J | None:
    """Take the job for this run, or None when there is nothing to do: it is finished, another
    live worker has it, its retry is not due yet, or it has used up its attempts (it is then
    failed, saying so)."""
    with transaction.atomic():
        job = model.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None or job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return None
        now = timezone.now()
        if job.status == JobStatus.RUNNING and job.heartbeat_at > now - job.stale_after():
            return None
        if (
            job.status == JobStatus.RETRYING
            and job.next_attempt_at is not None
            and job.next_attempt_at > now + EARLY_START_TOLERANCE
        ):
            return None
        if job.attempts >= job.max_attempts():
            _fail(
                job,
                on_fail=on_fail,
                code="too_many_attempts",
                message=(
                    f"Stopped after {job.attempts} attempts that did not finish (the worker "
                    "died or ran out of time or memory each time)."
                    + (f" Last error: {job.error}" if job.error else "")
                ),
            )
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.next_attempt_at = None
        job.save(
            update_fields=["status", "attempts", "started_at", "heartbeat_at", "next_attempt_at"]
        )
        return job


def job_heartbeat(job: Job, *, progress: int | None = None) -> None:
    """Say the job is alive (and how far it is), so that nobody takes it over."""
    fields: dict = {"heartbeat_at": timezone.now()}
    if progress is not None and hasattr(job, "progress"):
        fields["progress"] = progress
    type(job).objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**fields)


def job_succeed(job: Job, **fields) -> None:
    """Mark a running job succeeded, with `fields` of its own; call it inside the transaction
    that stores the job's result, on the locked row."""
    now = timezone.now()
    job.status = JobStatus.SUCCEEDED
    job.finished_at = now
    job.heartbeat_at = now
    job.next_attempt_at = None
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=["status", "finished_at", "heartbeat_at", "next_attempt_at", *fields])


def job_fail(model: type[J], job_id: int, *, code: str, message: str, on_fail: OnFail = None) -> J:
    """End the job as failed with a reason; a job that has succeeded stays succeeded.
    `on_fail(job)` runs in the same transaction: what the failure means for the job's subject
    (a fetched item fails with its fetch)."""
    with transaction.atomic():
        job = model.objects.select_for_update().get(pk=job_id)
        if job.status not in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            _fail(job, code=code, message=message, on_fail=on_fail)
        return job


def _fail(job: Job, *, code: str, message: str, on_fail: OnFail) -> None:
    now = timezone.now()
    job.status = JobStatus.FAILED
    job.error_code = code[:50]
    job.error = (message or "Failed.")[:ERROR_CHARS]
    job.started_at = job.started_at or now
    job.finished_at = now
    job.next_attempt_at = None
    job.save(
        update_fields=[
            "status",
            "error_code",
            "error",
            "started_at",
            "finished_at",
            "next_attempt_at",
        ]
    )
    if on_fail is not None:
        on_fail(job)


def job_defer(job: Job) -> None:
    """Put a claimed job back in the queue, its run not counted (see JobDeferred)."""
    type(job).objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.QUEUED, attempts=F("attempts") - 1, heartbeat_at=None
    )


def job_retry_later(
    model: type[J], job_id: int, *, error: str, on_fail: OnFail = None
) -> datetime | None:
    """After a transient failure: when to run the job again (it waits as `retrying`), or None
    when it has used up its attempts and is failed with the error."""
    with transaction.atomic():
        job = model.objects.select_for_update().get(pk=job_id)
        if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return None
        if job.attempts >= job.max_attempts():
            _fail(
                job,
                on_fail=on_fail,
                code="transient_errors",
                message=f"{error} (gave up after {job.attempts} attempts)",
            )
            return None
        delay = job.retry_delay(job.attempts)
        job.status = JobStatus.RETRYING
        job.error = error[:ERROR_CHARS]
        job.next_attempt_at = timezone.now() + delay
        job.save(update_fields=["status", "error", "next_attempt_at"])
        return job.next_attempt_at


def backoff(base_seconds: float, attempt: int) -> timedelta:
    """base * 2**(attempt - 1), ±20% so that the retries of many jobs spread out."""
    return timedelta(seconds=base_seconds * 2 ** (attempt - 1) * random.uniform(0.8, 1.2))


def run_job(
    model: type[J],
    job_id: int,
    work: Callable[[J], object],
    *,
    task: Task | None,
    transient: tuple[type[BaseException], ...] = (),
    on_fail: OnFail = None,
) -> None:
    """The body of every job task: claim, work, and turn the outcome into the job's state.
    The task is declared with `max_retries=None`: the job's attempts are the only count.

    `work(job)` does the job and marks it succeeded (`job_succeed`) or failed (`job_fail`).
    What it raises decides the rest: TransientJobError or a `transient` type waits and retries
    (a timed message, and beat as a backstop), JobDeferred puts the job back in the queue,
    PermanentJobError fails with its message, the soft time limit fails with that reason,
    anything else fails the job as an internal error and is raised again for the worker's log.
    Every failure runs `on_fail(job)` in the failing transaction. Without a `task` (a command
    running a job in the foreground) a transient failure leaves the job waiting to retry, for
    beat to send it to a worker when it is due.
    """
    job = job_claim(model, job_id, on_fail=on_fail)
    if job is None:
        return
    try:
        work(job)
    except JobDeferred:
        job_defer(job)
    except PermanentJobError as error:
        job_fail(model, job_id, code=error.code, message=error.message, on_fail=on_fail)
    except SoftTimeLimitExceeded:
        job_fail(
            model,
            job_id,
            code="time_limit",
            message="Stopped by the time limit: the work took longer than it may.",
            on_fail=on_fail,
        )
    except (TransientJobError, *transient) as error:
        message = str(error) or type(error).__name__
        retry_at = job_retry_later(model, job_id, error=message, on_fail=on_fail)
        if retry_at is not None and task is not None:
            raise task.retry(eta=retry_at, exc=error) from error
    except Exception as error:
        job_fail(
            model,
            job_id,
            code="internal_error",
            message=f"{type(error).__name__}: {error}",
            on_fail=on_fail,
        )
        raise


def jobs_resume_stale(model: type[Job]) -> list[int]:
    """Send again the jobs whose message was lost; returns their ids.

    Running with a heartbeat older than the model's `stale_after`: the worker died (its run
    counted as an attempt). Queued and not picked up since it was last sent, for stale_after
    doubled on every send: the broker lost it, or it is in a backlog, where one extra message
    per doubling wait costs nothing (`job_claim` ignores duplicates). Retrying and more than
    stale_after past its time: the timed message was lost.
    """
    now = timezone.now()
    stale_after = model.stale_after()
    resent_queued = [
        job_id
        for job_id, queued_at, sends in model.objects.filter(status=JobStatus.QUEUED)
        .filter(Q(queued_at__lt=now - stale_after) | Q(queued_at__isnull=True))
        .values_list("pk", "queued_at", "sends")
        if queued_at is None
        or queued_at < now - stale_after * 2 ** min(max(sends - 1, 0), MAX_RESEND_DOUBLINGS)
    ]
    lost = list(
        model.objects.filter(
            Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - stale_after)
            | Q(status=JobStatus.RETRYING, next_attempt_at__lt=now - stale_after)
        ).values_list("pk", flat=True)
    )
    job_ids = resent_queued + lost
    for job in model.objects.filter(pk__in=job_ids):
        with transaction.atomic():
            job_enqueue(job)
    if job_ids:
        logger.info("%s: sent %d stale jobs again", model.__name__, len(job_ids))
    return job_ids
