"""The claim matching API.

`/api/v1/claims/{id}/suggestions/` (list, best first), `.../suggestions/{sid}/` (read, with
ETag), `.../suggestions/{sid}/confirm/` and `.../reject/` (POST): the newsroom's triage of
possible duplicates. To everyone else suggestions do not exist (404), like drafts. A decision
is a one-way transition, refused with 409 once made, as the verdict workflow's are.

`/api/v1/check/` (POST): "has this been checked already?" for anyone, API consumers included:
a text in, the published verdicts (ours and imported) on claims that say the same thing out.
"""

from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiRequest,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api.serializers import ClaimBriefOutput
from claims.claimreview import public_url
from claims.models import Claim, Verdict
from claims.selectors.claims import PUBLIC_VERDICT_STATUSES
from core.api.conditional import make_etag
from core.api.pagination import Cursor
from core.api.parsers import LimitedJSONParser
from core.api.serializers import StrictSerializer
from core.api.views import ResourceViewSet
from core.roles import is_newsroom
from core.validators import LANGUAGE_TAG
from matching.models import ClaimSuggestion
from matching.scoring import content_terms
from matching.selectors import VerdictMatch, suggestion_list, verdict_matches_for
from matching.services import suggestion_confirm, suggestion_reject
from media.services.lookups import UnreadableImage, image_frames
from media.services.media import IMAGE_FORMATS
from retrieval.text import clean_post, has_unpaired_surrogates

# A whole post, links and all: only its first few hundred words are read (retrieval.text).
MAX_CHECK_TEXT_LENGTH = 10_000
IMAGE_TYPES = ", ".join(sorted(set(IMAGE_FORMATS.values())))

# Output


class PublisherBriefOutput(serializers.Serializer):
    name = serializers.CharField()
    site = serializers.CharField()
    is_self = serializers.BooleanField(help_text="This newsroom; otherwise an imported verdict.")


class MatchedVerdictOutput(serializers.ModelSerializer):
    publisher = PublisherBriefOutput(read_only=True)
    textual_rating = serializers.SerializerMethodField()
    review_url = serializers.SerializerMethodField()

    class Meta:
        model = Verdict
        fields = [
            "id",
            "publisher",
            "status",
            "textual_rating",
            "headline",
            "language",
            "review_url",
            "published_at",
        ]

    def get_textual_rating(self, verdict: Verdict) -> str:
        return verdict.textual_rating or (verdict.rating.label if verdict.rating_id else "")

    def get_review_url(self, verdict: Verdict) -> str:
        """Where the review is read: the other publisher's page, or our public page."""
        if verdict.review_url:
            return verdict.review_url
        if verdict.publisher.is_self and verdict.status in PUBLIC_VERDICT_STATUSES:
            return public_url(verdict)
        return ""


class SuggestedClaimOutput(serializers.ModelSerializer):
    verdicts = MatchedVerdictOutput(many=True, read_only=True)

    class Meta:
        model = Claim
        fields = ["id", "text", "original_text", "language", "status", "duplicate_of", "verdicts"]


class ClaimSuggestionOutput(serializers.ModelSerializer):
    suggested = SuggestedClaimOutput(read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    reasons = serializers.DictField(
        read_only=True,
        help_text=(
            "What matched: `text` (fields compared, shared terms, terms and trigram scores, "
            "words of the shorter text) and `media` (the reverse-image score)."
        ),
    )

    class Meta:
        model = ClaimSuggestion
        fields = [
            "id",
            "claim",
            "suggested",
            "score",
            "text_score",
            "media_score",
            "is_strong",
            "reasons",
            "status",
            "decided_by",
            "decided_at",
            "created_at",
            "updated_at",
        ]


class CheckResultOutput(serializers.Serializer):
    score = serializers.FloatField(
        help_text="0 to 1; how alike the texts are, by words or by meaning, or the pictures."
    )
    is_strong = serializers.BooleanField(help_text="Very likely the same claim.")
    matched_by = serializers.ListField(
        child=serializers.ChoiceField(choices=["lexical", "semantic", "image"]),
        help_text="How it was found: shared words, meaning (embeddings), the picture.",
    )
    language = serializers.CharField(source="verdict.language", help_text="The review's, BCP-47.")
    matched = serializers.SerializerMethodField()
    claim = ClaimBriefOutput(source="verdict.claim")
    verdict = MatchedVerdictOutput()

    @extend_schema_field(serializers.DictField())
    def get_matched(self, result: VerdictMatch) -> dict:
        """What matched: `text` (the fields compared, the shared terms and the two scores),
        `semantic` (the cosine similarity of the embeddings, -1 to 1) and `media` (the
        reverse-image distance, of 256 bits)."""
        matched = {}
        if result.match is not None:
            matched["text"] = result.match.reasons()
        if result.similarity is not None:
            matched["semantic"] = {"similarity": result.similarity}
        if result.media_distance is not None:
            matched["media"] = {"distance": result.media_distance}
        return matched


class CheckOutput(serializers.Serializer):
    results = CheckResultOutput(many=True)
    retrieval = serializers.ChoiceField(
        choices=["hybrid", "lexical"],
        help_text=(
            "hybrid: ranked by words and meaning; lexical: by words only (the embedding model "
            "is not available). Claims not embedded yet are found by their words only."
        ),
    )


# Input


class CheckInput(StrictSerializer):
    required_any = ("text", "image")

    text = serializers.CharField(
        max_length=MAX_CHECK_TEXT_LENGTH,
        required=False,
        help_text="The claim to look up, in any language.",
    )
    image = serializers.FileField(
        required=False,
        help_text="A picture the claim came with (multipart): matched in the reverse-image index.",
    )
    language = serializers.CharField(
        max_length=35,
        required=False,
        validators=[LANGUAGE_TAG],
        help_text="BCP-47: only verdicts written in this language (zh also keeps zh-Hant).",
    )

    def validate_text(self, value: str) -> str:
        if has_unpaired_surrogates(value):
            raise serializers.ValidationError("The text is not valid Unicode.", code="invalid")
        if not content_terms(clean_post(value)):
            raise serializers.ValidationError("The text has no words to match.", code="no_words")
        return value

    def validate_image(self, value):
        if value.size > settings.MEDIA_MAX_BYTES:
            raise serializers.ValidationError("The image is too large.", code="too_large")
        try:
            return image_frames(value)
        except UnreadableImage as error:
            raise serializers.ValidationError(error.message, code="invalid_image") from None


class CheckJsonInput(CheckInput):
    """A JSON body carries no image: its text is required."""

    required_any = ("text",)
    image = None


# Views


class NewsroomOnly(BasePermission):
    """Suggestions are newsroom work: to anyone else they do not exist."""

    def has_permission(self, request: Request, view) -> bool:
        if not is_newsroom(request.user):
            raise NotFound()
        return True


class SuggestionCursor(Cursor):
    ordering = ("-score", "-id")


class ClaimSuggestionViewSet(ResourceViewSet):
    """A claim's suggested duplicates, best first: earlier claims (ours, or another
    publisher's, imported) that may say the same thing, with their verdicts. Strong ones
    (`is_strong`) are likely duplicates. Confirming one marks the claim as repeating it
    (`duplicate_of`); rejecting one keeps it from being suggested again."""

    output_serializer = ClaimSuggestionOutput
    permission_classes = [NewsroomOnly]
    pagination_class = SuggestionCursor
    filter_backends = []
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return suggestion_list(claim_id=self.kwargs["claim_pk"])

    def etag(self, suggestion: ClaimSuggestion) -> str:
        suggested = suggestion.suggested
        verdicts = sorted(str(verdict.updated_at) for verdict in suggested.verdicts.all())
        return make_etag(
            "suggestion", suggestion.pk, suggestion.updated_at, suggested.updated_at, verdicts
        )

    def last_modified(self, suggestion: ClaimSuggestion):
        return max(suggestion.updated_at, suggestion.suggested.updated_at)

    @extend_schema(responses={200: ClaimSuggestionOutput(many=True)})
    def list(self, request: Request, claim_pk: str) -> Response:
        # No suggestions is an empty page; no such claim is a 404.
        get_object_or_404(Claim.objects.only("pk"), pk=claim_pk)
        return super().list(request)

    @extend_schema(
        responses={200: ClaimSuggestionOutput, 304: OpenApiResponse(description="Not modified.")}
    )
    def retrieve(self, request: Request, claim_pk: str, pk: str) -> Response:
        return super().retrieve(request, pk)

    def _decide(self, service) -> Response:
        with transaction.atomic():
            suggestion = service(suggestion=self.get_object(), actor=self.request.user)
        return self.respond(suggestion)

    @extend_schema(request=None, responses={200: ClaimSuggestionOutput})
    def confirm(self, request: Request, claim_pk: str, pk: str) -> Response:
        """The claim repeats the suggested claim: sets the claim's `duplicate_of` (recorded in
        its history). 409 when the suggestion is already decided, when the claim already
        repeats another claim, or when the suggested claim repeats this one."""
        return self._decide(suggestion_confirm)

    @extend_schema(request=None, responses={200: ClaimSuggestionOutput})
    def reject(self, request: Request, claim_pk: str, pk: str) -> Response:
        """The claims say different things; the pair is not suggested again. 409 when the
        suggestion is already decided."""
        return self._decide(suggestion_reject)


class CheckView(APIView):
    """Has this been checked already? Send the text of a claim (JSON, or a multipart form
    field); get the published verdicts, ours and other fact-checkers' (imported), on claims that
    say the same thing, best first (at most 10). Open to everyone, at each role's rate limit.

    Matching is by words and meaning: full-text terms (Chinese, Japanese and Korean by
    character bigrams; any of them, ranked) fused with multilingual sentence embeddings, so a
    Chinese post finds an English fact-check. A whole post may be sent (links and emoji are
    left out; handles stay as the names they are). Each result says how it was found
    (`matched_by`), and the response whether meaning was used (`retrieval`). A result is
    strong when the texts are very alike and long enough (8 words or more) to be telling.
    An `image` (multipart) is matched in the reverse-image index against the media of checked
    claims; a result found both ways keeps the better score.
    """

    permission_classes = [AllowAny]
    parser_classes = [LimitedJSONParser, MultiPartParser]

    @extend_schema(
        request={
            "application/json": CheckJsonInput,
            "multipart/form-data": OpenApiRequest(
                CheckInput, encoding={"image": {"contentType": IMAGE_TYPES}}
            ),
        },
        responses={
            200: CheckOutput,
            415: OpenApiResponse(
                response=OpenApiTypes.OBJECT, description="Send JSON or a multipart form."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        form = isinstance(request.data, QueryDict)
        data = (CheckInput if form else CheckJsonInput)(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        answer = verdict_matches_for(
            text=values.get("text"), frames=values.get("image"), language=values.get("language", "")
        )
        output = {"results": answer.results, "retrieval": answer.retrieval}
        return Response(CheckOutput(output, context={"request": request}).data)
