"""Hashing media into the archive and reverse-image lookups.

Everything here takes ids or locked rows and can run twice: a task redelivered after its worker
died, or a job resumed by `jobs_resume_stale`, ends in the same state as one clean run.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core import events, jobs
from core.exceptions import ApplicationError
from media import hashing
from media.archive_index import archive_index, shared_hash_index
from media.integrations.reverse_image.base import ImageQuery, ProviderError
from media.integrations.reverse_image.registry import configured_providers
from media.models import (
    ArchiveHash,
    LookupJob,
    LookupMatch,
    MediaFrame,
    MediaItem,
    MediaJob,
    SharedHash,
)

# Modules, not their names: verified_lookups imports this one back for archive_search.
from media.services import local_features, verified_lookups

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


def media_item_hash_request(item: MediaItem) -> MediaJob:
    """Have the item hashed by a worker, once: a hashing that is queued, running or done is
    the one every caller shares (a lookup asked for meanwhile waits for it)."""
    job, created = MediaJob.objects.get_or_create(media_item=item, kind=MediaJob.Kind.HASH)
    if created:
        jobs.job_enqueue(job)
    return job


def current_hash_version(kind: str) -> int:
    """The oldest version of media.hashing whose hashes of this kind of item are still what it
    makes: an item hashed by it or a later one would be hashed the same again."""
    return hashing.HASH_VERSION if kind == MediaItem.Kind.VIDEO else hashing.IMAGE_HASH_VERSION


def media_item_hash_job(job: MediaJob) -> None:
    """The work of a hashing job: hash the item, unless it has been hashed meanwhile (by a
    command that hashes in place) as the current hashing would, then send the lookups that
    waited."""
    item = job.media_item
    if item.hashed_at is None or item.hash_version < current_hash_version(item.kind):
        try:
            item = media_item_hash(media_item_id=item.pk, heartbeat=lambda: jobs.job_heartbeat(job))
        except (MediaUnreadable, MediaNotReady) as error:
            raise jobs.PermanentJobError(str(error), code="undecodable") from error
    with transaction.atomic():
        locked = MediaJob.objects.select_for_update().get(pk=job.pk)
        jobs.job_succeed(locked)
        for waiting in LookupJob.objects.filter(media_item=item, status=LookupJob.Status.QUEUED):
            jobs.job_enqueue(waiting)


def media_item_hash_failed(job: MediaJob) -> None:
    """A hashing that failed fails the lookups that waited for it, with its reason."""
    for waiting in LookupJob.objects.select_for_update().filter(
        media_item_id=job.media_item_id, status=LookupJob.Status.QUEUED
    ):
        jobs.job_fail(
            LookupJob,
            waiting.pk,
            code="hashing_failed",
            message=f"The media item could not be hashed: {job.error}",
        )


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
    # In the job, after the hashes: media.hashing (what a web request's image search runs too)
    # stays as fast as it was; this costs a few milliseconds an image or video frame.
    extracted = local_features.frame_features(item, frames)
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
                thumbnail=frame.thumbnail,
                is_cut=frame.is_cut,
                local_features=None if features is None else features.index,
                verification_features=None if features is None else features.verification,
                finer_features=None if features is None else features.finer,
            )
            for frame, features in zip(frames, extracted, strict=True)
        )
        locked.hashed_at = timezone.now()
        locked.hash_version = hashing.HASH_VERSION
        locked.save(update_fields=["hashed_at", "hash_version", "updated_at"])
        archive_sync(media_item=locked)
    return locked


def archive_sync(*, media_item: MediaItem) -> None:
    """Make the item's archive hashes and features match its membership: rows for every frame
    while it is in the archive and hashed, none otherwise. New rows get new ids, which is what
    makes every worker's indexes pick them up."""
    ArchiveHash.objects.filter(media_item=media_item).delete()
    local_features.archive_features_sync(media_item=media_item)
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
            media_item_hash_request(item)
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


def _query_rows(
    frames: list[MediaFrame], hashes_of: Callable[[MediaFrame], list[bytes]]
) -> tuple[np.ndarray | None, list[float]]:
    """The hashes `hashes_of` gives for each frame, one row each, and the offset of the frame
    each row is of; (None, []) when there are none."""
    rows, offsets = [], []
    for frame in frames:
        for pdq in hashes_of(frame):
            rows.append(np.frombuffer(pdq, dtype=np.uint8))
            offsets.append(frame.offset_seconds)
    return (np.stack(rows) if rows else None), offsets


def _reference_hashes(frame: MediaFrame) -> list[bytes]:
    """Lists hold reference hashes of pictures as stored, not our canonical orientations: the
    frame's own reference hash, then its thumbnail turned and mirrored every way."""
    thumbnail = bytes(frame.thumbnail)
    turned = hashing.dihedral_hashes(thumbnail) if thumbnail else []
    return list(dict.fromkeys([bytes(frame.pdq_hash), *turned]))


def archive_search(
    frames: list[MediaFrame], *, exclude_item_id: int | None = None, radius: int | None = None
):
    """Archive items within the suggest distance (or `radius`) of the query's frames, closest
    first.

    A video clip is aligned with each candidate: every matching pair of frames votes for the
    difference of their offsets, and the difference most query frames agree on is where the
    clip sits in the longer video.
    """
    radius = radius or settings.LOOKUP_SUGGEST_DISTANCE
    return archive_searches(frames, (radius,), exclude_item_id=exclude_item_id)[0]


def archive_searches(
    frames: list[MediaFrame], radii: tuple[int, ...], *, exclude_item_id: int | None = None
) -> list[list[ArchiveMatch]]:
    """`archive_search` at each of `radii`, from one scan of the archive index at the largest
    (the scan costs the same whatever the radius: a lookup that searched twice paid twice)."""
    queries, query_offsets = _query_rows(
        frames, lambda frame: hashing.split_hashes(bytes(frame.query_hashes))
    )
    if not query_offsets:
        return [[] for _ in radii]
    hits = archive_index().search(queries, max(radii))
    matched_frames = (
        {
            frame_id: (item_id, offset)
            for frame_id, item_id, offset in MediaFrame.objects.filter(
                pk__in={frame_id for _, frame_id, _ in hits},
                media_item__in_archive=True,
                media_item__status=MediaItem.Status.READY,
            )
            .exclude(media_item_id=exclude_item_id)
            .values_list("id", "media_item_id", "offset_seconds")
        }
        if hits
        else {}
    )
    query_frame_count = len({frame.offset_seconds for frame in frames})
    return [
        _aligned(
            [hit for hit in hits if hit[2] <= radius and hit[1] in matched_frames],
            matched_frames,
            query_offsets,
            query_frame_count,
        )
        for radius in radii
    ]


def alignment_bin(query_offset: float, matched_offset: float) -> int:
    """Where a pair of frames lays the query in the matched item, to ALIGNMENT_BIN_SECONDS."""
    return round((matched_offset - query_offset) / ALIGNMENT_BIN_SECONDS)


def _aligned(
    hits: list[tuple[int, int, int]],
    matched_frames: dict[int, tuple[int, float]],
    query_offsets: list[float],
    query_frame_count: int,
) -> list[ArchiveMatch]:
    """The best match of each item among `hits` (query row, archive frame, distance), aligned
    (see archive_search), closest first."""
    # (item, alignment bin) -> {query offset: (distance, matched offset)}
    votes: dict[tuple[int, float], dict[float, tuple[int, float]]] = defaultdict(dict)
    for row, frame_id, distance in hits:
        item_id, matched_offset = matched_frames[frame_id]
        query_offset = query_offsets[row]
        pairs = votes[(item_id, alignment_bin(query_offset, matched_offset))]
        if query_offset not in pairs or distance < pairs[query_offset][0]:
            pairs[query_offset] = (distance, matched_offset)
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
    """Queue a lookup of an item; it runs in a worker (`lookup_perform`), after the item's
    hashing when that is still to do. A fetched URL merged into the item holding the same
    bytes is looked up as that item."""
    if media_item.status == MediaItem.Status.MERGED:
        media_item = MediaItem.objects.get(pk=media_item.merged_into_id)
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
    if media_item.hashed_at is None:
        media_item_hash_request(media_item)
    jobs.job_enqueue(job)
    return job


def lookup_perform(job: LookupJob) -> None:
    """The work of a lookup job: search, store the matches, record `lookup.succeeded`.

    An archive lookup of an item not hashed yet waits for its hashing (JobDeferred: it is sent
    again when that is done); an engine's retryable error (a 5xx, a rate limit) is transient;
    anything retrying cannot fix fails the job with the reason.
    """
    item = job.media_item
    try:
        if job.provider == LookupJob.Provider.ARCHIVE:
            if not _hashed_or_deferred(job, item):
                return
            jobs.job_heartbeat(job, progress=50)
            matches = _archive_matches(job, item)
        else:
            matches = _provider_matches(job, item)
    except MediaNotReady as error:
        raise jobs.PermanentJobError(str(error), code="media_not_ready") from error
    except ProviderError as error:
        if error.retryable:
            raise jobs.TransientJobError(str(error)) from error
        raise jobs.PermanentJobError(str(error), code="provider_error") from error
    with transaction.atomic():
        locked = LookupJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != LookupJob.Status.RUNNING:
            return
        # A run that died after storing matches left them here: replace, never add to them.
        locked.matches.all().delete()
        LookupMatch.objects.bulk_create(matches)
        jobs.job_succeed(locked, progress=100)
        events.record("lookup.succeeded", job_id=locked.pk, media_item_id=locked.media_item_id)


def _hashed_or_deferred(job: LookupJob, item: MediaItem) -> bool:
    """True when the item is hashed; otherwise the lookup is put back in the queue for its
    item's one hashing to send (False), or fails when that hashing failed.

    Decided under the hashing job's lock, which its end holds too (`media_item_hash_job` sends
    the lookups queued then, `media_item_hash_failed` fails them): a lookup that read `hashed_at`
    just before the hashing committed would otherwise go back to the queue after the hashing
    had sent the waiting lookups, and wait for beat's resume."""
    if item.hashed_at is not None:
        return True
    if item.status != MediaItem.Status.READY:
        raise MediaNotReady(f"Media item #{item.pk} is {item.status}, not ready.")
    with transaction.atomic():
        hashing = MediaJob.objects.select_for_update().get(pk=media_item_hash_request(item).pk)
        item.refresh_from_db(fields=["hashed_at", "status"])
        if item.hashed_at is not None:
            return True
        if hashing.status == MediaJob.Status.FAILED:
            raise jobs.PermanentJobError(
                f"The media item could not be hashed: {hashing.error}", code="hashing_failed"
            )
        # Deferred here rather than by raising JobDeferred: run_job would defer after this
        # lock is gone, when the hashing may already have sent this lookup to another worker.
        jobs.job_defer(job)
        return False


def _archive_matches(job: LookupJob, item: MediaItem) -> list[LookupMatch]:
    # A candidate's stored keypoints are what verification reads; the query's own, 22 KB a frame,
    # are read only for the keyframes its votes use (a long video has hundreds of frames). Its
    # finer keypoints are read (an image's one frame; a video frame has none).
    frames = list(item.frames.defer("verification_features"))
    return _exact_copy(job, item) + _near_copies(job, item, frames) + _shared_copies(job, frames)


def _exact_copy(job: LookupJob, item: MediaItem) -> list[LookupMatch]:
    """Identical bytes are one item: an exact copy of an archive file *is* that archive item,
    which the search leaves out as the query itself. It is said first, not "no matches"."""
    if not (item.in_archive and item.status == MediaItem.Status.READY):
        return []
    return [
        LookupMatch(
            job=job,
            matched_item_id=item.pk,
            is_exact_copy=True,
            distance=0,
            score=1.0,
            is_strong=True,
        )
    ]


def _near_copies(job: LookupJob, item: MediaItem, frames: list[MediaFrame]) -> list[LookupMatch]:
    # Verification re-reads pictures: it runs here, in the lookup job, never while hashing.
    return [
        LookupMatch(
            job=job,
            matched_item_id=found.match.media_item_id,
            distance=found.match.distance,
            score=found.match.frames_share,
            query_offset_seconds=found.match.query_offset_seconds,
            matched_offset_seconds=found.match.matched_offset_seconds,
            is_strong=found.match.is_strong,
            transform=found.transform.as_dict() if found.transform else None,
        )
        for found in verified_lookups.archive_search_verified(item, frames)
    ]


def _shared_copies(job: LookupJob, frames: list[MediaFrame]) -> list[LookupMatch]:
    return [
        LookupMatch(
            job=job,
            shared_hash_id=match.shared_hash_id,
            distance=match.distance,
            score=match.frames_share,
            query_offset_seconds=match.query_offset_seconds,
            matched_offset_seconds=match.matched_offset_seconds,
            is_strong=True,
        )
        for match in shared_search(frames)
    ]


@dataclass(frozen=True)
class SharedMatch:
    """A picture or video of a shared list near the query: its hash nearest a query frame's."""

    shared_hash_id: int
    distance: int
    query_offset_seconds: float
    matched_offset_seconds: float
    frames_share: float


def shared_search(frames: list[MediaFrame]) -> list[SharedMatch]:
    """The pictures and videos of shared hash lists within LOOKUP_STRONG_DISTANCE of the query's
    frames, closest first, each once.

    Only their hashes were shared, so nothing can verify a looser match as the archive's are
    verified: the strong distance (Meta's own PDQ threshold is 31) is the only one trusted.
    Shared hashes of a quality under hashing.MIN_QUALITY (flat pictures, alike whatever they
    show) are never matched, as such frames of ours are never stored.
    """
    index = shared_hash_index()
    if not len(index):
        return []
    queries, query_offsets = _query_rows(frames, _reference_hashes)
    if not query_offsets:
        return []
    hits = index.search(queries, settings.LOOKUP_STRONG_DISTANCE)
    if not hits:
        return []
    shared = {
        row[0]: row[1:]
        for row in SharedHash.objects.filter(pk__in={shared_id for _, shared_id, _ in hits})
        .exclude(quality__lt=hashing.MIN_QUALITY)
        .values_list("id", "hash_list_id", "signal", "offset_seconds")
    }
    # (list, signal) -> {query offset: (distance, shared hash, its offset)}
    pairs: dict[tuple[int, int], dict[float, tuple[int, int, float]]] = defaultdict(dict)
    for row, shared_id, distance in hits:
        if shared_id not in shared:
            continue
        hash_list_id, signal, offset = shared[shared_id]
        found = pairs[(hash_list_id, signal)]
        query_offset = query_offsets[row]
        if query_offset not in found or distance < found[query_offset][0]:
            found[query_offset] = (int(distance), shared_id, offset or 0.0)
    query_frame_count = len({frame.offset_seconds for frame in frames})
    matches = []
    for found in pairs.values():
        query_offset, (distance, shared_id, offset) = min(found.items(), key=lambda p: p[1][0])
        matches.append(
            SharedMatch(
                shared_hash_id=shared_id,
                distance=distance,
                query_offset_seconds=query_offset,
                matched_offset_seconds=offset,
                frames_share=round(len(found) / query_frame_count, 3),
            )
        )
    return sorted(matches, key=lambda m: (m.distance, -m.frames_share, m.shared_hash_id))


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


def jobs_resume_stale() -> list[int]:
    """Send again the lookups, fetches and hashings that lost their message (core.jobs)."""
    return jobs.jobs_resume_stale(MediaJob) + jobs.jobs_resume_stale(LookupJob)


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
