"""Media: images and videos, their perceptual hashes, the reference archive and reverse-image
lookups. The editorial domain (claims) links to these; nothing here knows about claims.

Writes go through `media.services`; these models hold data, constraints and their meaning.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.jobs import backoff
from core.models import Job
from core.validators import HttpUrlField


class MediaItem(models.Model):
    """An image or video, uploaded or fetched from a URL.

    Identical bytes are one item (`sha256`). Items with provenance (when, by whom and where they
    were first published) are the reference archive that reverse-image lookups search; every
    checked claim's media joins it too (`in_archive`).
    """

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        MERGED = "merged", _("Same bytes as another item")

    # Blank only while a URL is being fetched: the bytes tell the kind.
    kind = models.CharField(max_length=10, choices=Kind.choices, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.TextField(blank=True)
    file = models.FileField(upload_to="media/%Y/%m/", blank=True)
    source_url = HttpUrlField(blank=True, help_text=_("Where the file was fetched from."))
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        help_text=_("A fetched URL whose bytes were already stored: the item that holds them."),
    )
    # NULL until the bytes are here (a URL still being fetched); unique once known.
    sha256 = models.CharField(  # noqa: DJ001
        max_length=64,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^[0-9a-f]{64}$")],
        editable=False,
    )
    mime_type = models.CharField(max_length=100, blank=True, editable=False)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    width = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="In pixels, as displayed: an image that its EXIF orientation turns a quarter, "
        "or a video that its display matrix does, has the file's sides swapped.",
    )
    height = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="In pixels, as displayed."
    )
    duration_seconds = models.FloatField(null=True, blank=True, editable=False)
    # Provenance: where and when this media was first published, as far as is known.
    first_published_at = models.DateTimeField(null=True, blank=True)
    publisher_name = models.CharField(max_length=200, blank=True)
    original_url = HttpUrlField(blank=True)
    caption = models.TextField(blank=True)
    in_archive = models.BooleanField(
        default=False, help_text=_("Searched by reverse-image lookups.")
    )
    hashed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("When its frames were hashed.")
    )
    hash_version = models.PositiveSmallIntegerField(
        default=0,
        editable=False,
        help_text=_(
            "The version of the hashing (media.hashing.HASH_VERSION) its frames were hashed "
            "with; older ones are hashed again in the background (rehash_media)."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(sha256__isnull=False),
                name="media_item_unique_sha256",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(sha256__isnull=False),
                name="media_item_ready_has_sha256",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failure_reason=""),
                name="media_item_failure_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False)
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="media_item_merged_has_target",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "failed", "merged"]) | ~Q(kind=""),
                name="media_item_stored_has_kind",
            ),
            models.CheckConstraint(
                condition=Q(duration_seconds__isnull=True) | Q(duration_seconds__gte=0),
                name="media_item_duration_non_negative",
            ),
        ]
        indexes = [
            models.Index(F("created_at").desc(), F("id").desc(), name="media_item_created"),
            models.Index(
                fields=["first_published_at"],
                condition=Q(in_archive=True),
                name="media_item_archive_published",
            ),
        ]

    def __str__(self) -> str:
        label = self.caption or self.original_url or self.source_url or self.file.name
        return f"{self.get_kind_display()} #{self.pk}: {label[:60]}" if label else f"#{self.pk}"

    @property
    def searchable(self) -> bool:
        """Found by archive lookups: in the archive, stored and hashed (its hashes indexed)."""
        return self.in_archive and self.status == self.Status.READY and self.hashed_at is not None


class MediaFrame(models.Model):
    """The perceptual hashes of one frame: an image has one frame at offset 0, a video one per
    keyframe with its time offset. Frames too flat to hash usefully are not stored."""

    media_item = models.ForeignKey(MediaItem, on_delete=models.CASCADE, related_name="frames")
    offset_seconds = models.FloatField(default=0)
    pdq_hash = models.BinaryField(max_length=32, help_text=_("PDQ, 256 bits."))
    pdq_quality = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    phash = models.BinaryField(max_length=8, help_text=_("DCT pHash, 64 bits."))
    # PDQ hashes of the views a lookup searches with, and of those the archive is searched in
    # (see media.hashing), 32 bytes each, concatenated.
    query_hashes = models.BinaryField(default=bytes)
    archive_hashes = models.BinaryField(default=bytes)
    thumbnail = models.BinaryField(
        default=bytes, help_text=_("A JPEG of the frame, 320 pixels on its longest side.")
    )
    is_cut = models.BooleanField(
        default=False,
        help_text=_(
            "A video keyframe kept because the scene changed there, not because one was due; "
            "where a clip's cuts lie places it in the archive video (frames hashed before "
            "version 4 of the hashing have none)."
        ),
    )
    # NULL until extracted (frames hashed before local features were): extract_features fills it.
    local_features = models.BinaryField(
        null=True,
        blank=True,
        help_text=_(
            "ORB descriptors (32 bytes each, strongest keypoint first) of the picture "
            "verification sees (media.verification); empty for a frame too flat to have any."
        ),
    )
    # NULL until extracted, as above; verification reads the frame's picture again meanwhile.
    verification_features = models.BinaryField(
        null=True,
        blank=True,
        help_text=_(
            "All ORB keypoints of the same picture with their positions and responses, and its "
            "size, as media.verification.encoded stores them for verifying a candidate without "
            "reading its picture; empty for a frame too flat to have any."
        ),
    )
    # NULL until extracted, as above; a deep crop is verified from the item's file meanwhile.
    finer_features = models.BinaryField(
        null=True,
        blank=True,
        help_text=_(
            "The same for a large image's picture at 960 pixels, what a deep crop of it is "
            "verified with (media.verification.FINE_SIDE), or for a small image's enlarged to "
            "240 (SMALL_SIDE); empty for a video frame and for an image in between."
        ),
    )

    class Meta:
        ordering = ["media_item", "offset_seconds"]
        constraints = [
            models.UniqueConstraint(
                fields=["media_item", "offset_seconds"], name="media_frame_unique_offset"
            ),
            models.CheckConstraint(
                condition=Q(offset_seconds__gte=0), name="media_frame_offset_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(pdq_quality__lte=100), name="media_frame_quality_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.media_item_id}@{self.offset_seconds:.2f}s"


class ArchiveHash(models.Model):
    """One searchable hash of an archive item's frame: the rows each worker's in-memory index is
    loaded from and kept up to date with, by id, so that an item is searchable as soon as it is
    hashed into the archive (media.archive_index). Rows exist while the item is in the archive."""

    id = models.BigAutoField(primary_key=True)
    media_item = models.ForeignKey(MediaItem, on_delete=models.CASCADE, related_name="+")
    frame = models.ForeignKey(MediaFrame, on_delete=models.CASCADE, related_name="+")
    pdq_hash = models.BinaryField(max_length=32)

    def __str__(self) -> str:
        return f"{self.frame_id}#{self.pk}"


class ArchiveFeatures(models.Model):
    """The local-feature descriptors of an archive item's frame: the rows each worker's feature
    index is loaded from and kept up to date with, by id, as ArchiveHash is for hashes
    (media.archive_index). Rows exist while the item is in the archive."""

    id = models.BigAutoField(primary_key=True)
    media_item = models.ForeignKey(MediaItem, on_delete=models.CASCADE, related_name="+")
    frame = models.ForeignKey(MediaFrame, on_delete=models.CASCADE, related_name="+")
    descriptors = models.BinaryField()

    class Meta:
        verbose_name_plural = _("archive features")

    def __str__(self) -> str:
        return f"{self.frame_id}#{self.pk}"


class MediaJob(Job):
    """Fetching a media item's URL, or hashing its frames: at most one of each per item, so
    that however many uploads, imports and lookups ask, the work is done once."""

    class Kind(models.TextChoices):
        FETCH = "fetch", _("Fetch from its URL")
        HASH = "hash", _("Hash its frames")

    media_item = models.ForeignKey(MediaItem, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=10, choices=Kind.choices)

    class Meta(Job.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            *Job.Meta.constraints,
            models.UniqueConstraint(fields=["media_item", "kind"], name="media_job_one_per_kind"),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="media_job_status_beat")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of media #{self.media_item_id} ({self.status})"

    def task(self):
        from media.tasks import fetch_media_item, hash_media_item

        return fetch_media_item if self.kind == self.Kind.FETCH else hash_media_item

    @classmethod
    def max_attempts(cls) -> int:
        # A fetch retries what may pass (timeouts, 5xx) MEDIA_FETCH_MAX_RETRIES times.
        return settings.MEDIA_FETCH_MAX_RETRIES + 1

    @classmethod
    def stale_after(cls) -> timedelta:
        return timedelta(seconds=settings.LOOKUP_STALE_SECONDS)

    @classmethod
    def retry_delay(cls, attempt: int) -> timedelta:
        return backoff(settings.MEDIA_FETCH_RETRY_BASE_SECONDS, attempt)


class LookupJob(Job):
    """A reverse-image lookup of one media item, run by a Celery worker (core.jobs)."""

    class Provider(models.TextChoices):
        ARCHIVE = "archive", _("Our archive")
        GOOGLE_VISION = "google_vision", _("Google Cloud Vision web detection")
        TINEYE = "tineye", "TinEye"
        FACTCHECK_IMAGE_SEARCH = "factcheck_image_search", _("Fact Check Tools image search")

    media_item = models.ForeignKey(MediaItem, on_delete=models.PROTECT, related_name="lookup_jobs")
    provider = models.CharField(max_length=30, choices=Provider.choices, default=Provider.ARCHIVE)
    progress = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    task_name = "media.tasks.run_lookup"

    class Meta(Job.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            *Job.Meta.constraints,
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="lookup_job_progress_percent"
            ),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="lookup_job_status_beat")]

    def __str__(self) -> str:
        return f"Lookup #{self.pk} of media #{self.media_item_id} ({self.status})"

    @classmethod
    def stale_after(cls) -> timedelta:
        return timedelta(seconds=settings.LOOKUP_STALE_SECONDS)

    @classmethod
    def retry_delay(cls, attempt: int) -> timedelta:
        return backoff(5, attempt)


class LookupMatch(models.Model):
    """A candidate earlier copy found by a lookup: an archive item (with its frame offsets), a
    picture or video of a hash list another newsroom shared (its hash nearest the query's), or,
    for an external engine, a URL. `distance` is the Hamming distance between hashes (lower is
    closer); `score` is an external engine's own confidence."""

    job = models.ForeignKey(LookupJob, on_delete=models.CASCADE, related_name="matches")
    matched_item = models.ForeignKey(
        MediaItem, on_delete=models.PROTECT, null=True, blank=True, related_name="matched_by"
    )
    shared_hash = models.ForeignKey(
        "SharedHash", on_delete=models.CASCADE, null=True, blank=True, related_name="matched_by"
    )
    external_url = HttpUrlField(blank=True)
    distance = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    query_offset_seconds = models.FloatField(default=0)
    matched_offset_seconds = models.FloatField(default=0)
    # For external matches, the publication date the engine reports; archive matches read the
    # matched item's provenance.
    first_published_at = models.DateTimeField(null=True, blank=True)
    is_strong = models.BooleanField(default=False)
    is_exact_copy = models.BooleanField(
        default=False,
        help_text=_(
            "The looked-up file is this archive item, byte for byte (identical bytes are one item)."
        ),
    )
    transform = models.JSONField(
        null=True,
        blank=True,
        help_text=_(
            "For an archive match verified with local features: what was done to the archive "
            "picture (crop box in it, scale, rotation, mirroring, perspective, where it sits in "
            "the query) and how many keypoints agree. Empty when not verified."
        ),
    )

    class Meta:
        ordering = ["distance", F("first_published_at").asc(nulls_last=True), "id"]
        verbose_name_plural = _("lookup matches")
        constraints = [
            models.CheckConstraint(
                condition=Q(matched_item__isnull=False)
                | Q(shared_hash__isnull=False)
                | ~Q(external_url=""),
                name="lookup_match_has_target",
            ),
            models.UniqueConstraint(
                fields=["job", "matched_item", "query_offset_seconds", "matched_offset_seconds"],
                condition=Q(matched_item__isnull=False),
                name="lookup_match_unique_archive",
            ),
            models.UniqueConstraint(
                fields=["job", "shared_hash"],
                condition=Q(shared_hash__isnull=False),
                name="lookup_match_unique_shared",
            ),
            models.UniqueConstraint(
                fields=["job", "external_url"],
                condition=Q(matched_item__isnull=True, shared_hash__isnull=True),
                name="lookup_match_unique_external",
            ),
        ]

    def __str__(self) -> str:
        target = f"media #{self.matched_item_id}" if self.matched_item_id else self.external_url
        return f"{target} (distance {self.distance})"


class HashList(models.Model):
    """PDQ and vPDQ hashes another newsroom or a hash exchange shared, without their media
    (media.hash_lists reads the ThreatExchange, HMA and Meta tool formats)."""

    name = models.CharField(max_length=200)
    list_format = models.CharField(max_length=20, help_text=_("The text format it came in."))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class SharedHash(models.Model):
    """One hash of a shared list: a picture's PDQ, or one frame of a video's vPDQ (the frames
    of one video share their `signal` number)."""

    class SignalType(models.TextChoices):
        PDQ = "pdq", "PDQ"
        VPDQ = "vpdq", "vPDQ"

    hash_list = models.ForeignKey(HashList, on_delete=models.CASCADE, related_name="hashes")
    signal = models.PositiveIntegerField(help_text=_("The signal's place in its list, from 0."))
    signal_type = models.CharField(max_length=10, choices=SignalType.choices)
    line = models.PositiveIntegerField(help_text=_("Where the signal starts in the file read."))
    pdq_hash = models.BinaryField(max_length=32)
    quality = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    offset_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["hash_list", "signal", "offset_seconds", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quality__isnull=True) | Q(quality__lte=100),
                name="shared_hash_quality_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signal_type} {bytes(self.pdq_hash).hex()[:16]}…"


class ArchiveSearchJob(Job):
    """An archive search a web request asked a worker for (media.services.archive_search): the
    workers hold the archive index, web processes do not. Short-lived: the request reads the
    result and deletes the row; rows a request left behind are purged by beat."""

    query = models.JSONField(
        help_text=_("The query frames: offset_seconds and query_hashes (hexadecimal) each.")
    )
    result = models.JSONField(null=True, blank=True, help_text=_("The matches found."))

    task_name = "media.tasks.search_archive"

    class Meta(Job.Meta):
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Archive search #{self.pk} ({self.status})"

    @classmethod
    def max_attempts(cls) -> int:
        # The request waiting for it gives up within seconds: a second run would answer nobody.
        return 1
