from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api.conditional import make_etag, not_modified, validator_headers
from api.filters import VerdictFilter
from api.views.base import ResourceViewSet
from claims.models import Verdict
from claims.roles import EDITOR, is_newsroom
from claims.selectors.verdicts import verdict_list
from claims.services.verdicts import (
    verdict_create_draft,
    verdict_delete_draft,
    verdict_update_draft,
)


@extend_schema_view(
    retrieve=extend_schema(
        responses={200: s.VerdictOutput, 304: OpenApiResponse(description="Not modified.")}
    ),
    create=extend_schema(request=s.VerdictCreateInput, responses={201: s.VerdictOutput}),
    partial_update=extend_schema(request=s.VerdictUpdateInput, responses={200: s.VerdictOutput}),
)
class VerdictViewSet(ResourceViewSet):
    """Verdicts: drafts and reviews for the newsroom, published rulings for everyone.

    Fact-checkers draft and edit verdicts until they are published; only editors delete drafts.
    Ordering by `published_at` lists published (and retracted) verdicts only.
    """

    output_serializer = s.VerdictOutput
    filterset_class = VerdictFilter
    ordering_fields = ["created_at", "updated_at", "published_at"]
    write_roles = {"destroy": EDITOR}

    def get_queryset(self):
        return verdict_list(viewer=self.request.user)

    def filter_queryset(self, queryset):
        ordering = self.request.query_params.get("ordering", "")
        if "published_at" in ordering:
            # Cursor pages compare published_at; drafts have none.
            queryset = queryset.filter(published_at__isnull=False)
        return super().filter_queryset(queryset)

    def _etag_of(self, pk: int, updated_at, claim_updated_at) -> str:
        return make_etag(
            "verdict", pk, updated_at, claim_updated_at, is_newsroom(self.request.user)
        )

    def etag(self, verdict: Verdict) -> str:
        return self._etag_of(verdict.pk, verdict.updated_at, verdict.claim.updated_at)

    def retrieve(self, request: Request, pk: str) -> Response:
        # A conditional request is answered from two timestamps, before any row is serialized.
        stamps = (
            self.get_queryset()
            .prefetch_related(None)
            .filter(pk=pk)
            .values_list("updated_at", "claim__updated_at")
            .first()
        )
        if stamps is not None:
            etag = self._etag_of(int(pk), *stamps)
            if not_modified(request, etag):
                return Response(
                    status=status.HTTP_304_NOT_MODIFIED, headers=validator_headers(etag, stamps[0])
                )
        return super().retrieve(request, pk)

    def create(self, request: Request) -> Response:
        return self.create_with(
            s.VerdictCreateInput,
            lambda data: verdict_create_draft(actor=request.user, **data),
        )

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update_with(
            s.VerdictUpdateInput,
            lambda verdict, data: verdict_update_draft(verdict=verdict, actor=request.user, **data),
        )

    def destroy(self, request: Request, pk: str) -> Response:
        return self.destroy_with(
            lambda verdict: verdict_delete_draft(verdict=verdict, actor=request.user)
        )
