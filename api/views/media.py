from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api.conditional import make_etag
from api.filters import LookupJobFilter, MediaItemFilter
from api.parsers import LimitedJSONParser
from api.views.base import ResourceViewSet
from claims.models import LookupJob
from claims.selectors.reference import lookup_job_list, media_item_list
from claims.services.media import media_item_create, media_item_update


@extend_schema_view(
    create=extend_schema(
        request={"multipart/form-data": s.MediaItemUploadInput},
        responses={200: s.MediaItemOutput, 201: s.MediaItemOutput},
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
        data = self.validated(s.MediaItemUploadInput)
        item, created = media_item_create(actor=request.user, **data)
        return self.respond(item, 201 if created else 200)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update_with(
            s.MediaItemUpdateInput,
            lambda item, data: media_item_update(media_item=item, actor=request.user, **data),
        )


class LookupJobViewSet(ResourceViewSet):
    """Reverse-image lookups and their matches; newsroom only."""

    output_serializer = s.LookupJobOutput
    filterset_class = LookupJobFilter
    ordering_fields = ["created_at"]
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return lookup_job_list(viewer=self.request.user)

    def etag(self, job: LookupJob) -> str:
        return make_etag(
            "lookup", job.pk, job.status, job.progress, job.finished_at, len(job.matches.all())
        )

    def last_modified(self, job: LookupJob):
        return job.finished_at or job.heartbeat_at or job.started_at or job.created_at
