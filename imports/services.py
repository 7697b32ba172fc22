"""Import jobs: queue an import of ClaimReviews from a URL or a file, run it in batches, resume
one that stopped.

A job runs in `imports.tasks.run_import_job` (or inline, from the management command). It is
safe to run twice and to run after a crash: one runner at a time holds the job's advisory lock,
each batch commits its records together with the job's counts and `records_done`, and a new run
starts after the last committed batch. Records are keyed by review URL, so even a source that
changed in between is not imported twice.
"""

import gc
import ipaddress
import json
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from functools import partial
from itertools import islice
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from claims.models import Publisher, RatingScale
from claims.selectors.reference import rating_scale_steps
from core import jobs, safe_http
from core.exceptions import ApplicationError, InvalidTransition
from imports import crawl
from imports.models import ImportJob, ImportReject, ImportWarning
from imports.parsing import (
    ClaimReviewRecord,
    FoundReviews,
    Item,
    Rejection,
    SourceError,
    SourceErrorCode,
    find_crawled_reviews,
    find_reviews,
    normalize_url,
)
from imports.records import ImportContext, claim_reviews_save

FETCH_TIMEOUT = safe_http.Timeout(connect=10, read=300)
FETCH_ACCEPT = "application/ld+json, application/json;q=0.9, text/html;q=0.8, */*;q=0.1"
# Enough of a file to see what it is, past any leading whitespace.
SNIFF_BYTES = 64 * 1024


# Failures of the database or the connection to it, worth trying again later.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError)


class NoRatingScale(ApplicationError):
    code = "no_rating_scale"
    status_code = 409


class SourceTooLarge(ApplicationError):
    code = "payload_too_large"
    status_code = 413


class UnsupportedSource(ApplicationError):
    code = "unsupported_format"
    status_code = 415


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
    answer, a timeout, a refused connection while a server restarts)."""
    if isinstance(error, safe_http.TooManyRedirects):
        return "too_many_redirects"
    if isinstance(error, safe_http.CertificateInvalid):
        return "tls_error"
    if isinstance(error, safe_http.RequestRefused):
        return "fetch_refused"
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
        jobs.job_enqueue(job)
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


@transaction.atomic
def import_job_resume(*, job: ImportJob, enqueue: bool = True) -> ImportJob:
    """Queue a job that failed or stopped to go on from its last committed batch, with its
    attempts counted afresh. A finished job raises InvalidTransition; one that a live worker
    is running right now, ImportRunning."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status == ImportJob.Status.SUCCEEDED:
        raise InvalidTransition("This import has finished.")
    alive_since = timezone.now() - ImportJob.stale_after()
    if locked.status == ImportJob.Status.RUNNING and locked.heartbeat_at > alive_since:
        raise ImportRunning("This import is running.")
    locked.status = ImportJob.Status.QUEUED
    locked.error = locked.error_code = ""
    locked.finished_at = locked.next_attempt_at = None
    locked.attempts = locked.sends = 0
    locked.save(
        update_fields=[
            "status",
            "error",
            "error_code",
            "finished_at",
            "next_attempt_at",
            "attempts",
            "sends",
        ]
    )
    if enqueue:
        jobs.job_enqueue(locked)
    return locked


def import_jobs_resume_stale() -> list[int]:
    """Send again the imports that lost their worker or message (core.jobs): a resumed job
    goes on from its last committed batch. Returns their ids."""
    return jobs.jobs_resume_stale(ImportJob)


def import_job_run(
    *, job_id: int, on_progress: Callable[[ImportJob], None] | None = None
) -> ImportJob:
    """Run an import job here and now (the command's foreground import), as a worker would:
    a job another live worker holds, or a finished one, is left as it is."""
    jobs.run_job(
        ImportJob,
        job_id,
        partial(import_job_perform, on_progress=on_progress),
        task=None,
        transient=TRANSIENT_ERRORS,
    )
    return ImportJob.objects.get(pk=job_id)


def import_job_perform(
    job: ImportJob, *, on_progress: Callable[[ImportJob], None] | None = None
) -> None:
    """The work of an import job (core.jobs runs it): read the source, then save its records.

    The source is read (a URL fetched through the public-internet guard, or a sitemap's pages
    crawled, and the bytes kept in the job's file so that a resumed run reads the same), every
    record validated, then saved in batches of IMPORTS_BATCH_SIZE, each in one transaction with
    the job's progress, counts, warnings and rejected records: a job stopped half way goes on
    from there. A source that cannot be read fails the job with the reason, at once when no
    retry can cure it (a redirect loop, a refused address, a certificate that does not
    verify); a failure that may pass (no answer, HTTP 5xx or 429) is transient. A bad record
    is only rejected.
    """
    try:
        context = import_context(actor=job.requested_by, reason=f"imported by import #{job.pk}")
        reviews = _read(job)
    except (NoRatingScale, SourceError, safe_http.UnsafeUrl) as error:
        raise jobs.PermanentJobError(error.message, code=str(error.code)) from error
    except FetchFailed as error:
        if error.transient:
            raise jobs.TransientJobError(str(error)) from error
        raise jobs.PermanentJobError(str(error), code=error.code) from error
    except safe_http.RequestFailed as error:
        code = permanent_failure_code(error)
        if code is None:
            raise jobs.TransientJobError(f"{job.source_url}: {error}") from error
        raise jobs.PermanentJobError(f"{job.source_url}: {error}", code=code) from error
    job.format = reviews.format
    job.records_total = len(reviews.found)
    job.save(update_fields=["format", "records_total"])
    batches = _validated_batches(reviews, size=settings.IMPORTS_BATCH_SIZE, start=job.records_done)
    # Closed at once if a batch fails: the validation thread stops before the job does.
    with _kept_from_collections(), closing(batches):
        for batch in batches:
            _save_batch(job, batch, context)
            if on_progress is not None:
                on_progress(job)
    with transaction.atomic():
        jobs.job_succeed(ImportJob.objects.select_for_update().get(pk=job.pk))


def _validated_batches(reviews: FoundReviews, *, size: int, start: int) -> Iterator[list[Item]]:
    """The items from `start` on, in batches of `size`, each validated in a second thread while
    the caller saves the one before: validating is Python work and saving mostly waits
    for PostgreSQL, so the two overlap (validation touches no database). The items before
    `start`, which an earlier run saved, are validated too: a later copy of one of their review
    URLs is still a duplicate."""
    items = reviews.items()

    def take(count: int) -> list[Item]:
        return list(islice(items, count))

    # One worker: the items are read in order, one batch at a time.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-validation") as validation:
        validation.submit(take, start)
        upcoming = validation.submit(take, size)
        while batch := upcoming.result():
            upcoming = validation.submit(take, size)
            yield batch


@contextmanager
def _kept_from_collections() -> Iterator[None]:
    """The source's nodes live until the last batch is saved: a large feed is millions of
    objects, which every full garbage collection while saving would walk again (a tenth of a
    100,000-review import's time). They are left out of collections until then."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


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
        steps=rating_scale_steps(scale),
        own_sites=frozenset(own_sites),
    )


def _read(job: ImportJob) -> FoundReviews:
    if not job.file:
        _fetch(job)
    with job.file.open("rb") as source:
        # One byte over the cap is enough to know the file is too large.
        data = source.read(settings.IMPORTS_MAX_BYTES + 1)
    if job.format == ImportJob.Format.SITEMAP:  # crawled already: the file is the crawl
        return find_crawled_reviews(json.loads(data), pages_max=crawl.SITEMAP_PAGES_MAX)
    if crawl.is_sitemap(data):
        return _crawl(job, data)
    return find_reviews(
        data,
        max_bytes=settings.IMPORTS_MAX_BYTES,
        content_type=job.content_type,
        base_url=job.final_url or job.source_url,
        page_url=job.page_url,
    )


def _crawl(job: ImportJob, sitemap: bytes) -> FoundReviews:
    """Fetch the pages of a sitemap and keep them, read, as the job's file."""
    if job.source_kind != ImportJob.SourceKind.URL:
        raise SourceError(
            SourceErrorCode.UNSUPPORTED_FORMAT,
            "A sitemap is imported from its URL, so that its pages are fetched from their site.",
        )

    def heartbeat() -> None:
        # A crawl takes minutes before the first batch: the job is alive meanwhile.
        jobs.job_heartbeat(job)

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
    return find_crawled_reviews(pages, pages_max=crawl.SITEMAP_PAGES_MAX)


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
        with connection.cursor() as cursor:
            # The batch commits with the job's progress: a commit that a crash loses is a batch
            # done again on resume, never half of one, so the commit need not wait for the disk.
            cursor.execute("SET LOCAL synchronous_commit = off")
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
