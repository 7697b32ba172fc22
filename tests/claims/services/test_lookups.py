import io
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image, ImageDraw, ImageOps

from claims.models import Evidence
from claims.services.evidence import evidence_from_match
from claims.services.workflow import verdict_publish, verdict_submit
from media import demo_media, hashing
from media.models import ArchiveHash, LookupJob, MediaItem, MediaJob
from media.services import lookups
from media.services.media import media_item_create
from media.tasks import hash_media_item, run_lookup
from tests.claims.services.test_workflow import ready_verdict
from tests.factories import ClaimFactory, editor, fact_checker

pytestmark = pytest.mark.django_db


def photo(seed: int, size=(480, 360)) -> Image.Image:
    """A busy synthetic picture: PDQ needs texture (a flat one is refused as low quality)."""
    image = Image.open(io.BytesIO(demo_media.still(seed))).convert("RGB").resize(size)
    draw = ImageDraw.Draw(image)
    for index in range(12):
        x = (index * 37 * seed) % size[0]
        draw.line([(x, 0), (size[0] - x, size[1])], fill=(255, 255, 255), width=3)
    return image


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def stored(data: bytes, name: str, **provenance) -> MediaItem:
    item, _ = media_item_create(actor=None, file=ContentFile(data, name=name), **provenance)
    return lookups.media_item_hash(media_item_id=item.pk)


def with_caption(image: Image.Image) -> Image.Image:
    bar = image.height // 5
    framed = Image.new("RGB", (image.width, image.height + bar), "white")
    framed.paste(image, (0, bar))
    ImageDraw.Draw(framed).text((10, bar // 3), "SHOCKING footage from today", fill="black")
    return framed


def test_an_image_gets_pdq_phash_and_view_hashes():
    frames = hashing.hash_image(io.BytesIO(jpeg(photo(1))))
    assert len(frames) == 1
    frame = frames[0]
    assert len(frame.pdq) == 32
    assert len(frame.phash) == 8
    assert frame.quality >= hashing.MIN_QUALITY
    assert len(frame.query_hashes) % 32 == 0
    assert 1 <= len(frame.query_hashes) // 32 <= 3
    # The archive side holds the crops and the orientations near a tie as well.
    assert len(frame.archive_hashes) // 32 > len(frame.query_hashes) // 32


def test_a_flat_picture_is_not_indexed():
    assert hashing.hash_image(io.BytesIO(jpeg(Image.new("RGB", (300, 200), (0, 0, 0))))) == []
    assert hashing.hash_image(io.BytesIO(jpeg(Image.new("RGB", (300, 200), (90, 140, 30))))) == []


def test_video_keyframes_cover_every_scene_and_every_two_seconds():
    frames = hashing.hash_video(io.BytesIO(demo_media.cctv_original()))
    offsets = [frame.offset_seconds for frame in frames]
    assert offsets == sorted(offsets)
    # Six five-second scenes: a cut at each, and no gap longer than the interval.
    for scene_start in range(0, 30, 5):
        assert any(abs(offset - scene_start) < 0.2 for offset in offsets), offsets
    gaps = [b - a for a, b in pairwise(offsets)]
    assert max(gaps) <= hashing.MAX_KEYFRAME_INTERVAL + 0.11


def test_edited_copies_find_the_archive_original_and_strangers_do_not():
    original = stored(
        jpeg(photo(3)),
        "original.jpg",
        in_archive=True,
        first_published_at=datetime(2015, 11, 9, tzinfo=UTC),
    )
    stored(jpeg(photo(4)), "other.jpg", in_archive=True)
    edits = {
        "caption and mirror": ImageOps.mirror(with_caption(photo(3))),
        "rotated": photo(3).rotate(90, expand=True),
        "grey and small": ImageOps.grayscale(photo(3)).resize((240, 180)).convert("RGB"),
        "cropped": photo(3).crop((48, 36, 432, 324)),
    }
    for name, edited in edits.items():
        query = stored(jpeg(edited, quality=60), f"{name}.jpg")
        matches = lookups.archive_search(list(query.frames.all()), exclude_item_id=query.pk)
        assert [m.media_item_id for m in matches] == [original.pk], name
    unrelated = stored(jpeg(photo(9)), "unrelated.jpg")
    assert lookups.archive_search(list(unrelated.frames.all()), exclude_item_id=unrelated.pk) == []


def test_items_outside_the_archive_are_not_searched_and_join_when_added():
    original = stored(jpeg(photo(5)), "private.jpg")
    query = stored(jpeg(photo(5), quality=50), "copy.jpg")
    assert lookups.archive_search(list(query.frames.all()), exclude_item_id=query.pk) == []
    assert lookups.archive_add(media_items=[original]) == 1
    matches = lookups.archive_search(list(query.frames.all()), exclude_item_id=query.pk)
    assert [m.media_item_id for m in matches] == [original.pk]
    assert matches[0].is_strong


def test_a_clip_matches_the_longer_video_at_its_offset():
    reference = stored(demo_media.cctv_original(), "cctv.mp4", in_archive=True)
    clip = stored(demo_media.x_clip(), "clip.mp4")
    (match,) = lookups.archive_search(list(clip.frames.all()), exclude_item_id=clip.pk)
    assert match.media_item_id == reference.pk
    offset = match.matched_offset_seconds - match.query_offset_seconds
    assert abs(offset - demo_media.CLIP_START_SECONDS) <= lookups.ALIGNMENT_BIN_SECONDS
    assert match.frames_share >= 0.5


def test_a_lookup_stores_matches_once_however_often_it_runs():
    original = stored(
        jpeg(photo(6)),
        "o.jpg",
        in_archive=True,
        first_published_at=datetime(2015, 1, 1, tzinfo=UTC),
    )
    query = stored(jpeg(with_caption(photo(6)), quality=70), "q.jpg")
    job = lookups.lookup_request(media_item=query, actor=None)
    run_lookup(job.pk)
    run_lookup(job.pk)  # finished: a redelivery does nothing
    job.refresh_from_db()
    assert job.status == LookupJob.Status.SUCCEEDED
    assert job.progress == 100
    assert job.attempts == 1
    assert [m.matched_item_id for m in job.matches.all()] == [original.pk]
    assert lookups.earliest_match(job) == job.matches.get()


def test_a_job_left_running_by_a_dead_worker_is_resumed_without_duplicates():
    original = stored(jpeg(photo(7)), "o.jpg", in_archive=True)
    query = stored(jpeg(photo(7), quality=40), "q.jpg")
    job = lookups.lookup_request(media_item=query, actor=None)
    run_lookup(job.pk)
    # As if the worker died after storing matches but before finishing.
    LookupJob.objects.filter(pk=job.pk).update(
        status=LookupJob.Status.RUNNING,
        finished_at=None,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    # A live worker's job is left alone.
    with override_settings(LOOKUP_STALE_SECONDS=10 * 3600):
        run_lookup(job.pk)
        assert LookupJob.objects.get(pk=job.pk).attempts == 1
    assert job.pk in lookups.jobs_resume_stale()
    run_lookup(job.pk)
    job.refresh_from_db()
    assert job.status == LookupJob.Status.SUCCEEDED
    assert job.attempts == 2
    assert [m.matched_item_id for m in job.matches.all()] == [original.pk]


def test_an_undecodable_video_fails_its_lookup_with_the_reason():
    item = stored(demo_media.cctv_original(), "v.mp4")
    broken = demo_media.cctv_original()
    item.file.save("broken.mp4", ContentFile(broken[:2000] + b"\0" * 5000), save=True)
    MediaItem.objects.filter(pk=item.pk).update(hashed_at=None)
    job = lookups.lookup_request(media_item=item, actor=None)
    run_lookup(job.pk)  # waits for the hashing
    assert LookupJob.objects.get(pk=job.pk).status == LookupJob.Status.QUEUED
    hash_media_item(item.jobs.get(kind=MediaJob.Kind.HASH).pk)
    job.refresh_from_db()
    item.refresh_from_db()
    assert job.status == LookupJob.Status.FAILED
    assert "decode" in job.error
    assert item.status == MediaItem.Status.FAILED


def test_leaving_the_archive_removes_the_hashes():
    item = stored(jpeg(photo(8)), "a.jpg", in_archive=True)
    assert ArchiveHash.objects.filter(media_item=item).exists()
    item.in_archive = False
    item.save()
    lookups.archive_sync(media_item=item)
    assert not ArchiveHash.objects.filter(media_item=item).exists()


def test_a_match_becomes_reverse_image_evidence_on_the_claim():
    original = stored(
        jpeg(photo(10)),
        "o.jpg",
        in_archive=True,
        publisher_name="Agency",
        original_url="https://agency.example/photo/1",
        first_published_at=datetime(2015, 11, 9, tzinfo=UTC),
    )
    query = stored(jpeg(photo(10), quality=45), "q.jpg")
    claim = ClaimFactory()
    claim.claim_media.create(media_item=query)
    job = lookups.lookup_request(media_item=query, actor=None)
    run_lookup(job.pk)
    match = job.matches.get()
    evidence = evidence_from_match(match=match, actor=None)
    assert evidence.claim == claim
    assert evidence.kind == Evidence.Kind.REVERSE_IMAGE_MATCH
    assert evidence.url == "https://agency.example/photo/1"
    assert evidence.source_date.isoformat() == "2015-11-09"
    assert evidence.media_item == original
    assert "Agency" in evidence.title
    # Asking again returns the same evidence.
    assert evidence_from_match(match=match, actor=None) == evidence


def test_publishing_a_verdict_puts_the_claims_media_in_the_archive():
    verdict = verdict_submit(verdict=ready_verdict(), actor=fact_checker())
    item = stored(jpeg(photo(11)), "claim.jpg")
    verdict.claim.claim_media.create(media_item=item)
    verdict_publish(verdict=verdict, actor=editor())
    item.refresh_from_db()
    assert item.in_archive
    assert ArchiveHash.objects.filter(media_item=item).exists()
