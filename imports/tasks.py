from celery import Task, shared_task


# A 100,000-record feed takes minutes; the limits leave an order of magnitude to spare and only
# stop a job that is stuck. The soft limit fails the job with what it has done so far kept (a
# resume goes on from there); the hard one is a backstop for a worker that ignores it.
@shared_task(bind=True, max_retries=None, soft_time_limit=3600, time_limit=3660)
def run_import_job(self: Task, job_id: int) -> None:
    """Run an import job (core.jobs). Running it twice, or for a job that has finished, imports
    nothing twice; after a crash it goes on from the last committed batch. A fetch that fails
    for a reason that may pass (no answer, HTTP 5xx or 429) is retried with backoff."""
    from core.jobs import run_job
    from imports.models import ImportJob
    from imports.services import TRANSIENT_ERRORS, import_job_perform

    run_job(ImportJob, job_id, import_job_perform, task=self, transient=TRANSIENT_ERRORS)


@shared_task(acks_late=True, time_limit=120)
def resume_stale_imports() -> None:
    """Run by Celery beat (CELERY_BEAT_SCHEDULE): send again imports that lost their worker."""
    from imports.services import import_jobs_resume_stale

    import_jobs_resume_stale()
