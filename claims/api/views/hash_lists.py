from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from claims.api import serializers as s
from core.api.conditional import make_etag
from core.api.parsers import LimitedJSONParser
from core.api.views import ResourceViewSet
from core.exceptions import PermissionDenied
from core.roles import EDITOR, is_editor
from media import hash_lists
from media.selectors import archive_signals, hash_list_list
from media.services.hash_lists import hash_list_import

CONTENT_TYPES = {
    "pdq": "text/plain",
    "threatexchange": "text/plain",
    "hma-csv": "text/csv",
    "hma-tsv": "text/tab-separated-values",
    "vpdq": "text/plain",
}
FILE_EXTENSIONS = {"hma-csv": "csv", "hma-tsv": "tsv"}


class HashListViewSet(ResourceViewSet):
    """PDQ and vPDQ hash lists shared without their media (ThreatExchange, HMA and Meta tool
    formats): the archive's own to export, others' imported. Editors only."""

    output_serializer = s.HashListOutput
    parser_classes = [LimitedJSONParser]
    write_roles = {"create": EDITOR}
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return hash_list_list(viewer=self.request.user)

    def etag(self, hash_list) -> str:
        return make_etag("hash-list", hash_list.pk, hash_list.hash_count)

    def last_modified(self, hash_list):
        return hash_list.created_at

    @extend_schema(
        request=s.HashListImportInput,
        responses={201: s.HashListOutput},
        description=(
            "Import a shared list. Every line is checked first: a list with a bad line imports "
            "nothing and answers 400 `invalid_hash_list`, with every bad line's number and "
            "reason in `details.lines`."
        ),
    )
    def create(self, request: Request) -> Response:
        return self.create_with(
            s.HashListImportInput,
            lambda data: hash_list_import(
                name=data["name"],
                text=data["content"],
                list_format=data["list_format"],
                actor=request.user,
            ),
        )

    @extend_schema(
        # The parameters are the serializer's fields, with their bounds: the schema cannot drift.
        parameters=[s.HashExportInput],
        responses={
            (200, content_type): OpenApiResponse(OpenApiTypes.STR)
            for content_type in dict.fromkeys(CONTENT_TYPES.values())
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> StreamingHttpResponse:
        """The archive's reference hashes as a list: a picture's PDQ, a video's vPDQ."""
        if not is_editor(request.user):
            raise PermissionDenied("Only editors may export the archive's hashes.")
        serializer = s.HashExportInput(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        list_format = serializer.validated_data["list_format"]
        signals = archive_signals(media_item_ids=serializer.validated_data.get("media_item"))
        response = StreamingHttpResponse(
            hash_lists.write(signals, list_format),
            content_type=f"{CONTENT_TYPES[list_format]}; charset=utf-8",
        )
        extension = FILE_EXTENSIONS.get(list_format, "txt")
        response["Content-Disposition"] = (
            f'attachment; filename="archive-{list_format}.{extension}"'
        )
        return response
