from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from drf_spectacular.utils import OpenApiRequest, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from claims.api import serializers as s
from claims.api.filters import LookupJobFilter, MediaItemFilter
from claims.selectors.reference import lookup_job_list, media_item_list
from claims.services.evidence import evidence_from_match
from core.api.conditional import make_etag
from core.api.parsers import LimitedJSONParser
from core.api.views import ResourceViewSet
from media.models import LookupJob
from media.services.lookups import lookup_request
from media.services.media import (
    IMAGE_FORMATS,
    VIDEO_CONTAINERS,
    media_item_create,
    media_item_request_url,
    media_item_update,
)

# What an upload may be (the bytes are sniffed), as the schema's multipart encoding says.
UPLOAD_TYPES = ", ".join(sorted({*IMAGE_FORMATS.values(), *VIDEO_CONTAINERS.values()}))


@extend_schema_view(
    create=extend_schema(
        description=(
            "Upload a file (multipart: 201, or 200 with the existing item when the bytes are "
            "already stored), or give a URL to fetch (JSON: 202 with the pending item, which a "
            "worker fetches; it ends ready, merged into the item already holding the same "
            "bytes, or failed with a reason)."
        ),
        request={
            "multipart/form-data": OpenApiRequest(
                s.MediaItemUploadInput, encoding={"file": {"contentType": UPLOAD_TYPES}}
            ),
            "application/json": s.MediaItemFetchInput,
        },
        responses={200: s.MediaItemOutput, 201: s.MediaItemOutput, 202: s.MediaItemOutput},
    ),
    partial_update=extend_schema(
        request=s.MediaItemUpdateInput, responses={200: s.MediaItemOutput}
    ),
)
class MediaItemViewSet(ResourceViewSet):
    """Images and videos. Uploading bytes already stored returns the existing item (200)."""

    output_serializer = s.MediaItemOutput
    filterset_class = MediaItemFilter
    parser_classes = [MultiPartParser, FormParser, LimitedJSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return media_item_list(viewer=self.request.user)

    def create(self, request: Request) -> Response:
        # A form carries a file; a JSON body, a URL (JSON cannot carry the bytes).
        if not isinstance(request.data, QueryDict):
            data = self.validated(s.MediaItemFetchInput)
            item = media_item_request_url(actor=request.user, **data)
            response = self.respond(item, status.HTTP_202_ACCEPTED)
            response["Location"] = reverse("api:media-detail", kwargs={"pk": item.pk})
            return response
        data = self.validated(s.MediaItemUploadInput)
        item, created = media_item_create(actor=request.user, **data)
        return self.respond(item, 201 if created else 200)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update_with(
            s.MediaItemUpdateInput,
            lambda item, data: media_item_update(media_item=item, actor=request.user, **data),
        )

    @extend_schema(request=s.LookupRequestInput, responses={202: s.LookupJobOutput})
    @action(detail=True, methods=["post"], parser_classes=[LimitedJSONParser])
    def lookups(self, request: Request, pk: str) -> Response:
        """Look the item up in the archive (or an external engine): 202 with the queued job,
        which a worker runs; poll it at /lookups/{id}/."""
        data = self.validated(s.LookupRequestInput)
        job = lookup_request(media_item=self.get_object(), actor=request.user, **data)
        job = lookup_job_list(viewer=request.user).get(pk=job.pk)
        return Response(
            s.LookupJobOutput(job, context=self.get_serializer_context()).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/v1/lookups/{job.pk}/"},
        )


class LookupJobViewSet(ResourceViewSet):
    """Reverse-image lookups and their matches; newsroom only."""

    output_serializer = s.LookupJobOutput
    filterset_class = LookupJobFilter
    ordering_fields = ["created_at"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return lookup_job_list(viewer=self.request.user)

    def etag(self, job: LookupJob) -> str:
        return make_etag(
            "lookup", job.pk, job.status, job.progress, job.finished_at, len(job.matches.all())
        )

    def last_modified(self, job: LookupJob):
        return job.finished_at or job.heartbeat_at or job.started_at or job.created_at

    @extend_schema(request=s.EvidenceFromMatchInput, responses={201: s.EvidenceOutput})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"matches/(?P<match_id>[0-9]+)/evidence",
        parser_classes=[LimitedJSONParser],
    )
    def evidence(self, request: Request, pk: str, match_id: str) -> Response:
        """Record one of the job's matches as reverse-image evidence on the claim carrying the
        looked-up media (name the claim when several carry it)."""
        data = self.validated(s.EvidenceFromMatchInput)
        job = self.get_object()
        match = next((m for m in job.matches.all() if m.pk == int(match_id)), None)
        if match is None:
            raise NotFound("This lookup has no such match.")
        with transaction.atomic():
            evidence = evidence_from_match(match=match, actor=request.user, **data)
        return Response(
            s.EvidenceOutput(evidence, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
