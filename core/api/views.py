from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from core.api.conditional import check_if_match, make_etag, not_modified, validator_headers
from core.api.filters import RANK, SearchOrderingFilter, StrictFilterBackend
from core.api.pagination import Cursor
from core.api.permissions import RoleWritePermission
from core.roles import NEWSROOM_ROLES, is_editor, is_newsroom, role_of


class ResourceViewSet(viewsets.GenericViewSet):
    """Reads through `get_queryset` (a selector), writes through services, with ETags.

    Subclasses set `output_serializer` and, for writes, call `create_with` / `update_with`.
    """

    output_serializer: type[Serializer]
    permission_classes = [RoleWritePermission]
    pagination_class = Cursor
    filter_backends = [StrictFilterBackend, SearchOrderingFilter]
    ordering_fields = ["created_at", "updated_at"]
    lookup_value_regex = r"[0-9]{1,18}"
    # Timestamps whose change changes a row's representation; when set, list rows are cached.
    stamp_fields: tuple[str, ...] = ()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self) -> type[Serializer]:
        return self.output_serializer

    def output(self, obj: Model) -> dict:
        return self.output_serializer(obj, context=self.get_serializer_context()).data

    def etag(self, obj: Model) -> str:
        # What a viewer sees depends on whether they are in the newsroom.
        return make_etag(type(obj).__name__, obj.pk, obj.updated_at, is_newsroom(self.request.user))

    def last_modified(self, obj: Model):
        return obj.updated_at

    def filter_queryset(self, queryset):
        # Filters and ordering describe lists; a single object is found by its id alone.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def etag_from_stamps(self, pk: int, stamps: Sequence) -> str:
        """The ETag from the timestamps in `stamp_fields`, read without building the object."""
        return make_etag(self.basename, pk, *stamps, is_newsroom(self.request.user))

    def list(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        if not self.stamp_fields:
            page = self.paginate_queryset(queryset)
            context = self.get_serializer_context()
            data = self.output_serializer(page, many=True, context=context).data
            return self.get_paginated_response(data)
        return self.get_paginated_response(self._cached_rows(queryset))

    def _cached_rows(self, queryset) -> Sequence[dict]:
        """A page read cheaply: the page's ids and stamps first, then each row's JSON from the
        cache under its ETag (which moves whenever anything the row shows changes, so a hit is
        never stale); only the rows not cached are built and serialized, and then cached."""
        fields = dict.fromkeys(["id", *self.ordering_fields, *self.stamp_fields])
        if RANK in queryset.query.annotations:
            fields[RANK] = None  # the relevance cursor's position
        light = queryset.prefetch_related(None).values(*fields)
        page = self.paginate_queryset(light)
        keys = [
            f"representation:{self.basename}:"
            + self.etag_from_stamps(row["id"], [row[field] for field in self.stamp_fields])
            for row in page
        ]
        cached = cache.get_many(keys)
        missing = {row["id"]: key for row, key in zip(page, keys, strict=True) if key not in cached}
        if missing:
            objects = list(self.get_queryset().filter(pk__in=missing))
            context = self.get_serializer_context()
            rows = self.output_serializer(objects, many=True, context=context).data
            fresh = {missing[obj.pk]: dict(row) for obj, row in zip(objects, rows, strict=True)}
            cache.set_many(fresh, timeout=settings.API_REPRESENTATION_CACHE_SECONDS)
            cached |= fresh
        # A row deleted between the two reads is left out rather than failing the page.
        return [cached[key] for key in keys if key in cached]

    def retrieve(self, request: Request, pk: str) -> Response:
        obj = self.get_object()
        etag, last_modified = self.etag(obj), self.last_modified(obj)
        headers = validator_headers(etag, last_modified)
        if not_modified(request, etag, last_modified):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(self.output(obj), headers=headers)

    def respond(self, obj: Model, status_code: int = status.HTTP_200_OK) -> Response:
        """The written object as the selector reads it, with its new ETag."""
        fresh = self.get_queryset().get(pk=obj.pk)
        headers = validator_headers(self.etag(fresh), self.last_modified(fresh))
        return Response(self.output(fresh), status=status_code, headers=headers)

    def validated(self, serializer_class: type[Serializer], **kwargs: Any) -> dict:
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def create_with(self, serializer_class: type[Serializer], service: Callable[[dict], Model]):
        data = self.validated(serializer_class)
        with transaction.atomic():
            obj = service(data)
        return self.respond(obj, status.HTTP_201_CREATED)

    def update_with(
        self, serializer_class: type[Serializer], service: Callable[[Model, dict], Model]
    ) -> Response:
        """PATCH: lock the row, refuse a stale If-Match, validate, call the service."""
        model = self.get_queryset().model
        with transaction.atomic():
            model.objects.select_for_update().filter(pk=self.kwargs["pk"]).exists()
            obj = self.get_object()
            check_if_match(self.request, self.etag(obj))
            data = self.validated(serializer_class, partial=True)
            obj = service(obj, data)
        return self.respond(obj)

    def destroy_with(self, service: Callable[[Model], None]) -> Response:
        with transaction.atomic():
            obj = self.get_object()
            service(obj)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeOutput(serializers.Serializer):
    authenticated = serializers.BooleanField()
    id = serializers.IntegerField(allow_null=True)
    username = serializers.CharField(allow_null=True)
    role = serializers.ChoiceField(choices=["anonymous", "consumer", *NEWSROOM_ROLES])
    can_publish = serializers.BooleanField()


class MeView(APIView):
    """Who the API takes you for, and which role you have."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: MeOutput})
    def get(self, request: Request) -> Response:
        user = request.user
        data = {
            "authenticated": user.is_authenticated,
            "id": user.pk if user.is_authenticated else None,
            "username": user.get_username() if user.is_authenticated else None,
            "role": role_of(user),
            "can_publish": is_editor(user),
        }
        return Response(MeOutput(data).data)
