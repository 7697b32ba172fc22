"""Imports of other publishers' fact-checks (ClaimReview) and the report of each.

Writes go through `imports.services`; the work runs in `imports.tasks.run_import_job`.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.jobs import backoff
from core.models import Job
from core.validators import HTTP_URL_PATTERN, HttpUrlField


class ImportJob(Job):
    """One import of a source: a page URL, a feed URL or an uploaded file.

    A fetched source is stored in `file` as it was read, so that a resumed job reads the same
    records and `records_done` still counts them. Counts and `records_done` move together, one
    committed batch at a time: a job that stopped half way resumes from there.
    """

    class SourceKind(models.TextChoices):
        URL = "url", _("URL")
        FILE = "file", _("Uploaded file")

    class Format(models.TextChoices):
        HTML_PAGE = "html_page", _("HTML page")
        JSON_LD = "json_ld", _("JSON or JSON-LD document")
        DATA_FEED = "data_feed", _("DataFeed")
        FACT_CHECK_TOOLS = "fact_check_tools", _("Fact Check Tools claims:search output")
        SITEMAP = "sitemap", _("Sitemap of fact-check pages")

    source_kind = models.CharField(max_length=10, choices=SourceKind.choices)
    source_url = HttpUrlField(blank=True, help_text=_("The page or feed to fetch."))
    file = models.FileField(
        upload_to="imports/%Y/%m/",
        blank=True,
        help_text=_("The uploaded file, or the fetched source as it was read."),
    )
    file_name = models.CharField(max_length=255, blank=True, help_text=_("As uploaded."))
    page_url = HttpUrlField(
        blank=True,
        help_text=_(
            "For a file: the address of the page it was saved from. Relative review URLs "
            "resolve against it, and a review without url is that page."
        ),
    )
    final_url = HttpUrlField(blank=True, help_text=_("Where the fetch ended, after redirects."))
    content_type = models.CharField(
        max_length=200, blank=True, help_text=_("As the server sent it (tells a page's charset).")
    )
    format = models.CharField(max_length=20, choices=Format.choices, blank=True)
    records_total = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Known once the source is read.")
    )
    records_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    rejected_by_code = models.JSONField(
        default=dict, blank=True, help_text=_("Rejected records per reason code.")
    )
    warned_count = models.PositiveIntegerField(
        default=0, help_text=_("Records imported with something guessed or left out.")
    )
    warnings_by_code = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Imported records per warning code (a record may have several)."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    task_name = "imports.tasks.run_import_job"

    class Meta(Job.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            *Job.Meta.constraints,
            models.CheckConstraint(
                condition=Q(source_kind="url", source_url__regex=HTTP_URL_PATTERN)
                | Q(source_kind="file", source_url=""),
                name="import_job_source",
            ),
            models.CheckConstraint(
                condition=Q(source_kind="file") | Q(page_url=""),
                name="import_job_page_url_of_file",
            ),
            models.CheckConstraint(
                condition=Q(records_total__isnull=True) | Q(records_done__lte=F("records_total")),
                name="import_job_done_within_total",
            ),
            models.CheckConstraint(
                condition=Q(
                    records_done=F("created_count")
                    + F("updated_count")
                    + F("unchanged_count")
                    + F("rejected_count")
                ),
                name="import_job_counts_add_up",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error_code=""),
                name="import_job_failure_has_code",
            ),
        ]
        indexes = [models.Index(F("created_at").desc(), F("id").desc(), name="import_job_created")]

    def __str__(self) -> str:
        source = self.source_url or self.file_name or f"file #{self.pk}"
        return f"Import #{self.pk} of {source} ({self.status})"

    @classmethod
    def retry_delay(cls, attempt: int) -> timedelta:
        return backoff(settings.IMPORTS_RETRY_BASE_SECONDS, attempt)

    @classmethod
    def stale_after(cls) -> timedelta:
        # One batch takes seconds; a crawl heartbeats between pages.
        return timedelta(seconds=settings.IMPORTS_STALE_SECONDS)

    @property
    def progress(self) -> int:
        """Percent of the records done; 0 until the source is read."""
        if not self.records_total:
            return 100 if self.status == self.Status.SUCCEEDED else 0
        return self.records_done * 100 // self.records_total


class ImportReject(models.Model):
    """A record of the source that was not imported, and why. `index` is the record's position
    among the source's records (from 0), `location` where it is in the source; `code` is one of
    `imports.parsing.RejectCode`."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejects")
    index = models.PositiveIntegerField()
    location = models.CharField(max_length=300)
    # As the source gave it (maybe not a valid URL, which may be why it was rejected).
    review_url = models.TextField(blank=True)
    code = models.CharField(max_length=50)
    message = models.TextField()

    class Meta:
        ordering = ["job", "index"]
        constraints = [
            # A record is reported once, also when a batch is run again.
            models.UniqueConstraint(fields=["job", "index"], name="import_reject_one_per_record"),
        ]
        indexes = [models.Index(fields=["job", "code", "index"], name="import_reject_code")]

    def __str__(self) -> str:
        return f"Record {self.index}: {self.code}"


class ImportWarning(models.Model):
    """Something guessed, substituted or left out of a record that was imported: the editor's
    list of what to look at. `code` is one of `imports.parsing.WarnCode`; a record has each code
    at most once. `missing_date` marks a verdict whose `published_at` is the import's time, not
    the review's date."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="warnings")
    index = models.PositiveIntegerField()
    location = models.CharField(max_length=300)
    review_url = models.TextField()
    code = models.CharField(max_length=50)
    message = models.TextField()

    class Meta:
        ordering = ["job", "index", "code"]
        constraints = [
            # A record is reported once per code, also when a batch is run again.
            models.UniqueConstraint(
                fields=["job", "index", "code"], name="import_warning_one_per_record_code"
            ),
        ]
        indexes = [models.Index(fields=["job", "code", "index"], name="import_warning_code")]

    def __str__(self) -> str:
        return f"Record {self.index}: {self.code}"
