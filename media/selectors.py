"""Reads of media that more than one caller needs."""

from collections.abc import Iterator
from itertools import groupby

from django.db.models import Count, QuerySet

from core.roles import is_newsroom
from media import hash_lists
from media.models import HashList, MediaFrame, MediaItem

EXPORT_BATCH = 2000


def archive_signals(*, media_item_ids: list[int] | None = None) -> Iterator[hash_lists.Signal]:
    """The archive's reference hashes as shared lists carry them: a picture's PDQ, a video's
    frames as one vPDQ signal, in item order. Read in batches: the archive may hold millions
    of frames."""
    frames = (
        MediaFrame.objects.filter(
            media_item__in_archive=True,
            media_item__status=MediaItem.Status.READY,
            media_item__hashed_at__isnull=False,
        )
        .order_by("media_item_id", "offset_seconds")
        .values_list(
            "media_item_id", "media_item__kind", "pdq_hash", "pdq_quality", "offset_seconds"
        )
    )
    if media_item_ids is not None:
        frames = frames.filter(media_item_id__in=media_item_ids)
    for (_, kind), rows in groupby(
        frames.iterator(chunk_size=EXPORT_BATCH), key=lambda row: (row[0], row[1])
    ):
        signal_frames = tuple(
            hash_lists.Frame(bytes(pdq), quality, offset) for _, _, pdq, quality, offset in rows
        )
        if kind == MediaItem.Kind.VIDEO:
            yield hash_lists.Signal(hash_lists.VPDQ, signal_frames)
        else:
            yield hash_lists.Signal(hash_lists.PDQ, signal_frames[:1])


def hash_list_list(*, viewer) -> QuerySet[HashList]:
    """Shared hash lists are newsroom material: nobody else sees them."""
    if not is_newsroom(viewer):
        return HashList.objects.none()
    return HashList.objects.annotate(
        hash_count=Count("hashes"), signal_count=Count("hashes__signal", distinct=True)
    )
