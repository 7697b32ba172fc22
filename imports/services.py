"""Import jobs: queue an import of ClaimReviews from a URL or a file, run it in batches, resume
one that stopped.

A job runs in `imports.tasks.run_import_job` (or inline, from the management command). It is
safe to run twice and to run after a crash: one runner at a time holds the job's advisory lock,
each batch commits its records together with the job's counts and `records_done`, and a new run
starts after the last committed batch. Records are keyed by review URL, so even a source that
changed in between is not imported twice.
"""

import ipaddress
import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from claims.exceptions import ApplicationError, InvalidTransition
from claims.integrations import safe_http
from claims.models import Publisher, RatingScale
from imports import crawl
from imports.models import ImportJob, ImportReject, ImportWarning
from imports.parsing import (
    ClaimReviewRecord,
    ParsedSource,
    Rejection,
    SourceError,
    SourceErrorCode,
    normalize_url,
    parse_crawl,
    parse_source,
)
from imports.records import ImportContext, claim_reviews_save, scale_steps

FETCH_TIMEOUT = safe_http.Timeout(connect=10, read=300)
FETCH_ACCEPT = "application/ld+json, application/json;q=0.9, text/html;q=0.8, */*;q=0.1"
# Enough of a file to see what it is, past any leading whitespace.
SNIFF_BYTES = 64 * 1024
# Runs of a job (retries and redeliveries included) before it is failed; resuming starts over.
MAX_RUNS = 8
# First key of the two-key advisory locks of import jobs (the second is the job id).
LOCK_NAMESPACE = 0x1F0C


class NoRatingScale(ApplicationError):
    code = "no_rating_scale"
    status_code = 409


class SourceTooLarge(ApplicationError):
    code = "payload_too_large"
    status_code = 413


class UnsupportedSource(ApplicationError):
    code = "unsupported_format"


class EmptySource(ApplicationError):
    code = "empty_source"


class ImportRunning(InvalidTransition):
    code = "import_running"


class FetchFailed(Exception):
    """The source could not be read: an HTTP error status, or a failure that trying again
    cannot cure (`transient` False, with its own `code`)."""

    def __init__(self, message: str, *, transient: bool, code: str = "fetch_failed") -> None:
        super().__init__(message)
        self.transient = transient
        self.code = code


def permanent_failure_code(error: safe_http.RequestFailed) -> str | None:
    """The code of a request failure that no retry cures, or None for one that may pass (no
    answer, a timeout, a refused connection while a server restarts): a redirect loop, or a
    certificate that does not verify."""
    if isinstance(error, safe_http.TooManyRedirects):
        return "too_many_redirects"
    # The guarded client reports TLS failures in its message only.
    message = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in message or "certificate verify failed" in message:
        return "tls_error"
    return None


def default_rating_scale() -> RatingScale:
    """The scale imported ratings map onto: FACTCHECK_DEFAULT_RATING_SCALE, by name."""
    name = settings.FACTCHECK_DEFAULT_RATING_SCALE
    scale = RatingScale.objects.prefetch_related("ratings").filter(name=name).first()
    if scale is None:
        raise NoRatingScale(
            f"Imports map ratings onto the rating scale {name!r}, which does not exist; create "
            "it or set FACTCHECK_DEFAULT_RATING_SCALE."
        )
    return scale


@transaction.atomic
def import_job_create(
    *,
    requested_by: AbstractBaseUser | None,
    file: File | None = None,
    file_name: str = "",
    url: str = "",
    page_url: str = "",
    enqueue: bool = True,
) -> ImportJob:
    """Queue the import of an uploaded file or of a page, feed or sitemap URL (exactly one).

    The file is checked for size (IMPORTS_MAX_BYTES) and for looking like JSON or HTML, and
    stored; `page_url`, for a file only, is the address of the page it was saved from (relative
    review URLs resolve against it). The URL must be http(s), and an address that is plainly not
    public (an IP literal, localhost) is refused now, any other when it is fetched. Raises
    NoRatingScale when there is no scale to map ratings onto. The job is queued once the
    transaction commits, unless the caller runs it itself (`enqueue=False`).
    """
    if (file is None) == (not url):
        raise ApplicationError("Give either a file or a url.")
    if page_url and file is None:
        raise ValidationError(
            {
                "page_url": ValidationError(
                    "A fetched page is its own address; page_url is for files.",
                    code="page_url_for_files",
                )
            }
        )
    default_rating_scale()
    if file is not None:
        job = ImportJob(
            source_kind=ImportJob.SourceKind.FILE,
            file_name=(file_name or "")[:255],
            page_url=_check_page_url(page_url) if page_url else "",
        )
        extension = _check_file(file)
        job.file.save(f"claimreviews{extension}", file, save=False)
    else:
        job = ImportJob(source_kind=ImportJob.SourceKind.URL, source_url=_check_url(url))
    job.requested_by = requested_by
    job.full_clean()
    job.save()
    if enqueue:
        _enqueue(job)
    return job


def _check_file(file: File) -> str:
    """The extension to store the file under; refuses what cannot be a source."""
    if file.size is not None and file.size > settings.IMPORTS_MAX_BYTES:
        raise SourceTooLarge(f"The file is larger than {settings.IMPORTS_MAX_BYTES} bytes.")
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    if not head:
        raise EmptySource("The file is empty.")
    first = head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    if first == b"<":
        return ".html"
    if first in (b"{", b"["):
        return ".json"
    if not first and len(head) < SNIFF_BYTES:
        raise EmptySource("The file has only white space.")
    raise UnsupportedSource("The file is neither JSON (JSON-LD, a DataFeed) nor an HTML page.")


def _check_url(url: str) -> str:
    normalized = normalize_url(url)
    if normalized is None:
        raise ValidationError({"url": ValidationError("Enter an http(s) URL.", code="invalid_url")})
    host = urlsplit(normalized).hostname or ""
    if _is_literal_address(host) or host == "localhost" or host.endswith(".localhost"):
        # No DNS query here: names are resolved, and checked, when the job fetches.
        safe_http.check_url(normalized, allow_loopback=settings.IMPORTS_ALLOW_LOOPBACK)
    return normalized


def _check_page_url(url: str) -> str:
    """Never fetched: only a base for the file's relative URLs."""
    normalized = normalize_url(url)
    if normalized is None:
        raise ValidationError(
            {"page_url": ValidationError("Enter an http(s) URL.", code="invalid_url")}
        )
    return normalized


def _is_literal_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _enqueue(job: ImportJob) -> None:
    from imports.tasks import run_import_job

    run_import_job.delay_on_commit(job.pk)


@transaction.atomic
def import_job_resume(*, job: ImportJob, enqueue: bool = True) -> ImportJob:
    """Queue a job that failed or stopped (its worker died, its message was lost) to go on from
    its last committed batch. A finished job raises InvalidTransition; one that a runner holds
    right now, ImportRunning."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status == ImportJob.Status.SUCCEEDED:
        raise InvalidTransition("This import has finished.")
    with _run_lock(locked.pk) as free:
        if not free:
            raise ImportRunning("This import is running.")
    locked.status = ImportJob.Status.QUEUED
    locked.error = locked.error_code = ""
    locked.finished_at = None
    locked.attempts = 0
    locked.save(update_fields=["status", "error", "error_code", "finished_at", "attempts"])
    if enqueue:
        _enqueue(locked)
    return locked


def import_jobs_resume_stale() -> list[int]:
    """Requeue jobs that lost their worker and message: running without a heartbeat for
    IMPORTS_STALE_SECONDS (one batch takes seconds), or queued for that long. A job that a
    runner holds is left alone (its lock is taken); a message that turns out to be extra finds
    the job finished, or held, and does nothing. Returns the requeued ids."""
    from imports.tasks import run_import_job

    stale_before = timezone.now() - timedelta(seconds=settings.IMPORTS_STALE_SECONDS)
    candidates = ImportJob.objects.filter(
        Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=stale_before)
        | Q(status=ImportJob.Status.QUEUED, created_at__lt=stale_before)
    ).values_list("pk", flat=True)
    stale = []
    for job_id in candidates:
        with _run_lock(job_id) as free:
            if free:
                stale.append(job_id)
    for job_id in stale:
        run_import_job.delay(job_id)
    return stale


@transaction.atomic
def import_job_fail(*, job_id: int, code: str, message: str) -> None:
    """Mark a job failed (a no-op once it has succeeded)."""
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    if job.status == ImportJob.Status.SUCCEEDED:
        return
    now = timezone.now()
    job.status = ImportJob.Status.FAILED
    job.error_code = code
    job.error = message
    job.started_at = job.started_at or now
    job.finished_at = now
    job.save(update_fields=["status", "error_code", "error", "started_at", "finished_at"])


@contextmanager
def _run_lock(job_id: int) -> Iterator[bool]:
    """A session-level advisory lock on the job: whether we got it. PostgreSQL drops it with
    the connection, so a crashed worker does not keep it."""
    # The two-integer form keeps these locks apart from other users'; jobs 2**31 ids apart
    # would only wait for each other.
    key = [LOCK_NAMESPACE, job_id % 2**31]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def import_job_run(
    *, job_id: int, on_progress: Callable[[ImportJob], None] | None = None
) -> ImportJob | None:
    """Run a queued or interrupted job to the end; returns it, or None when another runner
    holds it or it has already finished.

    The source is read (a URL fetched through the public-internet guard, and the bytes kept in
    the job's file), every record validated, then saved in batches of IMPORTS_BATCH_SIZE, each
    in one transaction with the job's progress, counts and rejected records. A source that
    cannot be read fails the job, at once when no retry can cure it (a redirect loop, a refused
    address, a certificate that does not verify); a bad record is only rejected. The failures
    that may pass (`safe_http.RequestFailed`, transient `FetchFailed`) propagate, for the task
    to retry.
    """
    with _run_lock(job_id) as acquired:
        if not acquired:
            return None
        job = _start(job_id)
        if job is None:
            return None
        try:
            context = import_context(actor=job.requested_by, reason=f"imported by import #{job.pk}")
            parsed = _parse(job)
        except (NoRatingScale, SourceError, safe_http.UnsafeUrl) as error:
            import_job_fail(job_id=job.pk, code=str(error.code), message=error.message)
            return _reload(job)
        except FetchFailed as error:
            if error.transient:
                raise
            import_job_fail(job_id=job.pk, code=error.code, message=str(error))
            return _reload(job)
        job.format = parsed.format
        job.records_total = len(parsed.items)
        job.save(update_fields=["format", "records_total"])
        size = settings.IMPORTS_BATCH_SIZE
        for start in range(job.records_done, len(parsed.items), size):
            _save_batch(job, parsed.items[start : start + size], context)
            if on_progress is not None:
                on_progress(job)
        job.status = ImportJob.Status.SUCCEEDED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
        return job


def _reload(job: ImportJob) -> ImportJob:
    job.refresh_from_db()
    return job


@transaction.atomic
def _start(job_id: int) -> ImportJob | None:
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        return None
    if job.attempts >= MAX_RUNS:
        # A worker killed mid-run (out of memory, say) gets the message again: without this,
        # again and again.
        import_job_fail(
            job_id=job.pk,
            code="too_many_runs",
            message=f"Stopped after {job.attempts} runs that did not finish; the worker may have "
            "run out of memory (see IMPORTS_MAX_BYTES). Resume it to try again.",
        )
        return None
    now = timezone.now()
    job.status = ImportJob.Status.RUNNING
    job.attempts += 1
    job.started_at = job.started_at or now
    job.heartbeat_at = now
    job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at"])
    return job


def import_context(*, actor: AbstractBaseUser | None, reason: str) -> ImportContext:
    """What saving records needs: the default scale (NoRatingScale without one) and this
    newsroom's own sites, whose reviews are never imported as another publisher's."""
    scale = default_rating_scale()
    own_site = settings.FACTCHECK_PUBLISHER_SITE.lower().removeprefix("www.")
    own_sites = {own_site, *Publisher.objects.filter(is_self=True).values_list("site", flat=True)}
    return ImportContext(
        actor=actor,
        reason=reason,
        scale=scale,
        steps=scale_steps(scale),
        own_sites=frozenset(own_sites),
        imported_at=timezone.now(),
    )


def _parse(job: ImportJob) -> ParsedSource:
    if not job.file:
        _fetch(job)
    with job.file.open("rb") as source:
        # One byte over the cap is enough to know the file is too large.
        data = source.read(settings.IMPORTS_MAX_BYTES + 1)
    if job.format == ImportJob.Format.SITEMAP:  # crawled already: the file is the crawl
        return parse_crawl(json.loads(data), pages_max=crawl.SITEMAP_PAGES_MAX)
    if crawl.is_sitemap(data):
        return _crawl(job, data)
    return parse_source(
        data,
        max_bytes=settings.IMPORTS_MAX_BYTES,
        content_type=job.content_type,
        base_url=job.final_url or job.source_url,
        page_url=job.page_url,
    )


def _crawl(job: ImportJob, sitemap: bytes) -> ParsedSource:
    """Fetch the pages of a sitemap and keep them, read, as the job's file."""
    if job.source_kind != ImportJob.SourceKind.URL:
        raise SourceError(
            SourceErrorCode.UNSUPPORTED_FORMAT,
            "A sitemap is imported from its URL, so that its pages are fetched from their site.",
        )

    def heartbeat() -> None:
        # A crawl takes minutes before the first batch: the job is alive meanwhile.
        ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())

    try:
        pages = crawl.crawl_sitemap(
            sitemap,
            sitemap_url=job.final_url or job.source_url,
            allow_loopback=settings.IMPORTS_ALLOW_LOOPBACK,
            heartbeat=heartbeat,
        )
    except crawl.SitemapUnreadable as error:
        raise SourceError(SourceErrorCode.UNSUPPORTED_FORMAT, str(error)) from None
    data = json.dumps(pages, ensure_ascii=False).encode()
    job.format = ImportJob.Format.SITEMAP
    job.file.save("claimreviews-crawl.json", ContentFile(data), save=False)
    job.save(update_fields=["format", "file"])
    return parse_crawl(pages, pages_max=crawl.SITEMAP_PAGES_MAX)


def _fetch(job: ImportJob) -> None:
    """Fetch the source URL and keep it as the job's file, so that a resumed run reads the
    same bytes."""
    try:
        response = safe_http.request(
            "GET",
            job.source_url,
            timeout=FETCH_TIMEOUT,
            max_bytes=settings.IMPORTS_MAX_BYTES,
            truncate=True,
            max_redirects=safe_http.MAX_REDIRECTS,
            headers={"Accept": FETCH_ACCEPT},
            allow_loopback=settings.IMPORTS_ALLOW_LOOPBACK,
        )
    except safe_http.RequestFailed as error:
        code = permanent_failure_code(error)
        if code is None:
            raise
        raise FetchFailed(f"{job.source_url}: {error}", transient=False, code=code) from None
    if response.status != 200:
        transient = response.status in (408, 429) or response.status >= 500
        raise FetchFailed(f"{job.source_url} answered HTTP {response.status}.", transient=transient)
    if response.truncated:
        raise SourceError(
            SourceErrorCode.TOO_LARGE,
            f"{job.source_url} sent more than {settings.IMPORTS_MAX_BYTES} bytes.",
        )
    extension = ".html" if response.body.lstrip()[:1] == b"<" else ".json"
    job.final_url = normalize_url(response.url) or ""
    job.content_type = response.headers.get("content-type", "")[:200]
    job.file.save(f"claimreviews{extension}", ContentFile(response.body), save=False)
    job.save(update_fields=["final_url", "content_type", "file"])


def _save_batch(
    job: ImportJob, items: list[ClaimReviewRecord | Rejection], context: ImportContext
) -> None:
    records = [item for item in items if isinstance(item, ClaimReviewRecord)]
    with transaction.atomic():
        outcome = claim_reviews_save(records, context=context)
        rejections = [item for item in items if isinstance(item, Rejection)]
        rejections += outcome.rejections
        rejected = {rejection.index for rejection in rejections}
        warnings = [
            ImportWarning(
                job=job,
                index=record.index,
                location=record.location[:300],
                review_url=record.review_url,
                code=note.code,
                message=note.message,
            )
            for record in records
            if record.index not in rejected
            for note in (*record.warnings, *outcome.warnings.get(record.index, ()))
        ]
        # A batch whose commit was lost with its worker is not reported twice.
        ImportWarning.objects.bulk_create(warnings, ignore_conflicts=True)
        job.warnings_by_code = dict(
            sorted((Counter(job.warnings_by_code) + Counter(w.code for w in warnings)).items())
        )
        job.warned_count += len({warning.index for warning in warnings})
        ImportReject.objects.bulk_create(
            [
                ImportReject(
                    job=job,
                    index=rejection.index,
                    location=rejection.location[:300],
                    review_url=rejection.review_url,
                    code=rejection.code,
                    message=rejection.message,
                )
                for rejection in rejections
            ],
            # A batch whose commit was lost with its worker is not reported twice.
            ignore_conflicts=True,
        )
        codes = Counter(job.rejected_by_code) + Counter(str(r.code) for r in rejections)
        job.rejected_by_code = dict(sorted(codes.items()))
        job.created_count += outcome.created
        job.updated_count += outcome.updated
        job.unchanged_count += outcome.unchanged
        job.rejected_count += len(rejections)
        job.records_done += len(items)
        job.heartbeat_at = timezone.now()
        job.save(
            update_fields=[
                "warnings_by_code",
                "warned_count",
                "rejected_by_code",
                "created_count",
                "updated_count",
                "unchanged_count",
                "rejected_count",
                "records_done",
                "heartbeat_at",
            ]
        )
