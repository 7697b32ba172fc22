"""Input serializers validate shape and types (unknown fields are refused); the services validate
the rest. Output serializers only read what the selectors already joined."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.models import (
    Appearance,
    Claim,
    Correction,
    Evidence,
    MediaAuthenticity,
    Publisher,
    Rating,
    RatingScale,
    Topic,
    Verdict,
)
from core.api.serializers import HttpUrlField, StrictSerializer
from core.roles import NEWSROOM_ROLES, is_newsroom
from core.validators import LANGUAGE_TAG
from media import hash_lists
from media.models import HashList, LookupJob, LookupMatch, MediaItem, SharedHash
from media.services.lookups import earliest_match

User = get_user_model()


# Output


class TopicOutput(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "name", "slug", "description", "updated_at"]


class PublisherOutput(serializers.ModelSerializer):
    class Meta:
        model = Publisher
        fields = ["id", "name", "site", "url", "is_self", "updated_at"]


class RatingOutput(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["id", "label", "value", "description"]


class RatingScaleOutput(serializers.ModelSerializer):
    ratings = RatingOutput(many=True, read_only=True)

    class Meta:
        model = RatingScale
        fields = ["id", "name", "description", "best_value", "worst_value", "ratings", "updated_at"]


class AppearanceOutput(serializers.ModelSerializer):
    class Meta:
        model = Appearance
        fields = [
            "id",
            "claim",
            "url",
            "platform",
            "posted_at",
            "author_handle",
            "archived_url",
            "is_first",
            "screenshot",
            "created_at",
            "updated_at",
        ]


class MediaItemOutput(serializers.ModelSerializer):
    file = serializers.FileField(read_only=True, allow_null=True, use_url=True)
    hashed_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When its frames were hashed: from then on it can be looked up.",
    )
    searchable = serializers.BooleanField(
        read_only=True,
        help_text="Found by archive lookups: in the archive and hashed.",
    )

    class Meta:
        model = MediaItem
        fields = [
            "id",
            "kind",
            "status",
            "failure_reason",
            "file",
            "source_url",
            "merged_into",
            "sha256",
            "mime_type",
            "size_bytes",
            "width",
            "height",
            "duration_seconds",
            "first_published_at",
            "publisher_name",
            "original_url",
            "caption",
            "in_archive",
            "hashed_at",
            "searchable",
            "created_at",
            "updated_at",
        ]


class EvidenceOutput(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = [
            "id",
            "claim",
            "kind",
            "relation",
            "title",
            "url",
            "archived_url",
            "source_date",
            "note",
            "media_item",
            "lookup_match",
            "is_public",
            "created_at",
            "updated_at",
        ]


class CorrectionOutput(serializers.ModelSerializer):
    class Meta:
        model = Correction
        fields = ["id", "kind", "note", "published_at"]


class ClaimBriefOutput(serializers.ModelSerializer):
    class Meta:
        model = Claim
        fields = ["id", "text", "original_text", "language", "claimant", "claim_date"]


class VerdictOutput(serializers.ModelSerializer):
    claim = ClaimBriefOutput(read_only=True)
    publisher = PublisherOutput(read_only=True)
    rating = RatingOutput(read_only=True, allow_null=True)
    authors = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    editor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    corrections = CorrectionOutput(many=True, read_only=True)

    class Meta:
        model = Verdict
        fields = [
            "id",
            "claim",
            "publisher",
            "rating_scale",
            "rating",
            "textual_rating",
            "review_url",
            "headline",
            "summary",
            "body",
            "media_authenticity",
            "language",
            "status",
            "slug",
            "authors",
            "editor",
            "published_at",
            "retracted_at",
            "corrections",
            "created_at",
            "updated_at",
        ]


class VerdictBriefOutput(serializers.ModelSerializer):
    publisher = serializers.CharField(source="publisher.name", read_only=True)
    rating = RatingOutput(read_only=True, allow_null=True)

    class Meta:
        model = Verdict
        fields = [
            "id",
            "publisher",
            "rating",
            "headline",
            "summary",
            "status",
            "slug",
            "published_at",
        ]


class ClaimOutput(serializers.ModelSerializer):
    topics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    assignee = serializers.SerializerMethodField()
    appearances = AppearanceOutput(many=True, read_only=True)
    media = MediaItemOutput(many=True, read_only=True)
    evidence = EvidenceOutput(many=True, read_only=True)
    verdict = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "original_text",
            "language",
            "claimant",
            "claim_date",
            "first_seen_at",
            "status",
            "topics",
            "assignee",
            "duplicate_of",
            "appearances",
            "media",
            "evidence",
            "verdict",
            "created_at",
            "updated_at",
        ]

    def get_assignee(self, claim: Claim) -> str | None:
        # Who works on what is newsroom business.
        request = self.context.get("request")
        if claim.assignee is None or request is None or not is_newsroom(request.user):
            return None
        return claim.assignee.username

    @extend_schema_field(VerdictBriefOutput(allow_null=True))
    def get_verdict(self, claim: Claim) -> dict | None:
        """This newsroom's verdict, if the viewer may read it (the selector decided)."""
        ours = next((v for v in claim.verdicts.all() if v.publisher.is_self), None)
        return VerdictBriefOutput(ours, context=self.context).data if ours else None


class MatchTransformOutput(serializers.Serializer):
    """What was done to the archive picture, as local features verified it."""

    inliers = serializers.IntegerField(help_text="Keypoint matches agreeing on the transform.")
    matches = serializers.IntegerField(help_text="Keypoint matches tried.")
    scale = serializers.FloatField(
        help_text="The picture's size in the query against its size in the archive item."
    )
    rotation_degrees = serializers.FloatField(help_text="Turned counterclockwise, as seen.")
    mirrored = serializers.BooleanField()
    perspective = serializers.BooleanField(help_text="Seen at an angle (a photo of a screen).")
    reference_box = serializers.ListField(
        child=serializers.FloatField(),
        help_text="The part of the archive picture the query shows: left, top, right, bottom "
        "as fractions of it ([0, 0, 1, 1] is all of it).",
    )
    query_box = serializers.ListField(
        child=serializers.FloatField(),
        help_text="Where the archive picture lies in the query, as fractions of the query "
        "(less than all of it under a caption block, on a background, in a screen recording).",
    )


class SharedHashMatchOutput(serializers.ModelSerializer):
    hash_list = serializers.IntegerField(source="hash_list_id", read_only=True)
    hash_list_name = serializers.CharField(source="hash_list.name", read_only=True)

    class Meta:
        model = SharedHash
        fields = ["hash_list", "hash_list_name", "signal", "signal_type", "line"]


class LookupMatchOutput(serializers.ModelSerializer):
    first_published_at = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()
    shared_hash = SharedHashMatchOutput(
        read_only=True,
        allow_null=True,
        help_text=(
            "Set when the match is a picture or video of a hash list another newsroom shared "
            "(only its hashes are here): the list, the signal's place in it and its line in "
            "the file imported."
        ),
    )
    transform = MatchTransformOutput(
        read_only=True,
        allow_null=True,
        help_text="Set when local features verified the match; null when not verified.",
    )

    class Meta:
        model = LookupMatch
        fields = [
            "id",
            "matched_item",
            "shared_hash",
            "external_url",
            "distance",
            "score",
            "query_offset_seconds",
            "matched_offset_seconds",
            "first_published_at",
            "source",
            "is_strong",
            "is_exact_copy",
            "transform",
        ]
        extra_kwargs = {
            "query_offset_seconds": {
                "help_text": "Seconds into the looked-up video of the frame the match is placed "
                "by (0 for an image)."
            },
            "matched_offset_seconds": {
                "help_text": "Where that frame lies in the matched video, in seconds: on a cut "
                "both share, else between the matched video's keyframes, by how its camera "
                "moved from one to the next (0 for an image)."
            },
        }

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_first_published_at(self, match: LookupMatch) -> str | None:
        published = match.first_published_at or (
            match.matched_item.first_published_at if match.matched_item else None
        )
        return serializers.DateTimeField().to_representation(published) if published else None

    def get_source(self, match: LookupMatch) -> str:
        if match.shared_hash is not None:
            return f"hash list {match.shared_hash.hash_list.name}"
        if match.matched_item is None:
            return match.external_url
        return match.matched_item.publisher_name or match.matched_item.original_url


class LookupJobOutput(serializers.ModelSerializer):
    matches = LookupMatchOutput(many=True, read_only=True)
    earliest_match = serializers.SerializerMethodField(
        help_text="The id of the match published first (strong matches before suggestions)."
    )
    exact_copy_of = serializers.SerializerMethodField(
        help_text=(
            "The archive item the looked-up file is, byte for byte (its match has "
            "is_exact_copy), or null."
        )
    )

    class Meta:
        model = LookupJob
        fields = [
            "id",
            "media_item",
            "provider",
            "status",
            "progress",
            "error",
            "attempts",
            "created_at",
            "started_at",
            "heartbeat_at",
            "finished_at",
            "matches",
            "earliest_match",
            "exact_copy_of",
        ]

    def get_exact_copy_of(self, job: LookupJob) -> int | None:
        return next((m.matched_item_id for m in job.matches.all() if m.is_exact_copy), None)

    def get_earliest_match(self, job: LookupJob) -> int | None:
        match = earliest_match(job)
        return match.pk if match else None


class LookupRequestInput(StrictSerializer):
    provider = serializers.ChoiceField(
        choices=LookupJob.Provider.choices, default=LookupJob.Provider.ARCHIVE
    )


class EvidenceFromMatchInput(StrictSerializer):
    claim = serializers.PrimaryKeyRelatedField(
        queryset=Claim.objects.all(),
        required=False,
        help_text="Needed only when several claims carry the looked-up media.",
    )
    relation = serializers.ChoiceField(
        choices=Evidence.Relation.choices, default=Evidence.Relation.CONTEXT
    )


# Input


def _correction_note():
    return serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=(
            "Needed to change what a published fact-check shows: published with the change as "
            "a dated update of the verdict (editors only)."
        ),
    )


class CorrectionNoteInput(StrictSerializer):
    """The body of a DELETE of a published fact-check's evidence or appearance."""

    correction_note = _correction_note()


class AppearanceInput(StrictSerializer):
    url = HttpUrlField()
    platform = serializers.ChoiceField(choices=Appearance.Platform.choices, required=False)
    posted_at = serializers.DateTimeField(required=False, allow_null=True)
    author_handle = serializers.CharField(max_length=200, required=False, allow_blank=True)
    archived_url = HttpUrlField(required=False, allow_blank=True)
    screenshot = serializers.PrimaryKeyRelatedField(
        queryset=MediaItem.objects.all(), required=False, allow_null=True
    )
    is_first = serializers.BooleanField(required=False, allow_null=True, default=None)


class AppearanceCreateInput(AppearanceInput):
    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all())


class AppearanceUpdateInput(AppearanceInput):
    url = HttpUrlField(required=False)
    is_first = serializers.BooleanField(required=False)
    correction_note = _correction_note()


def _newsroom_users():
    return User.objects.filter(groups__name__in=NEWSROOM_ROLES, is_active=True).distinct()


class ClaimUpdateInput(StrictSerializer):
    text = serializers.CharField(required=False)
    original_text = serializers.CharField(required=False, allow_blank=True)
    language = serializers.CharField(max_length=35, required=False, validators=[LANGUAGE_TAG])
    claimant = serializers.CharField(max_length=300, required=False, allow_blank=True)
    claim_date = serializers.DateField(required=False, allow_null=True)
    first_seen_at = serializers.DateTimeField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Claim.Status.choices, required=False)
    topics = serializers.SlugRelatedField(
        slug_field="slug", queryset=Topic.objects.all(), many=True, required=False
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=_newsroom_users(), required=False, allow_null=True
    )
    duplicate_of = serializers.PrimaryKeyRelatedField(
        queryset=Claim.objects.all(), required=False, allow_null=True
    )


class ClaimCreateInput(ClaimUpdateInput):
    text = serializers.CharField()
    language = serializers.CharField(max_length=35, validators=[LANGUAGE_TAG])
    appearances = AppearanceInput(many=True, required=False)


class EvidenceInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=Evidence.Kind.choices)
    relation = serializers.ChoiceField(choices=Evidence.Relation.choices)
    title = serializers.CharField(max_length=300)
    url = HttpUrlField(required=False, allow_blank=True)
    archived_url = HttpUrlField(required=False, allow_blank=True)
    source_date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)
    media_item = serializers.PrimaryKeyRelatedField(
        queryset=MediaItem.objects.all(), required=False, allow_null=True
    )
    lookup_match = serializers.PrimaryKeyRelatedField(
        queryset=LookupMatch.objects.select_related("job"), required=False, allow_null=True
    )
    is_public = serializers.BooleanField(required=False)
    correction_note = _correction_note()


class EvidenceCreateInput(EvidenceInput):
    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all())


class EvidenceUpdateInput(EvidenceInput):
    kind = serializers.ChoiceField(choices=Evidence.Kind.choices, required=False)
    relation = serializers.ChoiceField(choices=Evidence.Relation.choices, required=False)
    title = serializers.CharField(max_length=300, required=False)
    lookup_match = None


class VerdictUpdateInput(StrictSerializer):
    rating = serializers.PrimaryKeyRelatedField(
        queryset=Rating.objects.select_related("scale"), required=False, allow_null=True
    )
    rating_scale = serializers.PrimaryKeyRelatedField(
        queryset=RatingScale.objects.all(), required=False
    )
    headline = serializers.CharField(max_length=300, required=False, allow_blank=True)
    summary = serializers.CharField(required=False, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True)
    media_authenticity = serializers.ChoiceField(
        choices=MediaAuthenticity.choices, required=False, allow_blank=True
    )
    language = serializers.CharField(max_length=35, required=False, validators=[LANGUAGE_TAG])
    authors = serializers.PrimaryKeyRelatedField(
        queryset=_newsroom_users(), many=True, required=False
    )


class VerdictCreateInput(VerdictUpdateInput):
    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all())


class MediaItemUpdateInput(StrictSerializer):
    first_published_at = serializers.DateTimeField(required=False, allow_null=True)
    publisher_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    original_url = HttpUrlField(required=False, allow_blank=True)
    caption = serializers.CharField(required=False, allow_blank=True)
    in_archive = serializers.BooleanField(required=False)


class MediaItemUploadInput(MediaItemUpdateInput):
    file = serializers.FileField(allow_empty_file=False)


class MediaItemFetchInput(MediaItemUpdateInput):
    url = HttpUrlField(help_text="An http or https URL of an image or video to fetch.")


class TopicInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    slug = serializers.SlugField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True)


class TopicUpdateInput(TopicInput):
    name = serializers.CharField(max_length=100, required=False)
    slug = serializers.SlugField(max_length=100, required=False)


def _publisher_site(**kwargs):
    # The model's own validators, so that the schema declares its pattern.
    return serializers.CharField(validators=Publisher._meta.get_field("site").validators, **kwargs)


class PublisherInput(StrictSerializer):
    name = serializers.CharField(max_length=200)
    site = _publisher_site(max_length=253)
    url = HttpUrlField(required=False, allow_blank=True)


class PublisherUpdateInput(PublisherInput):
    name = serializers.CharField(max_length=200, required=False)
    site = _publisher_site(max_length=253, required=False)


class RatingInput(StrictSerializer):
    label = serializers.CharField(max_length=100)
    value = serializers.IntegerField(
        required=False, allow_null=True, min_value=-32768, max_value=32767
    )
    description = serializers.CharField(required=False, allow_blank=True)


class RatingScaleInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True)
    best_value = serializers.IntegerField(min_value=-32768, max_value=32767)
    worst_value = serializers.IntegerField(min_value=-32768, max_value=32767)
    ratings = RatingInput(many=True, required=False)


class RatingScaleUpdateInput(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class VerdictReturnInput(StrictSerializer):
    comment = serializers.CharField(help_text="What needs to change before publication.")


class VerdictCorrectInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=[Correction.Kind.UPDATE, Correction.Kind.CORRECTION])
    note = serializers.CharField(help_text="The public note saying what changed and why.")
    rating = serializers.PrimaryKeyRelatedField(
        queryset=Rating.objects.select_related("scale"), required=False
    )
    headline = serializers.CharField(max_length=300, required=False)
    summary = serializers.CharField(required=False)
    body = serializers.CharField(required=False, allow_blank=True)
    media_authenticity = serializers.ChoiceField(
        choices=MediaAuthenticity.choices, required=False, allow_blank=True
    )


class VerdictRetractInput(StrictSerializer):
    reason = serializers.CharField(help_text="Why the verdict is withdrawn; shown on its page.")


class ClaimMediaInput(StrictSerializer):
    media_item = serializers.PrimaryKeyRelatedField(
        queryset=MediaItem.objects.all(), help_text="The id of an uploaded or fetched media item."
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ClaimMediaOutput(serializers.Serializer):
    claim = serializers.IntegerField(source="claim_id")
    media_item = MediaItemOutput()
    note = serializers.CharField()
    added_at = serializers.DateTimeField()


class HashListOutput(serializers.ModelSerializer):
    hash_count = serializers.IntegerField(read_only=True, help_text="Hashes (video frames each).")
    signal_count = serializers.IntegerField(read_only=True, help_text="Pictures and videos.")

    class Meta:
        model = HashList
        fields = ["id", "name", "list_format", "hash_count", "signal_count", "created_at"]


class HashListImportInput(StrictSerializer):
    name = serializers.CharField(max_length=200)
    list_format = serializers.ChoiceField(choices=hash_lists.FORMATS)
    content = serializers.CharField(
        trim_whitespace=False,
        help_text="The list's text: 64 hex digits a line (pdq), `pdq <hex>` or `vpdq <json>` "
        "lines (threatexchange), a signal_type,signal table (hma-csv, hma-tsv), or one video's "
        "frame,quality,hex,seconds lines (vpdq).",
    )


class HashExportInput(StrictSerializer):
    list_format = serializers.ChoiceField(choices=hash_lists.FORMATS)
    media_item = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, help_text="Only these items."
    )
