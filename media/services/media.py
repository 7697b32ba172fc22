"""Intake of images and videos: uploads, stored at once, and URLs, fetched by a worker.

The bytes decide everything: the kind and format are sniffed from them (a file name or a
Content-Type header is not trusted), identical bytes (sha256) are one item, and nothing is
stored that the probe has not decoded within the limits in settings (MEDIA_MAX_*).
"""

import hashlib
import mimetypes
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import IO

import av
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import File
from django.db import IntegrityError, connection, transaction
from PIL import Image

from core import events, jobs, safe_http
from core.exceptions import ApplicationError
from core.services.common import apply_changes, save_validated
from media import hashing
from media.ffmpeg_input import open_input
from media.models import MediaItem, MediaJob
from media.services.lookups import archive_add, archive_sync, image_frames, media_item_hash_request

# Formats are sniffed from the bytes; the file name and any Content-Type header are not trusted.
# MPO is how Pillow names a camera's JPEG that carries extra pictures: still a JPEG.
IMAGE_FORMATS = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}
# Pillow's decoders tried on the bytes (a JPEG with extra pictures comes out as MPO); no others.
PILLOW_DECODERS = ["JPEG", "PNG", "GIF", "WEBP"]
# By FFmpeg's demuxer name; media.ffmpeg_input lets no other demuxer read anything.
VIDEO_CONTAINERS = {
    "mov,mp4,m4a,3gp,3g2,mj2": "video/mp4",
    "matroska,webm": "video/webm",
    "avi": "video/x-msvideo",
    "mpegts": "video/mp2t",
}
SUPPORTED = "a supported image (JPEG, PNG, GIF, WebP) or video (MP4, WebM)"
FETCH_ACCEPT = "image/*, video/*;q=0.9, */*;q=0.1"
# First key of the two-key advisory locks on a file's bytes (the second is a hash of its sha256).
BYTES_LOCK_NAMESPACE = 0x3ED1
# Answers worth asking again for later: the server is busy, or failing for now.
TRANSIENT_STATUSES = frozenset({408, 425, 429})


class UnsupportedMedia(ApplicationError):
    code = "unsupported_media"
    status_code = 415


class MediaTooLarge(ApplicationError):
    code = "media_too_large"
    status_code = 413


class MediaFetchRefused(ApplicationError):
    """The URL answered with something that asking again will not change (a 404, a redirect
    loop)."""

    code = "media_fetch_refused"


class MediaFetchTimedOut(ApplicationError):
    """A fetch made for a web request was not done within WEB_FETCH_TIMEOUT_SECONDS."""

    code = "fetch_timed_out"
    status_code = 504


class MediaFetchBusy(ApplicationError):
    """This web process is already running as many fetches as WEB_FETCHES_PER_PROCESS."""

    code = "fetch_busy"
    status_code = 503


class MediaFetchInterrupted(Exception):
    """The fetch failed in a way that may pass: a timeout, a refused connection, a name that
    did not resolve, a 5xx or 429 answer."""


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
        with Image.open(stream, formats=PILLOW_DECODERS) as image:
            image_format, (width, height) = image.format, image.size
            # A PNG's EXIF may follow its pixels, which Pillow decodes to reach it: not here.
            in_header = image.format != "PNG" or "exif" in image.info
            turned = in_header and hashing.exif_orientation(image) in hashing.QUARTER_TURNS
    except Image.DecompressionBombError as error:
        raise UnsupportedMedia(f"Image refused: {error}") from error
    except Exception:  # Pillow's decoders raise all sorts of errors on bytes that are not theirs
        return None
    if image_format not in IMAGE_FORMATS:
        return None
    # Our limit, read per call: Pillow's own (set from the same setting when the app starts)
    # is process-wide, and only a backstop here.
    if width * height > settings.MEDIA_MAX_PIXELS:
        raise UnsupportedMedia(
            f"Image of {width}x{height} pixels is over the limit of "
            f"{settings.MEDIA_MAX_PIXELS} pixels."
        )
    try:
        _decode_image(stream, width=width, height=height)
    except Exception as error:
        raise UnsupportedMedia(
            f"The {IMAGE_FORMATS[image_format]} image is corrupt or truncated: {error}"
        ) from error
    # The size as displayed, which is what hashing, verification and the desk show: a phone's
    # portrait photo is often stored landscape with an orientation that turns it upright.
    if turned:
        width, height = height, width
    return MediaProbe("image", IMAGE_FORMATS[image_format], width, height, None)


def _decode_image(stream: IO[bytes], *, width: int, height: int) -> None:
    """Read far enough to notice a corrupt or truncated file, as cheaply as the format allows:
    the header alone proves nothing. PNG: `verify` checks every chunk's checksum to the end
    of the file without making pixels. JPEG: decoded at 1/8 scale, which reads all the data
    but makes a 64th of the pixels (a third of the time of a full decode). GIF, WebP: the
    first frame."""
    stream.seek(0)
    with Image.open(stream, formats=PILLOW_DECODERS) as image:
        image.verify()
        if image.format == "PNG":
            return
    stream.seek(0)
    with Image.open(stream, formats=PILLOW_DECODERS) as image:
        image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
        image.load()


def _check_video_limits(width: int, height: int, duration: float | None) -> None:
    long_side, short_side = max(width, height), min(width, height)
    max_long = max(settings.MEDIA_MAX_VIDEO_WIDTH, settings.MEDIA_MAX_VIDEO_HEIGHT)
    max_short = min(settings.MEDIA_MAX_VIDEO_WIDTH, settings.MEDIA_MAX_VIDEO_HEIGHT)
    if long_side > max_long or short_side > max_short:
        raise UnsupportedMedia(
            f"Video of {width}x{height} pixels is over the limit of {max_long}x{max_short}."
        )
    if duration is not None and duration > settings.MEDIA_MAX_VIDEO_SECONDS:
        raise UnsupportedMedia(
            f"Video of {duration:.0f} seconds is over the limit of "
            f"{settings.MEDIA_MAX_VIDEO_SECONDS} seconds."
        )


def _probe_video(stream: IO[bytes]) -> MediaProbe | None:
    stream.seek(0)
    try:
        container = open_input(stream)
    except Exception:  # FFmpeg's demuxers, like Pillow's decoders, on bytes that are not theirs
        return None
    with container:
        mime_type = VIDEO_CONTAINERS.get(container.format.name)
        if mime_type is None or not container.streams.video:
            return None
        video = container.streams.video[0]
        duration = None
        if container.duration is not None:
            duration = container.duration / av.time_base
        elif video.duration is not None and video.time_base is not None:
            duration = float(video.duration * video.time_base)
        if duration is not None and not duration >= 0:  # negative or NaN
            raise UnsupportedMedia("The video's header gives no valid duration: it is damaged.")
        # A container that does not say how long it is stays unchecked here: the size cap
        # bounds it, and hashing decodes keyframes only.
        _check_video_limits(video.width, video.height, duration)
        # The header alone proves nothing: a truncated or damaged file often has a good one.
        try:
            frame = next(container.decode(video), None)
        except Exception as error:
            raise UnsupportedMedia(f"The video is corrupt or truncated: {error}") from error
        if frame is None:
            raise UnsupportedMedia("The video has no frame that can be decoded.")
        _check_video_limits(frame.width, frame.height, duration)
        width, height = frame.width, frame.height
        # As displayed, as for images: a phone stores its portrait video sideways.
        if hashing.quarter_turns(frame.rotation) % 2:
            width, height = height, width
        return MediaProbe("video", mime_type, width, height, duration)


def media_probe(stream: IO[bytes]) -> MediaProbe:
    """Tell an image from a video by decoding its header and a first picture; raise
    UnsupportedMedia for anything else, or for a file that is corrupt, truncated or over the
    pixel, resolution or duration limits."""
    probe = _probe_image(stream) or _probe_video(stream)
    if probe is None:
        raise UnsupportedMedia(f"Not {SUPPORTED}, or too damaged to tell.")
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


def _lock_bytes(sha256: str) -> None:
    """Hold the lock on these bytes until the transaction ends: two uploads of one file (or an
    upload and a fetch) at the same instant take turns, and the second finds the first's item
    instead of failing the uniqueness check on it. Row locks cannot do this: until the first
    commits there is no row to lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [BYTES_LOCK_NAMESPACE, sha256]
        )


def _store_file(item: MediaItem, file: IO[bytes], *, probe: MediaProbe) -> None:
    """Give `item` the probed file, named by its content; the caller saves the item."""
    item.kind = probe.kind
    item.mime_type = probe.mime_type
    item.width, item.height = probe.width, probe.height
    item.duration_seconds = probe.duration_seconds
    file.seek(0)
    name = f"{item.sha256}{mimetypes.guess_extension(probe.mime_type) or ''}"
    item.file.save(name, file if isinstance(file, File) else File(file), save=False)


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
    source_url: str = "",
    queue_hashing: bool = True,
) -> tuple[MediaItem, bool]:
    """Store an uploaded image or video; returns (item, created).

    Identical bytes are the same item: a second upload returns the existing one, and fills in
    provenance it lacked (joining the archive if asked). Raises UnsupportedMedia or
    MediaTooLarge, storing nothing, for a file that is not a supported image or video or is
    over a limit. A new item's hashing is queued for after the commit, unless the caller hashes
    it itself (`queue_hashing=False`, e.g. the archive import).
    """
    provenance = {
        "first_published_at": first_published_at,
        "publisher_name": publisher_name,
        "original_url": original_url,
        "caption": caption,
        "source_url": source_url,
        "in_archive": in_archive,
    }
    sha256, size = _sha256(file)
    _lock_bytes(sha256)
    existing = MediaItem.objects.select_for_update().filter(sha256=sha256).first()
    if existing is not None:
        _fill_provenance(existing, actor=actor, **provenance)
        return existing, False
    probe = media_probe(file)
    item = MediaItem(
        status=MediaItem.Status.READY,
        sha256=sha256,
        size_bytes=size,
        created_by=actor,
        **provenance,
    )
    _store_file(item, file, probe=probe)
    try:
        with transaction.atomic():
            save_validated(item, actor=actor)
    except IntegrityError:
        # Another upload of the same bytes won the race: theirs is the item.
        item.file.delete(save=False)
        existing = MediaItem.objects.select_for_update().get(sha256=sha256)
        _fill_provenance(existing, actor=actor, **provenance)
        return existing, False
    except Exception:
        item.file.delete(save=False)
        raise
    if queue_hashing:
        media_item_hash_request(item)
    return item, True


def _fill_provenance(
    item: MediaItem, *, actor: AbstractBaseUser | None, in_archive: bool = False, **provenance
) -> None:
    changed = False
    for field, value in provenance.items():
        if value and not getattr(item, field):
            setattr(item, field, value)
            changed = True
    if changed:
        save_validated(item, actor=actor)
    if in_archive and not item.in_archive:
        # Through the archive's service: an item already hashed is indexed there and then.
        archive_add(media_items=[item], actor=actor)
        item.refresh_from_db()


def media_download(url: str, sink: IO[bytes], *, deadline: float | None = None) -> None:
    """GET `url` through the guard into `sink`, done by `deadline` (a `time.monotonic()` value)
    if given. Raises UnsafeUrl (a refused address, at the start or after a redirect),
    MediaTooLarge, MediaFetchRefused, MediaFetchTimedOut (the deadline passed) or
    MediaFetchInterrupted."""
    try:
        response = safe_http.request(
            "GET",
            url,
            timeout=safe_http.Timeout(
                connect=settings.MEDIA_FETCH_CONNECT_TIMEOUT_SECONDS,
                read=settings.MEDIA_FETCH_READ_TIMEOUT_SECONDS,
            ),
            max_bytes=settings.MEDIA_MAX_BYTES,
            max_redirects=safe_http.MAX_REDIRECTS,
            headers={"Accept": FETCH_ACCEPT},
            allow_loopback=settings.MEDIA_FETCH_ALLOW_LOOPBACK,
            sink=sink,
            deadline=deadline,
        )
    except safe_http.DeadlineExceeded:
        raise MediaFetchTimedOut(
            f"The image was not fetched within {settings.WEB_FETCH_TIMEOUT_SECONDS:g} seconds."
        ) from None
    except safe_http.ResponseTooLarge:
        raise MediaTooLarge(
            f"The answer is over the limit of {settings.MEDIA_MAX_BYTES} bytes."
        ) from None
    except safe_http.RequestRefused as error:  # too many redirects, a certificate invalid
        raise MediaFetchRefused(str(error)) from None
    except safe_http.RequestFailed as error:
        raise MediaFetchInterrupted(f"Could not fetch the URL: {error}") from None
    if response.status == 200:
        return
    message = f"The server answered HTTP {response.status}."
    if response.status in TRANSIENT_STATUSES or response.status >= 500:
        raise MediaFetchInterrupted(message)
    raise MediaFetchRefused(message)


class _FetchSlots:
    """How many fetches for web requests this process is running. A web worker waiting on a
    slow server serves nobody else: the count is capped, and a request over the cap is
    answered at once (MediaFetchBusy) rather than queued."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0

    @contextmanager
    def take(self) -> Iterator[None]:
        with self._lock:
            if self._running >= settings.WEB_FETCHES_PER_PROCESS:
                raise MediaFetchBusy("Too many images are being fetched; retry in a moment.")
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1


_web_fetches = _FetchSlots()


def image_frames_from_url(url: str) -> list:
    """The hashes of the picture at `url`, fetched through the guard and not stored: for
    searching the archive with an image a caller points at, while the caller waits. The fetch
    is done within WEB_FETCH_TIMEOUT_SECONDS, redirects included, or is MediaFetchTimedOut; a
    process runs at most WEB_FETCHES_PER_PROCESS of them at once (MediaFetchBusy). Raises an
    ApplicationError (UnsafeUrl, MediaTooLarge, MediaFetchRefused, UnreadableImage, or those
    two) saying what went wrong."""
    safe_http.check_url_form(url, allow_loopback=settings.MEDIA_FETCH_ALLOW_LOOPBACK)
    with (
        _web_fetches.take(),
        tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as sink,
    ):
        deadline = time.monotonic() + settings.WEB_FETCH_TIMEOUT_SECONDS
        try:
            media_download(url, sink, deadline=deadline)
        except MediaFetchInterrupted as error:
            raise MediaFetchRefused(str(error)) from None
        sink.seek(0)
        return image_frames(sink)


@transaction.atomic
def media_item_request_url(
    *,
    actor: AbstractBaseUser | None,
    url: str,
    first_published_at: datetime | None = None,
    publisher_name: str = "",
    original_url: str = "",
    caption: str = "",
    in_archive: bool = False,
) -> MediaItem:
    """Record a URL to take media from, as a pending item, and queue its fetch job
    (`media_item_fetch`, in a worker) for after the commit.

    Raises UnsafeUrl for a URL refused on its face (not http or https, credentials in it, a
    loopback name or a non-public address literal) and ValidationError for one the model
    refuses. Names are checked when the worker resolves them, at every redirect.
    """
    safe_http.check_url_form(url, allow_loopback=settings.MEDIA_FETCH_ALLOW_LOOPBACK)
    item = MediaItem(
        status=MediaItem.Status.PENDING,
        source_url=url,
        first_published_at=first_published_at,
        publisher_name=publisher_name,
        original_url=original_url,
        caption=caption,
        in_archive=in_archive,
        created_by=actor,
    )
    save_validated(item, actor=actor)
    jobs.job_enqueue(MediaJob.objects.create(media_item=item, kind=MediaJob.Kind.FETCH))
    return item


def media_item_fetch(job: MediaJob) -> None:
    """The work of a fetch job: fetch the pending item's URL and keep what it holds.

    The item becomes ready (its hashing queued), or merged into the item that already holds
    the same bytes (which gains the provenance it lacked). A failure that may pass (a timeout,
    a refused connection, a 5xx or 429) is transient: the job retries it, and the last one's
    reason fails the item (`media_item_fetch_failed`). Anything else fails job and item at once
    with the reason: an address refused, too many redirects, a bad certificate, an answer too
    large, not media, corrupt, over a limit. An item no longer pending is left as it is.
    """
    item = job.media_item
    if item.status == MediaItem.Status.PENDING:
        with tempfile.TemporaryFile() as spool:
            try:
                media_download(item.source_url, spool)
                sha256, size = _sha256(spool)
                probe = media_probe(spool)
            except MediaFetchInterrupted as error:
                raise jobs.TransientJobError(str(error)) from error
            except safe_http.UnsafeUrl as error:
                raise jobs.PermanentJobError(f"Refused: {error}", code="refused") from error
            except ApplicationError as error:
                raise jobs.PermanentJobError(error.message, code=error.code) from error
            _keep_fetched(item.pk, spool, sha256=sha256, size=size, probe=probe)
    with transaction.atomic():
        jobs.job_succeed(MediaJob.objects.select_for_update().get(pk=job.pk))


def media_item_fetch_failed(job: MediaJob) -> None:
    """A fetch job that failed fails its item with the reason (in the same transaction)."""
    media_item_fetch_fail(media_item_id=job.media_item_id, reason=job.error)


@transaction.atomic
def _keep_fetched(
    media_item_id: int, spool: IO[bytes], *, sha256: str, size: int, probe: MediaProbe
) -> MediaItem:
    item = MediaItem.objects.select_for_update().get(pk=media_item_id)
    if item.status != MediaItem.Status.PENDING:  # another run got here first
        return item
    _lock_bytes(sha256)
    existing = MediaItem.objects.select_for_update().filter(sha256=sha256).first()
    if existing is None:
        item.status = MediaItem.Status.READY
        item.sha256, item.size_bytes = sha256, size
        _store_file(item, spool, probe=probe)
        try:
            with transaction.atomic():
                save_validated(item, actor=None)
        except IntegrityError:
            # An upload of the same bytes committed meanwhile: merge into it below.
            item.file.delete(save=False)
            item.refresh_from_db()
            existing = MediaItem.objects.select_for_update().get(sha256=sha256)
        except Exception:
            item.file.delete(save=False)
            raise
        else:
            media_item_hash_request(item)
            return item
    _fill_provenance(
        existing,
        actor=item.created_by,
        first_published_at=item.first_published_at,
        publisher_name=item.publisher_name,
        original_url=item.original_url,
        caption=item.caption,
        source_url=item.source_url,
        in_archive=item.in_archive,
    )
    item.status = MediaItem.Status.MERGED
    item.merged_into = existing
    save_validated(item, actor=None)
    return item


@transaction.atomic
def media_item_fetch_fail(*, media_item_id: int, reason: str) -> MediaItem:
    """End a pending fetch as failed with `reason`; an item no longer pending is left alone."""
    item = MediaItem.objects.select_for_update().get(pk=media_item_id)
    if item.status == MediaItem.Status.PENDING:
        item.status = MediaItem.Status.FAILED
        item.failure_reason = reason[:2000] or "Failed."
        save_validated(item, actor=None)
    return item


def media_item_create_from_url(
    *, actor: AbstractBaseUser | None, url: str, **fields
) -> tuple[MediaItem, bool]:
    """Fetch `url` here and now and store it as `media_item_create` stores an upload, with `url`
    as its source; for batch work that reports as it goes (the archive import), where the API
    queues a fetch instead. Raises what `media_item_create` raises, and UnsafeUrl,
    MediaFetchRefused or MediaFetchInterrupted."""
    with tempfile.TemporaryFile() as spool:
        media_download(url, spool)
        return media_item_create(actor=actor, file=File(spool), source_url=url, **fields)


MEDIA_ITEM_CHANGEABLE_FIELDS = frozenset(
    {"first_published_at", "publisher_name", "original_url", "caption", "in_archive"}
)


@transaction.atomic
def media_item_update(
    *, media_item: MediaItem, actor: AbstractBaseUser | None, **changes
) -> MediaItem:
    """Change a media item's provenance and archive membership; its bytes never change."""
    locked = MediaItem.objects.select_for_update().get(pk=media_item.pk)
    was_in_archive = locked.in_archive
    apply_changes(locked, changes, MEDIA_ITEM_CHANGEABLE_FIELDS)
    save_validated(locked, actor=actor)
    if locked.in_archive != was_in_archive:
        archive_sync(media_item=locked)
        if locked.in_archive and not locked.hashed_at:
            media_item_hash_request(locked)
    # Whatever shows its provenance (the claims that carry it) must learn it changed.
    events.record("media_item.changed", media_item_id=locked.pk)
    return locked
