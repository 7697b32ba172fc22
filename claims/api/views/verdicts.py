from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from claims.api import serializers as s
from claims.api.filters import VerdictFilter, verdicts_by_relevance
from claims.models import Verdict
from claims.selectors.verdicts import verdict_list
from claims.services.verdicts import (
    verdict_create_draft,
    verdict_delete_draft,
    verdict_update_draft,
)
from claims.services.workflow import (
    verdict_correct,
    verdict_publish,
    verdict_retract,
    verdict_return,
    verdict_submit,
)
from core.api.conditional import not_modified, validator_headers
from core.api.views import ResourceViewSet
from core.roles import EDITOR

# What a verdict's representation shows, by the timestamps that move when it changes.
STAMP_FIELDS = (
    "updated_at",
    "claim__updated_at",
    "publisher__updated_at",
    "rating__updated_at",
    "rating_scale__updated_at",
)


@extend_schema_view(
    retrieve=extend_schema(
        responses={200: s.VerdictOutput, 304: OpenApiResponse(description="Not modified.")}
    ),
    create=extend_schema(request=s.VerdictCreateInput, responses={201: s.VerdictOutput}),
    submit=extend_schema(request=None, responses={200: s.VerdictOutput}),
    return_to_draft=extend_schema(request=s.VerdictReturnInput, responses={200: s.VerdictOutput}),
    publish=extend_schema(request=None, responses={200: s.VerdictOutput}),
    correct=extend_schema(request=s.VerdictCorrectInput, responses={200: s.VerdictOutput}),
    retract=extend_schema(request=s.VerdictRetractInput, responses={200: s.VerdictOutput}),
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
    stamp_fields = STAMP_FIELDS
    write_roles = {
        "destroy": EDITOR,
        "return_to_draft": EDITOR,
        "publish": EDITOR,
        "correct": EDITOR,
        "retract": EDITOR,
    }

    def get_queryset(self):
        return verdict_list(viewer=self.request.user)

    def filter_queryset(self, queryset):
        ordering = self.request.query_params.get("ordering", "")
        if self.action == "list" and "published_at" in ordering:
            # Cursor pages compare published_at; drafts have none.
            queryset = queryset.filter(published_at__isnull=False)
        return super().filter_queryset(queryset)

    def rank_by_relevance(self, queryset, text: str):
        return verdicts_by_relevance(queryset, text)

    @staticmethod
    def _stamps(verdict: Verdict) -> tuple:
        rating_stamp = verdict.rating.updated_at if verdict.rating_id else None
        return (
            verdict.updated_at,
            verdict.claim.updated_at,
            verdict.publisher.updated_at,
            rating_stamp,
            verdict.rating_scale.updated_at,
        )

    def etag(self, verdict: Verdict) -> str:
        return self.etag_from_stamps(verdict.pk, self._stamps(verdict))

    def last_modified(self, verdict: Verdict):
        return max(stamp for stamp in self._stamps(verdict) if stamp is not None)

    def retrieve(self, request: Request, pk: str) -> Response:
        # A conditional request is answered from the timestamps of what the verdict shows
        # (one query), before any row is built or serialized.
        stamps = (
            self.get_queryset()
            .prefetch_related(None)
            .filter(pk=pk)
            .values_list(*STAMP_FIELDS)
            .first()
        )
        if stamps is not None:
            etag = self.etag_from_stamps(int(pk), stamps)
            last_modified = max(stamp for stamp in stamps if stamp is not None)
            if not_modified(request, etag, last_modified):
                return Response(
                    status=status.HTTP_304_NOT_MODIFIED,
                    headers=validator_headers(etag, last_modified),
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

    def _transition(self, service, serializer_class=None) -> Response:
        """Workflow actions: lock, check the state (409 when it does not allow the action)."""
        data = self.validated(serializer_class) if serializer_class else {}
        with transaction.atomic():
            verdict = service(self.get_object(), data)
        return self.respond(verdict)

    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Hand a draft to the editors for review."""
        return self._transition(lambda v, data: verdict_submit(verdict=v, actor=request.user))

    @action(detail=True, methods=["post"], url_path="return")
    def return_to_draft(self, request: Request, pk: str) -> Response:
        """Send a verdict in review back to draft, with a comment (editors)."""
        return self._transition(
            lambda v, data: verdict_return(verdict=v, actor=request.user, **data),
            s.VerdictReturnInput,
        )

    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        """Publish a verdict in review (editors). Needs a rating, headline, summary, evidence
        and the claim's first appearance."""
        return self._transition(lambda v, data: verdict_publish(verdict=v, actor=request.user))

    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str) -> Response:
        """Correct or update a published verdict with a public note (editors)."""
        return self._transition(
            lambda v, data: verdict_correct(verdict=v, actor=request.user, **data),
            s.VerdictCorrectInput,
        )

    @action(detail=True, methods=["post"])
    def retract(self, request: Request, pk: str) -> Response:
        """Retract a published verdict; its page stays, saying why (editors)."""
        return self._transition(
            lambda v, data: verdict_retract(verdict=v, actor=request.user, **data),
            s.VerdictRetractInput,
        )
