import hashlib
import mimetypes
from dataclasses import dataclass
from datetime import datetime
from typing import IO

import av
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import File
from django.db import IntegrityError, transaction
from PIL import Image

from claims.exceptions import ApplicationError
from claims.models import MediaItem
from claims.services.common import apply_changes, save_validated, touch_claim

# Formats are sniffed from the bytes; the file name and any Content-Type header are not trusted.
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
VIDEO_CONTAINERS = {
    "mov,mp4,m4a,3gp,3g2,mj2": "video/mp4",
    "matroska,webm": "video/webm",
    "avi": "video/x-msvideo",
    "mpegts": "video/mp2t",
}


class UnsupportedMedia(ApplicationError):
    code = "unsupported_media"


class MediaTooLarge(ApplicationError):
    code = "media_too_large"
    status_code = 413


@dataclass(frozen=True)
class MediaProbe:
    kind: str
    mime_type: str
    width: int
    height: int
    duration_seconds: float | None


def _probe_image(stream: IO[bytes]) -> MediaProbe | None:
    stream.seek(0)
    try:
        with Image.open(stream) as image:
            image_format, size = image.format, image.size
            image.verify()
    except Image.DecompressionBombError as error:
        raise UnsupportedMedia(f"Image refused: {error}") from error
    except Exception:
        return None
    if image_format not in IMAGE_FORMATS:
        return None
    if size[0] * size[1] > Image.MAX_IMAGE_PIXELS:
        raise UnsupportedMedia(f"Image of {size[0]}x{size[1]} pixels is over the pixel limit.")
    return MediaProbe("image", IMAGE_FORMATS[image_format], size[0], size[1], None)


def _probe_video(stream: IO[bytes]) -> MediaProbe | None:
    stream.seek(0)
    try:
        with av.open(stream, mode="r") as container:
            mime_type = VIDEO_CONTAINERS.get(container.format.name)
            if mime_type is None or not container.streams.video:
                return None
            video = container.streams.video[0]
            duration = None
            if container.duration is not None:
                duration = container.duration / av.time_base
            elif video.duration is not None and video.time_base is not None:
                duration = float(video.duration * video.time_base)
            return MediaProbe("video", mime_type, video.width, video.height, duration)
    except av.error.FFmpegError:
        return None


def media_probe(stream: IO[bytes]) -> MediaProbe:
    """Tell an image from a video by decoding its header; raise UnsupportedMedia otherwise."""
    probe = _probe_image(stream) or _probe_video(stream)
    if probe is None:
        raise UnsupportedMedia("Not a supported image (JPEG, PNG, GIF, WebP) or video (MP4, WebM).")
    return probe


def _sha256(stream: IO[bytes]) -> tuple[str, int]:
    stream.seek(0)
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
        if size > settings.MEDIA_MAX_BYTES:
            raise MediaTooLarge(f"Media over {settings.MEDIA_MAX_BYTES} bytes are refused.")
    return digest.hexdigest(), size


@transaction.atomic
def media_item_create(
    *,
    actor: AbstractBaseUser | None,
    file: File,
    first_published_at: datetime | None = None,
    publisher_name: str = "",
    original_url: str = "",
    caption: str = "",
    in_archive: bool = False,
) -> tuple[MediaItem, bool]:
    """Store an uploaded image or video; returns (item, created).

    Identical bytes are the same item: a second upload returns the existing one, and fills in
    provenance it lacked. Raises UnsupportedMedia or MediaTooLarge, storing nothing, for a file
    that is not a supported image or video or is over the size limit.
    """
    sha256, size = _sha256(file)
    existing = MediaItem.objects.select_for_update().filter(sha256=sha256).first()
    if existing is not None:
        _fill_provenance(
            existing,
            actor=actor,
            first_published_at=first_published_at,
            publisher_name=publisher_name,
            original_url=original_url,
            caption=caption,
            in_archive=in_archive,
        )
        return existing, False
    probe = media_probe(file)
    file.seek(0)
    item = MediaItem(
        kind=probe.kind,
        status=MediaItem.Status.READY,
        sha256=sha256,
        mime_type=probe.mime_type,
        size_bytes=size,
        width=probe.width,
        height=probe.height,
        duration_seconds=probe.duration_seconds,
        first_published_at=first_published_at,
        publisher_name=publisher_name,
        original_url=original_url,
        caption=caption,
        in_archive=in_archive,
        created_by=actor,
    )
    item.file.save(f"{sha256}{mimetypes.guess_extension(probe.mime_type) or ''}", file, save=False)
    try:
        with transaction.atomic():
            save_validated(item, actor=actor)
    except IntegrityError:
        # Another upload of the same bytes won the race: theirs is the item.
        item.file.delete(save=False)
        return MediaItem.objects.get(sha256=sha256), False
    except Exception:
        item.file.delete(save=False)
        raise
    return item, True


def _fill_provenance(item: MediaItem, *, actor: AbstractBaseUser | None, **provenance) -> None:
    changed = False
    for field, value in provenance.items():
        if value and not getattr(item, field):
            setattr(item, field, value)
            changed = True
    if changed:
        save_validated(item, actor=actor)


MEDIA_ITEM_CHANGEABLE_FIELDS = frozenset(
    {"first_published_at", "publisher_name", "original_url", "caption", "in_archive"}
)


@transaction.atomic
def media_item_update(
    *, media_item: MediaItem, actor: AbstractBaseUser | None, **changes
) -> MediaItem:
    """Change a media item's provenance and archive membership; its bytes never change."""
    locked = MediaItem.objects.select_for_update().get(pk=media_item.pk)
    apply_changes(locked, changes, MEDIA_ITEM_CHANGEABLE_FIELDS)
    save_validated(locked, actor=actor)
    # The claims that carry it show its provenance: their ETags must move too.
    for claim_id in locked.claim_media.values_list("claim_id", flat=True):
        touch_claim(claim_id)
    return locked
