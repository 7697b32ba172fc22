"""Data migrations of the media app, run against the real database. Their functions are called
as the migration calls them, with the project's models: migrating the test database back and
forth leaves the worker's later transactional tests a database they cannot restore."""

import importlib

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection

from media.models import MediaFrame, MediaItem
from tests.factories import jpeg_bytes
from tests.media.pictures import photo, stored_turned

pytestmark = pytest.mark.django_db


def _item(kind: str) -> MediaItem:
    item = MediaItem.objects.create(kind=kind, file=ContentFile(b"x", name=f"{kind}.bin"))
    MediaFrame.objects.create(
        media_item=item, offset_seconds=0, pdq_hash=bytes(32), pdq_quality=100, phash=bytes(8)
    )
    return item


def test_frames_of_videos_hashed_before_finer_keypoints_need_none_extracted():
    migration = importlib.import_module("media.migrations.0013_frame_finer_features")
    video, image = _item("video"), _item("image")
    with connection.schema_editor() as schema_editor:
        migration.video_frames_have_none(apps, schema_editor)
    assert bytes(video.frames.get().finer_features) == b""
    assert image.frames.get().finer_features is None


def test_small_images_hashed_before_get_their_keypoints_enlarged_extracted():
    migration = importlib.import_module("media.migrations.0014_small_image_finer_features")
    small, wide, video = _item("image"), _item("image"), _item("video")
    MediaItem.objects.filter(pk__in=[small.pk, video.pk]).update(width=102, height=80)
    MediaItem.objects.filter(pk=wide.pk).update(width=640, height=80)
    MediaFrame.objects.update(finer_features=b"")
    with connection.schema_editor() as schema_editor:
        migration.small_images_lack_finer_features(apps, schema_editor)
    assert small.frames.get().finer_features is None
    assert (
        bytes(wide.frames.get().finer_features) == bytes(video.frames.get().finer_features) == b""
    )


def _image(data: bytes, width: int, height: int) -> MediaItem:
    return MediaItem.objects.create(
        kind="image", file=ContentFile(data, name="photo.jpg"), width=width, height=height
    )


def test_images_their_exif_turns_a_quarter_get_the_size_they_are_displayed_at():
    migration = importlib.import_module("media.migrations.0015_image_sizes_as_displayed")
    turned = _image(stored_turned(photo(width=60)), 60, 40)
    upright = _image(jpeg_bytes((60, 40)), 60, 40)
    missing = _image(stored_turned(photo(width=60)), 60, 40)
    missing.file.delete(save=False)
    with connection.schema_editor() as schema_editor:
        migration.swap_turned_image_sizes(apps, schema_editor)
    sizes = {item.pk: (item.width, item.height) for item in MediaItem.objects.all()}
    assert sizes == {turned.pk: (40, 60), upright.pk: (60, 40), missing.pk: (60, 40)}
    with connection.schema_editor() as schema_editor:
        migration.swap_turned_image_sizes(apps, schema_editor)
    assert MediaItem.objects.get(pk=turned.pk).width == 60
