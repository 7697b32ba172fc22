"""Hashing media into the archive and reverse-image lookups.

Everything here takes ids or locked rows and can run twice: a task redelivered after its worker
died, or a job resumed by `lookups_resume_stale`, ends in the same state as one clean run.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core import events
from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from media import hashing
from media.archive_index import archive_index
from media.integrations.reverse_image.base import ImageQuery, ProviderError
from media.integrations.reverse_image.registry import configured_providers
from media.models import ArchiveHash, LookupJob, LookupMatch, MediaFrame, MediaItem

# Matched frames of a video agree on the clip's position when their offset differences fall in
# the same bin of this many seconds.
ALIGNMENT_BIN_SECONDS = 1.0


class MediaNotReady(ApplicationError):
    code = "media_not_ready"
    status_code = 409


class UnreadableImage(ApplicationError):
    code = "unreadable_image"


class ProviderNotConfigured(ApplicationError):
    code = "provider_not_configured"


class MediaUnreadable(Exception):
    """The bytes passed the intake probe but cannot be decoded into frames."""


def media_item_hash_later(item: MediaItem) -> None:
    from media.tasks import hash_media_item

    enqueue_on_commit(hash_media_item, item.pk)


def media_item_hash(
    *, media_item_id: int, heartbeat: Callable[[], None] | None = None
) -> MediaItem:
    """Hash an item's frames (again, replacing what was there) and index them if it is in the
    archive. A file that cannot be decoded marks the item failed with the reason."""
    item = MediaItem.objects.get(pk=media_item_id)
    if item.status != MediaItem.Status.READY:
        raise MediaNotReady(f"Media item #{item.pk} is {item.status}, not ready to hash.")
    try:
        with item.file.open("rb") as stream:
            if item.kind == MediaItem.Kind.VIDEO:
                frames = hashing.hash_video(stream, heartbeat=heartbeat)
            else:
                frames = hashing.hash_image(stream)
    except (OSError, hashing.Undecodable) as error:
        with transaction.atomic():
            locked = MediaItem.objects.select_for_update().get(pk=item.pk)
            locked.status = MediaItem.Status.FAILED
            locked.failure_reason = f"Could not decode the {item.kind}: {error}"[:1000]
            locked.save(update_fields=["status", "failure_reason", "updated_at"])
        raise MediaUnreadable(locked.failure_reason) from error
    with transaction.atomic():
        locked = MediaItem.objects.select_for_update().get(pk=item.pk)
        locked.frames.all().delete()
        MediaFrame.objects.bulk_create(
            MediaFrame(
                media_item=locked,
                offset_seconds=frame.offset_seconds,
                pdq_hash=frame.pdq,
                pdq_quality=frame.quality,
                phash=frame.phash,
                query_hashes=frame.query_hashes,
                archive_hashes=frame.archive_hashes,
            )
            for frame in frames
        )
        locked.hashed_at = timezone.now()
        locked.save(update_fields=["hashed_at", "updated_at"])
        archive_sync(media_item=locked)
    return locked


def archive_sync(*, media_item: MediaItem) -> None:
    """Make the item's archive hashes match its membership: rows for every frame while it is in
    the archive and hashed, none otherwise. New rows get new ids, which is what makes every
    worker's index pick them up."""
    ArchiveHash.objects.filter(media_item=media_item).delete()
    if not (media_item.in_archive and media_item.hashed_at):
        return
    ArchiveHash.objects.bulk_create(
        ArchiveHash(media_item_id=media_item.pk, frame_id=frame_id, pdq_hash=pdq)
        for frame_id, joined in media_item.frames.values_list("id", "archive_hashes")
        for pdq in hashing.split_hashes(bytes(joined))
    )


@transaction.atomic
def archive_add(*, media_items, actor: AbstractBaseUser | None = None) -> int:
    """Put items into the archive (checked claims' media, bulk imports); returns how many
    joined. Items not hashed yet are queued for hashing, which indexes them."""
    joined = 0
    for item in MediaItem.objects.select_for_update().filter(
        pk__in=[item.pk for item in media_items], in_archive=False
    ):
        item.in_archive = True
        item.save(update_fields=["in_archive", "updated_at"])
        if item.hashed_at:
            archive_sync(media_item=item)
        elif item.status == MediaItem.Status.READY:
            media_item_hash_later(item)
        joined += 1
    return joined


@dataclass(frozen=True)
class ArchiveMatch:
    media_item_id: int
    distance: int
    query_offset_seconds: float
    matched_offset_seconds: float
    # Of the query's frames, the share that matched this item at the chosen alignment.
    frames_share: float
    is_strong: bool


def archive_search(frames: list[MediaFrame], *, exclude_item_id: int | None = None):
    """Archive items within the suggest distance of the query's frames, closest first.

    A video clip is aligned with each candidate: every matching pair of frames votes for the
    difference of their offsets, and the difference most query frames agree on is where the
    clip sits in the longer video.
    """
    queries, query_offsets = [], []
    for frame in frames:
        for pdq in hashing.split_hashes(bytes(frame.query_hashes)):
            queries.append(np.frombuffer(pdq, dtype=np.uint8))
            query_offsets.append(frame.offset_seconds)
    if not queries:
        return []
    suggest = settings.LOOKUP_SUGGEST_DISTANCE
    hits = archive_index().search(np.stack(queries), suggest)
    if not hits:
        return []
    matched_frames = {
        frame_id: (item_id, offset)
        for frame_id, item_id, offset in MediaFrame.objects.filter(
            pk__in={frame_id for _, frame_id, _ in hits},
            media_item__in_archive=True,
            media_item__status=MediaItem.Status.READY,
        )
        .exclude(media_item_id=exclude_item_id)
        .values_list("id", "media_item_id", "offset_seconds")
    }
    # (item, alignment bin) -> {query offset: (distance, matched offset)}
    votes: dict[tuple[int, float], dict[float, tuple[int, float]]] = defaultdict(dict)
    for row, frame_id, distance in hits:
        if frame_id not in matched_frames:
            continue
        item_id, matched_offset = matched_frames[frame_id]
        query_offset = query_offsets[row]
        alignment = round((matched_offset - query_offset) / ALIGNMENT_BIN_SECONDS)
        pairs = votes[(item_id, alignment)]
        if query_offset not in pairs or distance < pairs[query_offset][0]:
            pairs[query_offset] = (distance, matched_offset)
    query_frame_count = len({frame.offset_seconds for frame in frames})
    best: dict[int, ArchiveMatch] = {}
    for (item_id, _), pairs in votes.items():
        query_offset, (distance, matched_offset) = min(pairs.items(), key=lambda p: p[1][0])
        candidate = ArchiveMatch(
            media_item_id=item_id,
            distance=int(distance),
            query_offset_seconds=query_offset,
            matched_offset_seconds=matched_offset,
            frames_share=round(len(pairs) / query_frame_count, 3),
            is_strong=distance <= settings.LOOKUP_STRONG_DISTANCE,
        )
        current = best.get(item_id)
        if current is None or (candidate.frames_share, -candidate.distance) > (
            current.frames_share,
            -current.distance,
        ):
            best[item_id] = candidate
    return sorted(best.values(), key=lambda m: (m.distance, -m.frames_share, m.media_item_id))


def image_frames(stream) -> list[hashing.FrameHashes]:
    """The hashes of a picture sent with a request (not stored), to search the archive with.

    The pixel limit of intake (MEDIA_MAX_PIXELS) is checked on the header, before decoding: a
    PNG of a few hundred kilobytes can hold a canvas that takes a web worker's memory, and
    Pillow's own check only refuses twice the limit."""
    try:
        width, height = hashing.image_size(stream)
    except hashing.Undecodable:
        raise UnreadableImage(
            "Not an image this service can read (JPEG, PNG, GIF, WebP)."
        ) from None
    if width * height > settings.MEDIA_MAX_PIXELS:
        raise UnreadableImage(
            f"Image of {width}x{height} pixels is over the limit of "
            f"{settings.MEDIA_MAX_PIXELS} pixels."
        )
    try:
        return hashing.hash_image(stream)
    except hashing.Undecodable:
        raise UnreadableImage(
            "Not an image this service can read (JPEG, PNG, GIF, WebP)."
        ) from None


@transaction.atomic
def lookup_request(
    *, media_item: MediaItem, actor: AbstractBaseUser | None, provider: str = "archive"
) -> LookupJob:
    """Queue a lookup of an item; it runs in a worker (`lookup_run`)."""
    if media_item.status != MediaItem.Status.READY:
        raise MediaNotReady(
            f"Media item #{media_item.pk} is {media_item.status}; only ready media can be "
            "looked up."
        )
    if provider != LookupJob.Provider.ARCHIVE and _provider(provider) is None:
        raise ProviderNotConfigured(
            f"The {LookupJob.Provider(provider).label} engine has no API key configured."
        )
    job = LookupJob.objects.create(media_item=media_item, provider=provider, requested_by=actor)
    from media.tasks import run_lookup

    enqueue_on_commit(run_lookup, job.pk)
    return job


def _claim_job(job_id: int) -> LookupJob | None:
    """Take the job for this run, or None when it is finished or another live worker has it."""
    stale_before = timezone.now() - timedelta(seconds=settings.LOOKUP_STALE_SECONDS)
    with transaction.atomic():
        job = LookupJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (LookupJob.Status.SUCCEEDED, LookupJob.Status.FAILED):
            return None
        if job.status == LookupJob.Status.RUNNING and job.heartbeat_at > stale_before:
            return None
        now = timezone.now()
        job.status = LookupJob.Status.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at"])
        return job


def _beat(job: LookupJob, progress: int | None = None) -> None:
    fields = {"heartbeat_at": timezone.now()}
    if progress is not None:
        fields["progress"] = progress
    LookupJob.objects.filter(pk=job.pk, status=LookupJob.Status.RUNNING).update(**fields)


def lookup_run(*, job_id: int) -> LookupJob | None:
    """Run a queued lookup: hash the item if needed, search, store the matches.

    Transient failures (an engine's 5xx or rate limit, a lost database connection) propagate
    for the task to retry; a failure retrying cannot fix ends the job as failed.
    """
    job = _claim_job(job_id)
    if job is None:
        return None
    item = job.media_item
    try:
        if not item.hashed_at:
            item = media_item_hash(media_item_id=item.pk, heartbeat=lambda: _beat(job))
        _beat(job, progress=50)
        if job.provider == LookupJob.Provider.ARCHIVE:
            matches = _archive_matches(job, item)
        else:
            matches = _provider_matches(job, item)
    except (MediaUnreadable, MediaNotReady) as error:
        return lookup_fail(job_id=job.pk, error=str(error))
    except ProviderError as error:
        if error.retryable:
            raise
        return lookup_fail(job_id=job.pk, error=str(error))
    with transaction.atomic():
        locked = LookupJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != LookupJob.Status.RUNNING:
            return locked
        # A run that died after storing matches left them here: replace, never add to them.
        locked.matches.all().delete()
        LookupMatch.objects.bulk_create(matches)
        locked.status = LookupJob.Status.SUCCEEDED
        locked.progress = 100
        locked.finished_at = timezone.now()
        locked.heartbeat_at = locked.finished_at
        locked.save(update_fields=["status", "progress", "finished_at", "heartbeat_at"])
        events.record("lookup.succeeded", job_id=locked.pk, media_item_id=locked.media_item_id)
    return locked


def lookup_fail(*, job_id: int, error: str) -> LookupJob:
    with transaction.atomic():
        job = LookupJob.objects.select_for_update().get(pk=job_id)
        now = timezone.now()
        job.status = LookupJob.Status.FAILED
        job.error = error[:2000] or "Failed."
        job.started_at = job.started_at or now
        job.finished_at = now
        job.save(update_fields=["status", "error", "started_at", "finished_at"])
    return job


def _archive_matches(job: LookupJob, item: MediaItem) -> list[LookupMatch]:
    found = archive_search(list(item.frames.all()), exclude_item_id=item.pk)
    return [
        LookupMatch(
            job=job,
            matched_item_id=match.media_item_id,
            distance=match.distance,
            score=match.frames_share,
            query_offset_seconds=match.query_offset_seconds,
            matched_offset_seconds=match.matched_offset_seconds,
            is_strong=match.is_strong,
        )
        for match in found
    ]


def _provider(name: str):
    return next((p for p in configured_providers(settings) if p.name == name), None)


def _provider_matches(job: LookupJob, item: MediaItem) -> list[LookupMatch]:
    provider = _provider(job.provider)
    if provider is None:
        raise MediaNotReady(f"The {job.get_provider_display()} engine is not configured.")
    if item.kind == MediaItem.Kind.IMAGE:
        with item.file.open("rb") as stream:
            query = ImageQuery(
                content=stream.read(), mime_type=item.mime_type, url=item.source_url or None
            )
    elif item.source_url:
        query = ImageQuery(url=item.source_url)
    else:
        raise MediaNotReady("External engines search images; this video has no public URL.")
    if not provider.supports(query):
        raise MediaNotReady(f"The {job.get_provider_display()} engine cannot search this item.")
    result = provider.search(query)
    unique = {match.url: match for match in result.matches}
    return [
        LookupMatch(
            job=job,
            external_url=match.url,
            score=match.score,
            first_published_at=match.first_seen_at,
        )
        for match in unique.values()
    ]


def lookups_resume_stale() -> list[int]:
    """Requeue jobs whose worker died: running without a heartbeat for LOOKUP_STALE_SECONDS,
    or queued for that long (a message lost with its broker). Returns the requeued ids."""
    from media.tasks import run_lookup

    stale_before = timezone.now() - timedelta(seconds=settings.LOOKUP_STALE_SECONDS)
    stale = list(
        LookupJob.objects.filter(
            status=LookupJob.Status.RUNNING, heartbeat_at__lt=stale_before
        ).values_list("pk", flat=True)
    ) + list(
        LookupJob.objects.filter(
            status=LookupJob.Status.QUEUED, created_at__lt=stale_before
        ).values_list("pk", flat=True)
    )
    for job_id in stale:
        run_lookup.delay(job_id)
    return stale


def earliest_match(job: LookupJob) -> LookupMatch | None:
    """The match published first: the best lead to the original. Strong matches come before
    suggestions, so a look-alike with an old date does not win over the same picture."""
    dated = [
        (match, match.first_published_at or getattr(match.matched_item, "first_published_at", None))
        for match in job.matches.all()
    ]
    dated = [(match, published) for match, published in dated if published is not None]
    if not dated:
        return None
    return min(dated, key=lambda pair: (not pair[0].is_strong, pair[1]))[0]
