from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded

FETCH_RETRIES = 4
FETCH_RETRY_BASE_SECONDS = 30


# A 100,000-record feed takes minutes; the limits leave an order of magnitude to spare and only
# stop a job that is stuck. The soft limit fails the job with what it has done so far kept (a
# resume goes on from there); the hard one is a backstop for a worker that ignores it.
@shared_task(
    bind=True, acks_late=True, max_retries=FETCH_RETRIES, soft_time_limit=3600, time_limit=3660
)
def run_import_job(self: Task, job_id: int) -> None:
    """Run an import job. Running it twice, or for a job that has finished, imports nothing
    twice; after a crash it goes on from the last committed batch. A fetch that fails for a
    reason that may pass (no answer, HTTP 5xx or 429) is retried with exponential backoff."""
    from core.safe_http import RequestFailed
    from imports.services import FetchFailed, import_job_fail, import_job_run

    try:
        import_job_run(job_id=job_id)
    except (RequestFailed, FetchFailed) as error:
        if self.request.retries >= FETCH_RETRIES:
            import_job_fail(job_id=job_id, code="fetch_failed", message=str(error))
            return
        raise self.retry(countdown=FETCH_RETRY_BASE_SECONDS * 2**self.request.retries) from None
    except SoftTimeLimitExceeded:
        import_job_fail(
            job_id=job_id,
            code="time_limit",
            message="Stopped by the time limit; resume the job to go on from where it stopped.",
        )
    except Exception as error:
        # A bug or a lost database: the job says so instead of staying "running" for ever.
        import_job_fail(
            job_id=job_id, code="internal_error", message=f"{type(error).__name__}: {error}"
        )
        raise


@shared_task(acks_late=True, time_limit=120)
def resume_stale_imports() -> None:
    """Run by Celery beat (CELERY_BEAT_SCHEDULE): requeue imports that lost their worker."""
    from imports.services import import_jobs_resume_stale

    import_jobs_resume_stale()
