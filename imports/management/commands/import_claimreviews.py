"""Import other publishers' ClaimReviews from a file or a URL.

manage.py import_claimreviews feed.json                 # runs here, with a progress line
manage.py import_claimreviews saved.html --page-url https://example.org/check   # a saved page
manage.py import_claimreviews https://example.org/check --async   # queued for a worker
manage.py import_claimreviews --resume 12               # go on with a job that stopped
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import ApplicationError
from imports.models import ImportJob
from imports.services import import_job_create, import_job_resume, import_job_run


class Command(BaseCommand):
    help = "Import ClaimReviews from a JSON, JSON-LD or DataFeed file, or a page or feed URL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", nargs="?", help="A file path or an http(s) URL.")
        parser.add_argument(
            "--async",
            action="store_true",
            dest="queue",
            help="Queue the job for a Celery worker instead of running it here.",
        )
        parser.add_argument("--user", help="Username recorded as the importer.")
        parser.add_argument("--resume", type=int, metavar="JOB_ID", help="Resume this job.")
        parser.add_argument(
            "--page-url",
            default="",
            help="For a file: the address of the page it was saved from (for relative URLs).",
        )

    def handle(self, *args, source: str | None, queue: bool, user: str | None, **options):
        if (source is None) == (options["resume"] is None):
            raise CommandError("Give a source, or --resume JOB_ID.")
        try:
            job = self._job(
                source,
                options["resume"],
                user=self._user(user),
                enqueue=queue,
                page_url=options["page_url"],
            )
        except ApplicationError as error:
            raise CommandError(error.message) from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        if queue:
            self.stdout.write(f"Queued import #{job.pk}.")
            return
        self._run(job)

    def _user(self, username: str | None):
        if username is None:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None

    def _job(
        self, source: str | None, resume: int | None, *, user, enqueue: bool, page_url: str
    ) -> ImportJob:
        if resume is not None:
            job = ImportJob.objects.filter(pk=resume).first()
            if job is None:
                raise CommandError(f"No import #{resume}.")
            return import_job_resume(job=job, enqueue=enqueue)
        if source.startswith(("http://", "https://")):
            return import_job_create(
                requested_by=user, url=source, page_url=page_url, enqueue=enqueue
            )
        path = Path(source)
        if not path.is_file():
            raise CommandError(f"No such file: {source}")
        with path.open("rb") as handle:
            return import_job_create(
                requested_by=user,
                file=File(handle),
                file_name=path.name,
                page_url=page_url,
                enqueue=enqueue,
            )

    def _run(self, job: ImportJob) -> None:
        ending = "\r" if self.stdout.isatty() else "\n"

        def progress(job: ImportJob) -> None:
            self.stdout.write(
                f"{job.records_done:,}/{job.records_total:,} records ({job.progress}%): "
                f"{job.created_count:,} created, {job.updated_count:,} updated, "
                f"{job.unchanged_count:,} unchanged, {job.rejected_count:,} rejected",
                ending=ending,
            )

        job = import_job_run(job_id=job.pk, on_progress=progress) or job
        job.refresh_from_db()
        if ending == "\r":
            self.stdout.write("")
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(f"Import #{job.pk} failed ({job.error_code}): {job.error}")
        if job.status != ImportJob.Status.SUCCEEDED:
            raise CommandError(f"Import #{job.pk} is {job.status} in another process.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Import #{job.pk}: {job.created_count:,} created, {job.updated_count:,} updated, "
                f"{job.unchanged_count:,} unchanged, {job.rejected_count:,} rejected."
            )
        )
        for code, count in job.rejected_by_code.items():
            self.stdout.write(f"  {code}: {count:,}")
        if job.warned_count:
            self.stdout.write(f"Imported with warnings: {job.warned_count:,} records.")
        for code, count in job.warnings_by_code.items():
            self.stdout.write(f"  {code}: {count:,}")
