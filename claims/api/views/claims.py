from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from claims.api import serializers as s
from claims.api.filters import (
    AppearanceFilter,
    ClaimFilter,
    EvidenceFilter,
    claims_by_relevance,
)
from claims.models import Claim, ClaimMedia
from claims.selectors.claims import claim_list
from claims.selectors.reference import appearance_list, evidence_list
from claims.services.claims import (
    appearance_add,
    appearance_remove,
    appearance_update,
    claim_create,
    claim_delete,
    claim_media_attach,
    claim_media_detach,
    claim_update,
)
from claims.services.evidence import evidence_add, evidence_remove, evidence_update
from core.api.conditional import make_etag
from core.api.views import ResourceViewSet
from core.roles import is_newsroom


@extend_schema_view(
    create=extend_schema(request=s.ClaimCreateInput, responses={201: s.ClaimOutput}),
    partial_update=extend_schema(request=s.ClaimUpdateInput, responses={200: s.ClaimOutput}),
    add_appearance=extend_schema(request=s.AppearanceInput, responses={201: s.AppearanceOutput}),
    add_evidence=extend_schema(request=s.EvidenceInput, responses={201: s.EvidenceOutput}),
    attach_media=extend_schema(
        request=s.ClaimMediaInput, responses={200: s.ClaimMediaOutput, 201: s.ClaimMediaOutput}
    ),
    detach_media=extend_schema(responses={204: None}),
)
class ClaimViewSet(ResourceViewSet):
    """Claims under review, with where they appeared, their media, evidence and verdict.

    Outsiders (anonymous and API consumers) see only claims with a published verdict.
    """

    output_serializer = s.ClaimOutput
    filterset_class = ClaimFilter

    def get_queryset(self):
        return claim_list(viewer=self.request.user)

    def rank_by_relevance(self, queryset, text: str):
        return claims_by_relevance(queryset, text, viewer=self.request.user)

    def etag(self, claim: Claim) -> str:
        verdict_stamps = sorted(str(verdict.updated_at) for verdict in claim.verdicts.all())
        return make_etag(
            "claim", claim.pk, claim.updated_at, verdict_stamps, is_newsroom(self.request.user)
        )

    def create(self, request: Request) -> Response:
        return self.create_with(
            s.ClaimCreateInput,
            lambda data: claim_create(created_by=request.user, **data),
        )

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update_with(
            s.ClaimUpdateInput,
            lambda claim, data: claim_update(claim=claim, actor=request.user, **data),
        )

    def destroy(self, request: Request, pk: str) -> Response:
        return self.destroy_with(lambda claim: claim_delete(claim=claim, actor=request.user))

    @action(detail=True, methods=["post"], url_path="appearances")
    def add_appearance(self, request: Request, pk: str) -> Response:
        """Add where the claim was seen, in one call."""
        claim = self.get_object()
        data = self.validated(s.AppearanceInput)
        appearance = appearance_add(claim=claim, actor=request.user, **data)
        return Response(s.AppearanceOutput(appearance).data, status=201)

    @action(detail=True, methods=["post"], url_path="evidence")
    def add_evidence(self, request: Request, pk: str) -> Response:
        """Add a piece of evidence to the claim, in one call."""
        claim = self.get_object()
        data = self.validated(s.EvidenceInput)
        evidence = evidence_add(claim=claim, actor=request.user, **data)
        return Response(s.EvidenceOutput(evidence).data, status=201)

    @action(detail=True, methods=["post"], url_path="media")
    def attach_media(self, request: Request, pk: str) -> Response:
        """Attach a media item to the claim (201; 200 when it already carries it, with the
        note updated). Its lookup is queued. A published claim's media change only with a
        correction (409)."""
        claim = self.get_object()
        data = self.validated(s.ClaimMediaInput)
        with transaction.atomic():
            carried = ClaimMedia.objects.filter(claim=claim, media_item=data["media_item"])
            status_code = status.HTTP_200_OK if carried.exists() else status.HTTP_201_CREATED
            link = claim_media_attach(claim=claim, actor=request.user, **data)
        output = s.ClaimMediaOutput(link, context=self.get_serializer_context())
        return Response(output.data, status=status_code)

    @action(detail=True, methods=["delete"], url_path=r"media/(?P<media_id>[0-9]{1,18})")
    def detach_media(self, request: Request, pk: str, media_id: str) -> Response:
        """Take a media item off the claim (204); 404 when the claim does not carry it."""
        claim = self.get_object()
        link = ClaimMedia.objects.filter(claim=claim, media_item_id=int(media_id)).first()
        if link is None:
            raise NotFound("This claim does not carry that media item.")
        claim_media_detach(claim=claim, media_item=link.media_item)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    create=extend_schema(request=s.AppearanceCreateInput, responses={201: s.AppearanceOutput}),
    partial_update=extend_schema(
        request=s.AppearanceUpdateInput, responses={200: s.AppearanceOutput}
    ),
)
class AppearanceViewSet(ResourceViewSet):
    """Where claims were seen. Outsiders see the appearances of published claims."""

    output_serializer = s.AppearanceOutput
    filterset_class = AppearanceFilter

    def get_queryset(self):
        return appearance_list(viewer=self.request.user)

    def create(self, request: Request) -> Response:
        return self.create_with(
            s.AppearanceCreateInput,
            lambda data: appearance_add(actor=request.user, **data),
        )

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update_with(
            s.AppearanceUpdateInput,
            lambda appearance, data: appearance_update(
                appearance=appearance, actor=request.user, **data
            ),
        )

    @extend_schema(request=s.CorrectionNoteInput)
    def destroy(self, request: Request, pk: str) -> Response:
        data = self.validated(s.CorrectionNoteInput)
        return self.destroy_with(
            lambda appearance: appearance_remove(appearance=appearance, actor=request.user, **data)
        )


@extend_schema_view(
    create=extend_schema(request=s.EvidenceCreateInput, responses={201: s.EvidenceOutput}),
    partial_update=extend_schema(request=s.EvidenceUpdateInput, responses={200: s.EvidenceOutput}),
)
class EvidenceViewSet(ResourceViewSet):
    """What verdicts rest on. Outsiders see the public evidence of published claims."""

    output_serializer = s.EvidenceOutput
    filterset_class = EvidenceFilter

    def get_queryset(self):
        return evidence_list(viewer=self.request.user)

    def create(self, request: Request) -> Response:
        return self.create_with(
            s.EvidenceCreateInput,
            lambda data: evidence_add(actor=request.user, **data),
        )

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update_with(
            s.EvidenceUpdateInput,
            lambda evidence, data: evidence_update(evidence=evidence, actor=request.user, **data),
        )

    @extend_schema(request=s.CorrectionNoteInput)
    def destroy(self, request: Request, pk: str) -> Response:
        data = self.validated(s.CorrectionNoteInput)
        return self.destroy_with(
            lambda evidence: evidence_remove(evidence=evidence, actor=request.user, **data)
        )
