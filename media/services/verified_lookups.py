"""Archive lookups in two stages: perceptual-hash candidates, then geometric verification.

Stage one is the hash search every lookup did (media.services.lookups.archive_search), plus the
same search with extra query views: the content regions media.content_region finds (the picture
between blurred or mirrored bands, under a meme's caption block, on a background, turned back
upright). Stage two verifies candidates with local features (media.verification) and records
what was done to the archive picture.

What is kept:
- a hash match within the suggest distance of the query's own hashes, verified or not (a flat
  picture has no keypoints to verify with, and these matches were right before verification);
  the transform is attached when it verifies;
- a match found only through an extra view, or further than the suggest distance (up to
  VERIFY_RADIUS), only when it verifies: a view is a guess at where the picture is, and a guess
  must not add a wrong match.

Local features are not stored: the pictures are read again for the few candidates a lookup
verifies (at most MAX_VERIFIED a lookup), from the item's file for an image (decoded at reduced
size, a JPEG in draft mode) and from the frame's stored 320-pixel thumbnail for a video. Stored
ORB features would cost 16 KB (500 keypoints) for every archived frame in the database, to save
a few milliseconds on each candidate of a lookup; reading again keeps the hot path (hashing) and
the archive's size as they were.
"""

import io
import logging
from dataclasses import dataclass

from PIL import Image

from media import content_region, hashing, verification
from media.models import MediaFrame, MediaItem

# Imported as a module: media.services.lookups calls this one from its lookup job.
from media.services import lookups

logger = logging.getLogger(__name__)

# What Pillow raises on a stored file that went missing or was damaged since intake.
_READ_ERRORS = (OSError, ValueError, Image.DecompressionBombError)
# Candidates verified per lookup, closest first: bounds a lookup's time whatever the archive.
MAX_VERIFIED = 8
# Candidates that must verify to be kept are searched this far: a rotation, a deep crop or a
# photo of a screen leaves the hash 65-90 bits from its original, where unrelated photographs
# also lie (88 and up in bench/media), so only verification can tell them apart. Random hashes
# lie this close about once in a million, which keeps the candidates of a large archive few.
VERIFY_RADIUS = 84
# Pairs of frames tried per video candidate.
PAIRS_TRIED = 3


@dataclass(frozen=True)
class QueryView:
    """Hashes of a content region of a query frame, searched like a frame's own."""

    offset_seconds: float
    query_hashes: bytes


@dataclass(frozen=True)
class VerifiedMatch:
    match: "lookups.ArchiveMatch"
    transform: verification.Transform | None


def _item_picture(item: MediaItem) -> Image.Image | None:
    """An image item's picture at feature size; None when its file cannot be read now."""
    try:
        with item.file.open("rb") as stream:
            return verification.open_picture(stream)
    except _READ_ERRORS as error:
        logger.warning("media item %s unreadable for verification: %s", item.pk, error)
        return None


def _frame_picture(frame: MediaFrame) -> Image.Image | None:
    if not frame.thumbnail:
        return None
    try:
        return Image.open(io.BytesIO(bytes(frame.thumbnail)), formats=("JPEG",)).convert("RGB")
    except _READ_ERRORS:
        return None


class _Pictures:
    """Pictures of frames, read once per lookup."""

    def __init__(self) -> None:
        self._items: dict[int, Image.Image | None] = {}

    def get(self, item: MediaItem, frame: MediaFrame | None) -> Image.Image | None:
        if item.kind == MediaItem.Kind.IMAGE:
            if item.pk not in self._items:
                self._items[item.pk] = _item_picture(item)
            return self._items[item.pk]
        return _frame_picture(frame) if frame is not None else None


def _original_size(item: MediaItem) -> tuple[int, int] | None:
    return (item.width, item.height) if item.width and item.height else None


def query_views(pictures: dict[float, Image.Image]) -> list[QueryView]:
    """The content-region views of each query frame, hashed as queries."""
    views = []
    for offset, picture in pictures.items():
        for view in content_region.content_views(picture):
            hashed = hashing.hash_picture(view, offset, crops=False)
            if hashed is not None:
                views.append(QueryView(offset_seconds=offset, query_hashes=hashed.query_hashes))
    return views


def _frame_near(item_id: int, offset: float) -> MediaFrame | None:
    """The item's keyframe nearest to `offset` (keyframes are at most two seconds apart)."""
    window = MediaFrame.objects.filter(
        media_item_id=item_id, offset_seconds__gte=offset - 2, offset_seconds__lte=offset + 2
    )
    return min(window, key=lambda frame: abs(frame.offset_seconds - offset), default=None)


def archive_search_verified(item: MediaItem) -> list[VerifiedMatch]:
    """The archive matches of an item, verified where its pictures allow (see the module)."""
    frames = list(item.frames.all())
    if not frames:
        return []
    pictures = _Pictures()
    frame_pictures = {
        frame.offset_seconds: picture
        for frame in frames
        if (picture := pictures.get(item, frame)) is not None
    }
    query_pictures = {
        offset: verification.QueryPicture(picture, _original_size(item))
        for offset, picture in frame_pictures.items()
    }
    by_hash = lookups.archive_search(frames, exclude_item_id=item.pk)
    found_ids = {match.media_item_id for match in by_hash}
    # The query's own hashes again, further out, then its views: each item once, closest first.
    to_verify: dict[int, lookups.ArchiveMatch] = {}
    for searched in (frames, query_views(frame_pictures)):
        for match in lookups.archive_search(
            searched, exclude_item_id=item.pk, radius=VERIFY_RADIUS
        ):
            if match.media_item_id not in found_ids:
                current = to_verify.get(match.media_item_id)
                if current is None or match.distance < current.distance:
                    to_verify[match.media_item_id] = match
    by_view = sorted(to_verify.values(), key=lambda match: match.distance)
    candidates = {
        matched.pk: matched
        for matched in MediaItem.objects.filter(
            pk__in=[match.media_item_id for match in [*by_hash, *by_view]]
        )
    }
    verified_count = 0

    def verify(match: lookups.ArchiveMatch) -> verification.Transform | None:
        """The transform of the match's pair of frames; for a video, of the first of a few
        pairs at the match's alignment that verifies (one keyframe may be a blur or a cut)."""
        nonlocal verified_count
        if verified_count >= MAX_VERIFIED:
            return None
        verified_count += 1
        matched_item = candidates[match.media_item_id]
        alignment = match.matched_offset_seconds - match.query_offset_seconds
        nearest = sorted(frame_pictures, key=lambda o: abs(o - match.query_offset_seconds))
        for query_offset in nearest[:PAIRS_TRIED]:
            reference = pictures.get(
                matched_item, _frame_near(matched_item.pk, query_offset + alignment)
            )
            if reference is None:
                continue
            found = verification.verify_query(
                query_pictures[query_offset], reference, _original_size(matched_item)
            )
            if found is not None:
                return found
        return None

    results = [VerifiedMatch(match, verify(match)) for match in by_hash]
    for match in by_view:
        transform = verify(match)
        if transform is not None:
            results.append(VerifiedMatch(match, transform))
    return results
