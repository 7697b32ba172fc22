"""Hashing again what an older version of media.hashing hashed (`HASH_VERSION`), in the background.

The old hashes stay searchable until each item's new ones replace them in one transaction
(`media_item_hash`): nothing goes missing from lookups while the archive is hashed again.
"""

from django.db import transaction
from django.db.models import Q

from core import jobs
from media.models import MediaItem, MediaJob
from media.services.lookups import current_hash_version, media_item_hash_request


def media_items_outdated():
    """Ready items whose frames an older hashing made, and would make differently now, archive
    first (what lookups search)."""
    return MediaItem.objects.filter(
        Q(kind=MediaItem.Kind.IMAGE, hash_version__lt=current_hash_version(MediaItem.Kind.IMAGE))
        | Q(kind=MediaItem.Kind.VIDEO, hash_version__lt=current_hash_version(MediaItem.Kind.VIDEO)),
        status=MediaItem.Status.READY,
        hashed_at__isnull=False,
    ).order_by("-in_archive", "pk")


def media_items_rehash_request(*, limit: int | None = None) -> int:
    """Queue the hashing again of up to `limit` outdated items on the hash queue; returns how
    many were queued. An item whose hashing is queued or running already is left to it, so
    running this twice queues nothing twice."""
    queued = 0
    item_ids = list(media_items_outdated().values_list("pk", flat=True)[:limit])
    for item_id in item_ids:
        with transaction.atomic():
            item = MediaItem.objects.get(pk=item_id)
            job = MediaJob.objects.select_for_update().get(pk=media_item_hash_request(item).pk)
            if job.status not in (MediaJob.Status.SUCCEEDED, MediaJob.Status.FAILED):
                continue
            job.status = MediaJob.Status.QUEUED
            job.attempts = 0
            job.error_code = job.error = ""
            job.started_at = job.heartbeat_at = job.finished_at = job.next_attempt_at = None
            job.save(
                update_fields=[
                    "status",
                    "attempts",
                    "error_code",
                    "error",
                    "started_at",
                    "heartbeat_at",
                    "finished_at",
                    "next_attempt_at",
                ]
            )
            jobs.job_enqueue(job)
            queued += 1
    return queued
