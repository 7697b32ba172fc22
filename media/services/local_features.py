"""Local features of frames: extracted at hashing from the picture verification sees (an
image's file decoded at 480 pixels, a video frame's 320-pixel thumbnail), and stored twice over.

- `MediaFrame.local_features`: the INDEX_KEYPOINTS strongest ORB descriptors, the keypoints
  most likely to be found again in an edited copy. Archive frames' are indexed by every worker
  (media.archive_index.FeatureIndex) and searched by lookups for the candidates no hash finds.
- `MediaFrame.verification_features`: all the picture's keypoints with their positions
  (media.verification.encoded, about 22 KB a frame), so that verifying a candidate reads one
  column instead of decoding its picture and extracting its features again (two thirds of a
  verification's time). Frames hashed before they were stored get them from extract_features;
  until then they are verified from their pictures, with the same result.
- `MediaFrame.finer_features`: the same for a large image decoded at 960 pixels
  (media.verification.FINE_SIDE), what a deep crop of it verifies with, and for a small one
  enlarged to media.verification.SMALL_SIDE; empty for a video frame (its picture is a 320-pixel
  thumbnail) and for an image in between.
"""

import io
import logging
from typing import NamedTuple

import numpy as np
from django.db import transaction
from django.db.models import Q
from PIL import Image

from media import verification
from media.hashing import FrameHashes
from media.models import ArchiveFeatures, MediaFrame, MediaItem

logger = logging.getLogger(__name__)

# Descriptors stored and indexed per frame: 6.4 KB in the database, 8 KB of each worker's
# memory (32 bytes and an 8-byte frame id each). 160 and 250 found about the same candidates in
# bench/media/robust.py's dev set (451 and 456 of 494 queries with their photograph among the
# three most voted).
INDEX_KEYPOINTS = 200
# What Pillow raises on a stored file that went missing or was damaged since intake.
_READ_ERRORS = (OSError, ValueError, Image.DecompressionBombError)


def original_size(item: MediaItem) -> tuple[int, int] | None:
    return (item.width, item.height) if item.width and item.height else None


class StoredFeatures(NamedTuple):
    """A frame's local features as it stores them (see the module); each empty when none."""

    index: bytes
    verification: bytes
    finer: bytes


def picture_features(
    picture: Image.Image | None, fine_picture: Image.Image | None = None
) -> StoredFeatures:
    """The features a frame stores of its picture at feature size and, for the finer ones, of
    `fine_picture`, the same picture decoded at verification.FINE_SIDE."""
    # The item's original size only sets the scale factor, which is not stored (see decoded).
    found = None if picture is None else verification.features(picture)
    finer = None if fine_picture is None else verification.finer_features(fine_picture)
    return StoredFeatures(
        b"" if found is None else verification.strongest(found, INDEX_KEYPOINTS).tobytes(),
        b"" if found is None else verification.encoded(found),
        b"" if finer is None else verification.encoded(finer),
    )


def picture_descriptors(picture: Image.Image | None) -> bytes:
    """The strongest descriptors of a picture at feature size, joined (empty when flat)."""
    if picture is None:
        return b""
    return verification.strongest(verification.features(picture), INDEX_KEYPOINTS).tobytes()


def item_picture(item: MediaItem, side: int = verification.FEATURE_SIDE) -> Image.Image | None:
    """An image item's picture decoded for features at `side`; None when its file cannot be read
    now."""
    try:
        with item.file.open("rb") as stream:
            return verification.open_picture(stream, side)
    except _READ_ERRORS as error:
        logger.warning("media item %s unreadable for local features: %s", item.pk, error)
        return None


def thumbnail_picture(thumbnail: bytes) -> Image.Image | None:
    """A video frame's stored thumbnail; None when there is none or it cannot be decoded."""
    if not thumbnail:
        return None
    try:
        return Image.open(io.BytesIO(thumbnail), formats=("JPEG",)).convert("RGB")
    except _READ_ERRORS:
        return None


def image_features(item: MediaItem, *, finer_only: bool = False) -> StoredFeatures | None:
    """An image item's features (see picture_features), or with `finer_only` its finer ones
    alone (the others empty); None when its file cannot be read now."""
    picture = None
    if not finer_only:
        picture = item_picture(item)
        if picture is None:
            return None
    size = original_size(item)
    if size is not None and verification.SMALL_SIDE <= max(size) < verification.FINE_MIN_SIDE:
        return picture_features(picture)
    fine_picture = item_picture(item, verification.FINE_SIDE)
    if fine_picture is None:
        return None
    return picture_features(picture, fine_picture)


def frame_features(item: MediaItem, frames: list[FrameHashes]) -> list[StoredFeatures | None]:
    """The features of each hashed frame of an item (see picture_features), as hashing stores
    them; None where the picture cannot be read now (extract_features tries again)."""
    if item.kind == MediaItem.Kind.IMAGE:
        found = image_features(item) if frames else None
        return [found for _ in frames]
    return [picture_features(thumbnail_picture(frame.thumbnail)) for frame in frames]


def archive_features_sync(*, media_item: MediaItem) -> None:
    """Make the item's archive features match its membership, as archive_sync does for its
    hashes: a row for every frame with features while it is in the archive and hashed."""
    ArchiveFeatures.objects.filter(media_item=media_item).delete()
    if not (media_item.in_archive and media_item.hashed_at):
        return
    ArchiveFeatures.objects.bulk_create(
        ArchiveFeatures(media_item_id=media_item.pk, frame_id=frame_id, descriptors=descriptors)
        for frame_id, descriptors in media_item.frames.exclude(
            Q(local_features__isnull=True) | Q(local_features=b"")
        ).values_list("id", "local_features")
    )


# The frame columns of local features, each NULL in frames hashed before it was stored.
_FEATURE_COLUMNS = ("local_features", "verification_features", "finer_features")


def _lacking(prefix: str = "") -> Q:
    """Frames (through `prefix`) lacking some kind of local features."""
    return Q(
        *(Q(**{f"{prefix}{column}__isnull": True}) for column in _FEATURE_COLUMNS), _connector=Q.OR
    )


def media_items_features_missing():
    """Hashed items with frames whose local features (any kind) were never extracted, archive
    first."""
    return (
        MediaItem.objects.filter(status=MediaItem.Status.READY, hashed_at__isnull=False)
        .filter(_lacking("frames__"))
        .distinct()
        .order_by("-in_archive", "pk")
    )


def media_item_features_extract(*, media_item_id: int) -> int:
    """Extract the local features (any kind) its frames lack, and index them if the item is in
    the archive; returns how many frames got some. Safe to run again."""
    item = MediaItem.objects.get(pk=media_item_id)
    missing = list(item.frames.filter(_lacking()))
    if not missing:
        return 0
    if item.kind == MediaItem.Kind.IMAGE:
        # Items hashed before finer keypoints were stored lack only those: their others are not
        # extracted again (a decode and an ORB extraction an image; none at all for an image
        # of a size without finer keypoints).
        finer_only = all(
            frame.local_features is not None and frame.verification_features is not None
            for frame in missing
        )
        found = image_features(item, finer_only=finer_only)
        extracted = {frame.pk: found for frame in missing if found is not None}
    else:
        extracted = {
            frame.pk: picture_features(thumbnail_picture(bytes(frame.thumbnail)))
            for frame in missing
        }
    with transaction.atomic():
        locked = MediaItem.objects.select_for_update().get(pk=item.pk)
        # Frames hashed again meanwhile are new rows with their own features: left alone.
        indexed = 0
        for frame_id, stored in extracted.items():
            frame = MediaFrame.objects.filter(pk=frame_id)
            indexed += frame.filter(local_features__isnull=True).update(local_features=stored.index)
            frame.filter(verification_features__isnull=True).update(
                verification_features=stored.verification
            )
            frame.filter(finer_features__isnull=True).update(finer_features=stored.finer)
        # New index rows make every worker's feature index drop and add the item's frames: only
        # when there is something new to index, not for frames that lacked only the keypoints.
        if indexed:
            archive_features_sync(media_item=locked)
    return len(extracted)


def query_descriptors(query: verification.QueryPicture) -> np.ndarray:
    """All descriptors of a query picture and of its mirror image, and those spread over it (an
    overlay's letters take the strongest), and its region's when it has one (see QueryPicture),
    for the feature index: each once, since a keypoint both strongest and spread would vote
    twice."""
    found = [
        query.features(mirrored=mirrored, spread=spread).descriptors
        for mirrored, spread in ((False, False), (True, False), (False, True))
    ]
    if query.region is not None:
        found.append(query_descriptors(query.region_query()))
    present = [descriptors for descriptors in found if descriptors is not None]
    if not present:
        return np.empty((0, verification.DESCRIPTOR_BYTES), np.uint8)
    return np.unique(np.concatenate(present), axis=0)
