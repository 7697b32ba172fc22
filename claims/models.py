"""The fact-checking domain: claims, where they appeared, their media, evidence and verdicts.

Writes go through `claims.services`; these models hold data, constraints and their meaning.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.validators import HTTP_URL_PATTERN, HttpUrlField, validate_language_tag
from media.models import LookupMatch, MediaItem

# Derived from other fields; history records those fields, not these.
SEARCH_COLUMNS = ["search_text", "search_document", "search_vector"]


class Topic(models.Model):
    """A subject a newsroom files claims under (elections, health, North Korea, ...)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Publisher(models.Model):
    """Who published a verdict: this newsroom (exactly one, `is_self`) or another fact-checker
    whose ClaimReviews were imported, so that "has this been checked?" searches both."""

    name = models.CharField(max_length=200)
    site = models.CharField(
        max_length=253,
        unique=True,
        help_text=_("Domain name, as ClaimReview's publisher.site (e.g. factcheck.afp.com)."),
        validators=[
            RegexValidator(r"^[a-z0-9.-]+\.[a-z]{2,}$", _("Enter a lower-case domain name."))
        ],
    )
    url = HttpUrlField(blank=True)
    is_self = models.BooleanField(default=False, help_text=_("This newsroom."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_self"], condition=Q(is_self=True), name="publisher_one_self"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RatingScale(models.Model):
    """A publisher's scale of ratings; ClaimReview carries its best and worst numeric values."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    best_value = models.SmallIntegerField()
    worst_value = models.SmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(best_value__gt=F("worst_value")), name="rating_scale_best_above_worst"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Rating(models.Model):
    """One step of a scale: ClaimReview's `alternateName` (textual rating) and `ratingValue`.

    `value` is empty for ratings that are not a point on the numeric scale (e.g. Unproven).
    """

    scale = models.ForeignKey(RatingScale, on_delete=models.PROTECT, related_name="ratings")
    label = models.CharField(max_length=100)
    value = models.SmallIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scale", F("value").desc(nulls_last=True), "label"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "label"], name="rating_unique_label"),
            models.UniqueConstraint(fields=["scale", "value"], name="rating_unique_value"),
            # Target of the composite foreign key that keeps a verdict's rating on its scale.
            models.UniqueConstraint(fields=["id", "scale"], name="rating_unique_id_scale"),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        scale = self.scale if self.scale_id else None
        if scale and self.value is not None:
            low, high = scale.worst_value, scale.best_value
            if not low <= self.value <= high:
                message = _("Must be between %(low)s and %(high)s.")
                raise ValidationError(
                    {
                        "value": ValidationError(
                            message, code="rating_off_scale", params={"low": low, "high": high}
                        )
                    }
                )


class RatingSynonym(models.Model):
    """Another way publishers write a step of our scale ("Pants on Fire", "Faux", "거짓" for
    False): how imported and markup ratings find the step they mean (claims.ratings). `text` is
    stored normalized (claims.ratings.normalize_textual); editors extend the table in the admin.
    """

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="synonyms")
    # The rating's scale, kept beside it so that one text means one step per scale; a composite
    # foreign key (rating, scale) -> rating (id, scale) keeps it the rating's own.
    scale = models.ForeignKey(RatingScale, on_delete=models.CASCADE, related_name="synonyms")
    text = models.CharField(max_length=200)
    language = models.CharField(
        max_length=35, blank=True, validators=[validate_language_tag], help_text=_("BCP-47.")
    )

    class Meta:
        ordering = ["scale", "rating", "text"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "text"], name="rating_synonym_unique_text"),
            models.CheckConstraint(condition=~Q(text=""), name="rating_synonym_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.text} → {self.rating}"

    def clean(self) -> None:
        if self.rating_id and self.scale_id and self.rating.scale_id != self.scale_id:
            raise ValidationError(
                {"rating": ValidationError(_("Pick a step of this scale."), code="off_scale")}
            )


class Searchable(models.Model):
    """Search columns, kept by the services (claims.search): the raw text for trigram matching
    of typos, and the CJK-aware document whose tsvector PostgreSQL generates."""

    search_text = models.TextField(blank=True, editable=False)
    search_document = models.TextField(blank=True, editable=False)
    search_vector = models.GeneratedField(
        expression=SearchVector("search_document", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        abstract = True


class ClaimStatus(models.TextChoices):
    NEW = "new", _("New")
    RESEARCHING = "researching", _("Researching")
    CHECKED = "checked", _("Checked")
    NOT_CHECKWORTHY = "not_checkworthy", _("Not check-worthy")


class Claim(Searchable):
    """A statement or media claim under review.

    `text` is the claim as reviewed, in the newsroom's language; `original_text` is what was said,
    in `language`. `duplicate_of` points at the claim this one repeats, which carries the work.
    """

    Status = ClaimStatus

    text = models.TextField(help_text=_("The claim as reviewed, in the newsroom's language."))
    original_text = models.TextField(blank=True, help_text=_("As said, in the claim's language."))
    language = models.CharField(
        max_length=35, validators=[validate_language_tag], help_text=_("BCP-47, e.g. zh, ko, en.")
    )
    claimant = models.CharField(max_length=300, blank=True, help_text=_("Who made the claim."))
    claim_date = models.DateField(null=True, blank=True, help_text=_("When the claim was made."))
    first_seen_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the newsroom first saw it.")
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="claims")
    media = models.ManyToManyField(
        MediaItem, through="ClaimMedia", blank=True, related_name="claims"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_claims",
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="created_claims",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[topics], excluded_fields=SEARCH_COLUMNS)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(duplicate_of=F("id")), name="claim_not_duplicate_of_itself"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="claim_text_not_empty"),
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="claim_status_created"),
            # The API's cursor order.
            models.Index(F("created_at").desc(), F("id").desc(), name="claim_created"),
            GinIndex(fields=["search_vector"], name="claim_search_vector"),
            GinIndex(fields=["search_text"], opclasses=["gin_trgm_ops"], name="claim_search_trgm"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self) -> None:
        if self.pk and self.duplicate_of_id == self.pk:
            raise ValidationError(
                {
                    "duplicate_of": ValidationError(
                        _("A claim cannot be a duplicate of itself."), code="duplicate_of_self"
                    )
                }
            )


class Appearance(models.Model):
    """Where a claim was seen: a post, an article, a video page. One per claim is the first."""

    class Platform(models.TextChoices):
        X = "x", "X"
        FACEBOOK = "facebook", "Facebook"
        INSTAGRAM = "instagram", "Instagram"
        THREADS = "threads", "Threads"
        TIKTOK = "tiktok", "TikTok"
        DOUYIN = "douyin", "Douyin"
        WEIBO = "weibo", "Weibo"
        WECHAT = "wechat", "WeChat"
        YOUTUBE = "youtube", "YouTube"
        TELEGRAM = "telegram", "Telegram"
        WHATSAPP = "whatsapp", "WhatsApp"
        LINE = "line", "LINE"
        KAKAOTALK = "kakaotalk", "KakaoTalk"
        NAVER = "naver", "Naver"
        PTT = "ptt", "PTT"
        NEWS = "news", _("News site")
        WEB = "web", _("Other web page")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances")
    url = HttpUrlField()
    platform = models.CharField(max_length=20, choices=Platform.choices, default=Platform.WEB)
    posted_at = models.DateTimeField(null=True, blank=True)
    author_handle = models.CharField(max_length=200, blank=True)
    archived_url = HttpUrlField(
        blank=True, help_text=_("An archive copy (archive.today, Wayback).")
    )
    screenshot = models.ForeignKey(
        MediaItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="screenshot_of",
    )
    is_first = models.BooleanField(
        default=False, help_text=_("The earliest known appearance (ClaimReview firstAppearance).")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = [F("posted_at").asc(nulls_last=True), "id"]
        indexes = [models.Index(F("created_at").desc(), F("id").desc(), name="appearance_created")]
        constraints = [
            models.UniqueConstraint(fields=["claim", "url"], name="appearance_unique_url"),
            models.UniqueConstraint(
                fields=["claim"], condition=Q(is_first=True), name="appearance_one_first"
            ),
            models.CheckConstraint(
                condition=Q(url__regex=HTTP_URL_PATTERN), name="appearance_url_http"
            ),
            models.CheckConstraint(
                condition=Q(archived_url="") | Q(archived_url__regex=HTTP_URL_PATTERN),
                name="appearance_archived_url_http",
            ),
        ]

    def __str__(self) -> str:
        return self.url


class ClaimMedia(models.Model):
    """A media item carried by a claim: the picture or video that the claim is about."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="claim_media")
    media_item = models.ForeignKey(MediaItem, on_delete=models.PROTECT, related_name="claim_media")
    note = models.CharField(max_length=300, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("claim media")
        verbose_name_plural = _("claim media")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "media_item"], name="claim_media_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.media_item}"


class Evidence(models.Model):
    """What a verdict rests on: a source, a statement, a document, a reverse-image match.

    `relation` says how it bears on the claim. Non-public evidence (a source's private message,
    say) is kept for the newsroom and never shown to readers or API consumers.
    """

    class Kind(models.TextChoices):
        REVERSE_IMAGE_MATCH = "reverse_image_match", _("Reverse-image match")
        ARCHIVED_SOURCE = "archived_source", _("Archived source")
        OFFICIAL_STATEMENT = "official_statement", _("Official statement")
        EXPERT = "expert", _("Expert")
        DOCUMENT = "document", _("Document")
        DATA = "data", _("Data")
        MEDIA = "media", _("Media")
        OTHER = "other", _("Other")

    class Relation(models.TextChoices):
        SUPPORTS = "supports", _("Supports the claim")
        REFUTES = "refutes", _("Refutes the claim")
        CONTEXT = "context", _("Context")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    relation = models.CharField(max_length=20, choices=Relation.choices)
    title = models.CharField(max_length=300)
    url = HttpUrlField(blank=True)
    archived_url = HttpUrlField(blank=True)
    source_date = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    media_item = models.ForeignKey(
        MediaItem, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    lookup_match = models.ForeignKey(
        LookupMatch, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    is_public = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = _("evidence")
        ordering = ["created_at", "id"]
        indexes = [models.Index(F("created_at").desc(), F("id").desc(), name="evidence_created")]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="evidence_title_not_empty"),
            models.CheckConstraint(
                condition=Q(url="") | Q(url__regex=HTTP_URL_PATTERN), name="evidence_url_http"
            ),
            models.CheckConstraint(
                condition=Q(archived_url="") | Q(archived_url__regex=HTTP_URL_PATTERN),
                name="evidence_archived_url_http",
            ),
            models.UniqueConstraint(
                fields=["claim", "lookup_match"],
                condition=Q(lookup_match__isnull=False),
                name="evidence_unique_lookup_match",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MediaAuthenticity(models.TextChoices):
    """schema.org MediaManipulationRatingEnumeration, as MediaReview's mediaAuthenticityCategory."""

    ORIGINAL = "OriginalMediaContent", _("Original media content")
    DECONTEXTUALIZED = "DecontextualizedContent", _("Decontextualized content")
    EDITED_OR_CROPPED = "EditedOrCroppedContent", _("Edited or cropped content")
    TRANSFORMED = "TransformedContent", _("Transformed content")
    STAGED = "StagedContent", _("Staged content")
    SATIRE_OR_PARODY = "SatireOrParodyContent", _("Satire or parody content")


class VerdictStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    RETRACTED = "retracted", _("Retracted")


class Verdict(Searchable):
    """A publisher's ruling on a claim, published as ClaimReview (and MediaReview for media claims).

    `summary` is the rating explanation; `rating` must be a step of `rating_scale` (a composite
    foreign key enforces it in the database). A published verdict changes only with a Correction.
    """

    Status = VerdictStatus

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="verdicts")
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="verdicts")
    rating_scale = models.ForeignKey(RatingScale, on_delete=models.PROTECT, related_name="verdicts")
    rating = models.ForeignKey(
        Rating, on_delete=models.PROTECT, null=True, blank=True, related_name="verdicts"
    )
    headline = models.CharField(max_length=300, blank=True)
    summary = models.TextField(blank=True, help_text=_("The rating explanation."))
    body = models.TextField(blank=True)
    media_authenticity = models.CharField(
        max_length=40,
        choices=MediaAuthenticity.choices,
        blank=True,
        help_text=_("For media claims: MediaReview's mediaAuthenticityCategory."),
    )
    language = models.CharField(max_length=35, validators=[validate_language_tag])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    slug = models.SlugField(max_length=200, unique=True)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="authored_verdicts"
    )
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="edited_verdicts",
    )
    review_comment = models.TextField(
        blank=True, help_text=_("An editor's note when returning the verdict to draft.")
    )
    textual_rating = models.CharField(
        max_length=1000,
        blank=True,
        help_text=_(
            "The rating as the publisher wrote it. Imported verdicts keep it even where it maps "
            "onto no step of our scale."
        ),
    )
    review_url = HttpUrlField(
        blank=True,
        help_text=_("Where another publisher's review lives; imports are deduplicated by it."),
    )
    published_at = models.DateTimeField(null=True, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[authors], excluded_fields=SEARCH_COLUMNS)

    class Meta:
        ordering = [F("published_at").desc(nulls_last=True), "-id"]
        permissions = [
            ("publish_verdict", _("Can publish, correct and retract verdicts")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "publisher"], name="verdict_one_per_publisher"
            ),
            # Another publisher's review (imported: it has a review_url) may give no date
            # and no rating: it is still a check of the claim, and inventing either would be
            # wrong. Ours always have both.
            models.CheckConstraint(
                condition=Q(status__in=["draft", "in_review"])
                | (
                    ~Q(headline="")
                    & ~Q(summary="")
                    & (
                        ~Q(review_url="")
                        | (
                            (Q(rating__isnull=False) | ~Q(textual_rating=""))
                            & Q(published_at__isnull=False)
                        )
                    )
                ),
                name="verdict_published_is_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status="retracted") | Q(retracted_at__isnull=False),
                name="verdict_retracted_has_date",
            ),
            models.UniqueConstraint(
                fields=["review_url"],
                condition=~Q(review_url=""),
                name="verdict_unique_review_url",
            ),
            models.CheckConstraint(
                condition=Q(status__in=VerdictStatus.values), name="verdict_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="verdict_status_published"),
            models.Index(F("created_at").desc(), F("id").desc(), name="verdict_created"),
            GinIndex(fields=["search_vector"], name="verdict_search_vector"),
            # Public searches (anonymous, consumers) match within public verdicts only; without
            # this the planner ANDs a bitmap of half the table's rows by status.
            GinIndex(
                fields=["search_vector"],
                condition=Q(status__in=["published", "retracted"]),
                name="verdict_public_search_vector",
            ),
            GinIndex(
                fields=["search_text"], opclasses=["gin_trgm_ops"], name="verdict_search_trgm"
            ),
        ]

    def __str__(self) -> str:
        return self.headline or f"Verdict on claim #{self.claim_id}"

    def clean(self) -> None:
        if self.rating_id and self.rating_scale_id and self.rating.scale_id != self.rating_scale_id:
            raise ValidationError(
                {
                    "rating": ValidationError(
                        _("This rating is not on the verdict's rating scale."),
                        code="rating_not_on_scale",
                    )
                }
            )


class Correction(models.Model):
    """A dated, public note on a published verdict: an update, a correction or a retraction.

    Published verdicts never change silently: every change after publication has one of these.
    """

    class Kind(models.TextChoices):
        UPDATE = "update", _("Update")
        CORRECTION = "correction", _("Correction")
        RETRACTION = "retraction", _("Retraction")

    verdict = models.ForeignKey(Verdict, on_delete=models.PROTECT, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.TextField()
    published_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["published_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(note=""), name="correction_note_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.published_at:%Y-%m-%d}"

    def clean(self) -> None:
        if self.verdict_id and self.verdict.status not in (
            Verdict.Status.PUBLISHED,
            Verdict.Status.RETRACTED,
        ):
            raise ValidationError(
                {
                    "verdict": ValidationError(
                        _("Only a published verdict can be corrected."),
                        code="correction_on_unpublished_verdict",
                    )
                }
            )
