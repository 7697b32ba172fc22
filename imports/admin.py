"""Staff's view of imports: read-only jobs with their report, and the rejected records.

Imports are started through the API or the `import_claimreviews` command; the admin only shows
them and can resume one that failed or stopped."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from core.exceptions import ApplicationError
from core.roles import is_editor
from imports.models import ImportJob, ImportReject, ImportWarning
from imports.services import import_job_resume

# Rejected records shown on a job's page; the full list is a link away.
REPORT_ROWS = 100


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "source",
        "format",
        "status",
        "progress_display",
        "created_count",
        "updated_count",
        "unchanged_count",
        "rejected_count",
        "warned_count",
        "requested_by",
        "created_at",
    ]
    list_filter = ["status", "format", "source_kind"]
    list_select_related = ["requested_by"]
    search_fields = ["source_url", "file_name", "final_url"]
    date_hierarchy = "created_at"
    fields = [
        "source_kind",
        "source_url",
        "final_url",
        "file_name",
        "page_url",
        "file",
        "format",
        "status",
        "progress_display",
        "records_total",
        "records_done",
        "created_count",
        "updated_count",
        "unchanged_count",
        "rejected_count",
        "rejected_by_code",
        "warned_count",
        "warnings_by_code",
        "error_code",
        "error",
        "attempts",
        "requested_by",
        "created_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "report",
        "warnings_report",
    ]
    readonly_fields = fields
    actions = ["resume"]

    @admin.display(description="Source")
    def source(self, job: ImportJob) -> str:
        return job.source_url or job.file_name or f"file #{job.pk}"

    @admin.display(description="Progress")
    def progress_display(self, job: ImportJob) -> str:
        total = "?" if job.records_total is None else f"{job.records_total:,}"
        return f"{job.records_done:,} / {total} ({job.progress}%)"

    @admin.display(description="Rejected records")
    def report(self, job: ImportJob) -> str:
        rejects = list(job.rejects.order_by("index")[:REPORT_ROWS])
        return _report_table(
            rejects, job.rejected_count, "importreject", job, "rejected records", "Reason"
        )

    @admin.display(description="Warnings")
    def warnings_report(self, job: ImportJob) -> str:
        """What was guessed or left out of imported records: what an editor should check."""
        warnings = list(job.warnings.order_by("index", "code")[:REPORT_ROWS])
        total = sum(job.warnings_by_code.values())
        return _report_table(warnings, total, "importwarning", job, "warnings", "Warning")

    def has_resume_permission(self, request: HttpRequest) -> bool:
        return is_editor(request.user)

    @admin.action(description="Resume the selected imports", permissions=["resume"])
    def resume(self, request: HttpRequest, queryset: QuerySet[ImportJob]) -> None:
        queued, refused = 0, []
        for job in queryset:
            try:
                import_job_resume(job=job)
            except ApplicationError as error:
                refused.append(f"#{job.pk}: {error.message}")
            else:
                queued += 1
        if queued:
            self.message_user(request, f"Queued {queued} import(s) to go on.")
        if refused:
            self.message_user(request, f"Not resumed: {'; '.join(refused)}", messages.WARNING)


def _report_table(
    rows: list[ImportReject] | list[ImportWarning],
    total: int,
    model: str,
    job: ImportJob,
    what: str,
    heading: str,
) -> str:
    if not rows:
        return "None."
    body = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        ((r.index, r.code, r.message, r.review_url, r.location) for r in rows),
    )
    more = ""
    if total > len(rows):
        url = reverse(f"admin:imports_{model}_changelist") + f"?job__id__exact={job.pk}"
        more = format_html('<p><a href="{}">All {} {}</a></p>', url, total, what)
    return format_html(
        "<table><thead><tr><th>Record</th><th>{}</th><th>Message</th>"
        "<th>Review URL</th><th>Location</th></tr></thead><tbody>{}</tbody></table>{}",
        heading,
        body,
        more,
    )


@admin.register(ImportReject)
class ImportRejectAdmin(ReadOnlyAdmin):
    list_display = ["job", "index", "code", "message", "review_url", "location"]
    list_filter = ["code"]
    list_select_related = ["job"]
    search_fields = ["review_url", "message"]
    fields = list_display
    readonly_fields = fields


@admin.register(ImportWarning)
class ImportWarningAdmin(ImportRejectAdmin):
    pass
