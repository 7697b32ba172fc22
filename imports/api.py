"""The imports API: editors import other publishers' ClaimReviews and follow the jobs.

`POST /api/v1/imports/` takes a multipart `file` (JSON, JSON-LD, a DataFeed, Fact Check Tools'
`claims:search` output or an HTML page, with an optional `page_url`: the address of the saved
page) or a `url` (a page, a feed or a sitemap of fact-check pages; JSON or form) and answers 202
with the queued job;
`GET /api/v1/imports/` and `/api/v1/imports/{id}/` show progress and counts;
`/api/v1/imports/{id}/rejects/` lists the records not imported, and why;
`/api/v1/imports/{id}/warnings/` the records imported with something guessed or left out;
`POST /api/v1/imports/{id}/resume/` queues a failed or stopped job to go on.
Editors write; fact-checkers read; nobody else sees imports (404).
"""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.conditional import make_etag
from core.api.exceptions import PayloadTooLarge
from core.api.pagination import Cursor
from core.api.parsers import LimitedJSONParser
from core.api.serializers import HttpUrlField, StrictSerializer
from core.api.views import ResourceViewSet
from core.roles import EDITOR
from imports.models import ImportJob, ImportReject, ImportWarning
from imports.selectors import import_job_list, import_reject_list, import_warning_list
from imports.services import import_job_create, import_job_resume

# Multipart framing around the file: boundaries, part headers, a `url` field.
MULTIPART_OVERHEAD_BYTES = 64 * 1024

# Output


class ImportJobOutput(serializers.ModelSerializer):
    requested_by = serializers.CharField(
        source="requested_by.username", allow_null=True, read_only=True
    )
    progress = serializers.IntegerField(read_only=True, help_text="Percent of records done.")
    rejected_by_code = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    rejects = serializers.SerializerMethodField()
    warnings_by_code = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Imported records per warning code: what was guessed or left out.",
    )
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "source_kind",
            "source_url",
            "file_name",
            "page_url",
            "final_url",
            "format",
            "status",
            "progress",
            "records_total",
            "records_done",
            "created_count",
            "updated_count",
            "unchanged_count",
            "rejected_count",
            "rejected_by_code",
            "rejects",
            "warned_count",
            "warnings_by_code",
            "warnings",
            "error_code",
            "error",
            "attempts",
            "requested_by",
            "created_at",
            "started_at",
            "heartbeat_at",
            "finished_at",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_rejects(self, job: ImportJob) -> str:
        return self._link("api:import-rejects", job)

    @extend_schema_field(OpenApiTypes.URI)
    def get_warnings(self, job: ImportJob) -> str:
        return self._link("api:import-warnings", job)

    def _link(self, name: str, job: ImportJob) -> str:
        path = reverse(name, kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ImportRejectOutput(serializers.ModelSerializer):
    class Meta:
        model = ImportReject
        fields = ["index", "location", "review_url", "code", "message"]


class ImportWarningOutput(serializers.ModelSerializer):
    class Meta:
        model = ImportWarning
        fields = ImportRejectOutput.Meta.fields


# Input


class ImportFileInput(StrictSerializer):
    # Emptiness is reported by the service, with its own code.
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    page_url = HttpUrlField(
        required=False,
        help_text="The address of the page the file was saved from, for its relative URLs.",
    )


class ImportUrlInput(StrictSerializer):
    url = HttpUrlField()


class ImportCreateInput(StrictSerializer):
    file = serializers.FileField(required=False, allow_empty_file=True, use_url=False)
    url = HttpUrlField(required=False)
    page_url = HttpUrlField(required=False)

    def validate(self, data: dict) -> dict:
        if ("file" in data) == ("url" in data):
            raise serializers.ValidationError(
                "Send either a file or a url.", code="file_or_url_required"
            )
        return data


class RejectCursor(Cursor):
    ordering = ("index",)


class WarningCursor(Cursor):
    ordering = ("index", "code")


@extend_schema_view(
    retrieve=extend_schema(
        responses={200: ImportJobOutput, 304: OpenApiResponse(description="Not modified.")}
    ),
    create=extend_schema(
        request={
            "multipart/form-data": ImportFileInput,
            "application/json": ImportUrlInput,
        },
        responses={202: ImportJobOutput},
    ),
    resume=extend_schema(request=None, responses={202: ImportJobOutput}),
    rejects=extend_schema(
        parameters=[
            OpenApiParameter("code", str, description="Only records rejected for this reason.")
        ],
        responses={200: ImportRejectOutput(many=True)},
    ),
    warnings=extend_schema(
        parameters=[OpenApiParameter("code", str, description="Only warnings of this code.")],
        responses={200: ImportWarningOutput(many=True)},
    ),
)
class ImportJobViewSet(ResourceViewSet):
    """Imports of other publishers' fact-checks (schema.org ClaimReview): from a page URL (its
    JSON-LD and microdata), a feed URL or an uploaded JSON, JSON-LD or DataFeed file. Each review
    becomes a claim with a published verdict of its publisher; importing the same review again
    updates it (keyed by its URL). The job runs in the background; follow `status`, `progress`
    and the counts, and read `rejects` for the records not imported and why."""

    output_serializer = ImportJobOutput
    parser_classes = [MultiPartParser, FormParser, LimitedJSONParser]
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["created_at"]
    filterset_fields = ["status"]
    write_roles = {"create": EDITOR, "resume": EDITOR}

    def get_queryset(self):
        return import_job_list(viewer=self.request.user)

    def etag(self, job: ImportJob) -> str:
        return make_etag("import", job.pk, job.status, job.records_done, job.heartbeat_at)

    def last_modified(self, job: ImportJob):
        return job.finished_at or job.heartbeat_at or job.started_at or job.created_at

    def create(self, request: Request) -> Response:
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > settings.IMPORTS_MAX_BYTES + MULTIPART_OVERHEAD_BYTES:
            # Refused before the upload is read into a temporary file.
            raise PayloadTooLarge(f"Sources are limited to {settings.IMPORTS_MAX_BYTES} bytes.")
        data = self.validated(ImportCreateInput)
        upload = data.get("file")
        job = import_job_create(
            requested_by=request.user,
            file=upload,
            file_name=upload.name if upload else "",
            url=data.get("url", ""),
            page_url=data.get("page_url", ""),
        )
        response = self.respond(job, status.HTTP_202_ACCEPTED)
        response["Location"] = request.build_absolute_uri(
            reverse("api:import-detail", kwargs={"pk": job.pk})
        )
        return response

    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        """Queue a failed or stopped import to go on from its last committed batch."""
        job = import_job_resume(job=self.get_object())
        return self.respond(job, status.HTTP_202_ACCEPTED)

    # Its own order (source order) and cursor: `?ordering=` names the jobs' fields.
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=RejectCursor)
    def rejects(self, request: Request, pk: str) -> Response:
        """The records not imported, in source order: index, location, review URL, reason."""
        job = self.get_object()
        rejects = import_reject_list(job=job, code=request.query_params.get("code", ""))
        page = self.paginate_queryset(rejects)
        return self.get_paginated_response(ImportRejectOutput(page, many=True).data)

    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=WarningCursor)
    def warnings(self, request: Request, pk: str) -> Response:
        """The records imported with something guessed or left out, in source order: index,
        location, review URL, warning code and what was done."""
        job = self.get_object()
        warnings = import_warning_list(job=job, code=request.query_params.get("code", ""))
        page = self.paginate_queryset(warnings)
        return self.get_paginated_response(ImportWarningOutput(page, many=True).data)
