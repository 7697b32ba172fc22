"""Data migrations of the media app, run against the real database."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("media", "0012_frame_is_cut")]
AFTER = [("media", "0013_frame_finer_features")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_frames_of_videos_hashed_before_finer_keypoints_need_none_extracted():
    apps = _migrate(BEFORE)
    MediaItem = apps.get_model("media", "MediaItem")
    MediaFrame = apps.get_model("media", "MediaFrame")
    frames = {}
    for kind in ("image", "video"):
        item = MediaItem.objects.create(kind=kind, file=f"{kind}.bin", sha256=kind * 8)
        frames[kind] = MediaFrame.objects.create(
            media_item=item, offset_seconds=0, pdq_hash=bytes(32), pdq_quality=100, phash=bytes(8)
        ).pk
    try:
        apps = _migrate(AFTER)
        MediaFrame = apps.get_model("media", "MediaFrame")
        assert bytes(MediaFrame.objects.get(pk=frames["video"]).finer_features) == b""
        assert MediaFrame.objects.get(pk=frames["image"]).finer_features is None
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
