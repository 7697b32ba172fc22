import io
import struct
import zlib

import pytest
from django.core.files.base import ContentFile

from media import demo_media
from media.models import MediaItem
from media.services.media import (
    MediaTooLarge,
    UnsupportedMedia,
    media_item_create,
    media_item_update,
)
from tests.factories import jpeg_bytes

pytestmark = pytest.mark.django_db


def _stored_files(settings) -> list:
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


def test_image_is_stored_with_its_metadata():
    item, created = media_item_create(
        actor=None, file=ContentFile(jpeg_bytes((320, 200)), name="photo.png"), caption="A photo"
    )

    assert created
    assert (item.kind, item.mime_type, item.width, item.height) == ("image", "image/jpeg", 320, 200)
    assert item.status == MediaItem.Status.READY
    assert item.file.name.endswith(f"{item.sha256}.jpg")  # named by content, not by upload name
    assert item.size_bytes == item.file.size


def test_video_is_stored_with_its_duration():
    item, _ = media_item_create(actor=None, file=ContentFile(demo_media.x_clip(), name="clip.bin"))
    assert (item.kind, item.mime_type) == ("video", "video/mp4")
    assert item.duration_seconds == pytest.approx(12, abs=0.2)
    assert (item.width, item.height) == (640, 420)


def test_identical_bytes_are_the_same_item_and_fill_in_provenance():
    content = jpeg_bytes()
    first, _ = media_item_create(actor=None, file=ContentFile(content, name="a.jpg"))
    second, created = media_item_create(
        actor=None, file=ContentFile(content, name="b.jpg"), publisher_name="CCTV"
    )
    assert not created
    assert second.pk == first.pk
    assert MediaItem.objects.get().publisher_name == "CCTV"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"plain text, not a picture",
        b"\xff\xd8\xff\xe0" + b"\x00" * 40,  # a JPEG header with nothing behind it
        b"%PDF-1.7\n",
    ],
)
def test_unsupported_content_is_refused_and_nothing_is_stored(content, settings):
    with pytest.raises(UnsupportedMedia):
        media_item_create(actor=None, file=ContentFile(content, name="picture.jpg"))
    assert not MediaItem.objects.exists()
    assert _stored_files(settings) == []


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge canvas in its header: what a decompression bomb looks like."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused(settings):
    with pytest.raises(UnsupportedMedia) as error:
        media_item_create(
            actor=None, file=ContentFile(_png_header_only(30000, 30000), name="x.png")
        )
    assert "pixel" in str(error.value).lower() or "decompression" in str(error.value).lower()
    assert _stored_files(settings) == []


def test_oversized_file_is_refused(settings):
    settings.MEDIA_MAX_BYTES = 1000
    with pytest.raises(MediaTooLarge):
        media_item_create(actor=None, file=ContentFile(jpeg_bytes((400, 400)), name="big.jpg"))
    assert not MediaItem.objects.exists()


def test_update_changes_provenance_only():
    item, _ = media_item_create(actor=None, file=ContentFile(jpeg_bytes(), name="a.jpg"))
    updated = media_item_update(media_item=item, actor=None, publisher_name="KCNA", in_archive=True)
    assert (updated.publisher_name, updated.in_archive) == ("KCNA", True)
    with pytest.raises(TypeError):
        media_item_update(media_item=item, actor=None, sha256="0" * 64)


def test_probe_reads_from_any_position():
    stream = io.BytesIO(jpeg_bytes())
    stream.seek(10)
    item, _ = media_item_create(actor=None, file=ContentFile(stream.getvalue(), name="a.jpg"))
    assert item.kind == "image"
