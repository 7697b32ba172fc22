"""Lookups and the one hashing of their item: a lookup waits for it or reuses it, is never lost
between the two, and an exact copy of an archive file is said to be that archive item."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client

from media import hashing
from media.models import LookupJob, MediaItem, MediaJob
from media.services import lookups
from media.services.media import media_item_create
from media.services.rehashing import media_items_outdated
from media.tasks import hash_media_item, run_lookup
from tests.api.conftest import client_for
from tests.claims.services.test_lookups import jpeg, photo, stored
from tests.factories import fact_checker
from tests.media import videos

pytestmark = pytest.mark.django_db


def _uploaded(data: bytes, **provenance) -> MediaItem:
    item, _ = media_item_create(actor=None, file=ContentFile(data, name="q.jpg"), **provenance)
    return item


def test_a_lookup_that_saw_no_hashes_just_before_the_hashing_ended_is_not_lost():
    original = stored(jpeg(photo(3)), "o.jpg", in_archive=True)
    query = _uploaded(jpeg(photo(3), quality=40))
    job = lookups.lookup_request(media_item=query, actor=None)
    hashing = query.jobs.get(kind=MediaJob.Kind.HASH)
    # The lookup is claimed and reads its item before the hashing commits; the hashing then
    # sends the lookups queued at its end, which this running one is not.
    claimed = lookups.jobs.job_claim(LookupJob, job.pk)
    assert claimed.media_item.hashed_at is None
    hash_media_item(hashing.pk)
    lookups.lookup_perform(claimed)
    job.refresh_from_db()
    assert job.status == LookupJob.Status.SUCCEEDED, job.error
    assert [m.matched_item_id for m in job.matches.all()] == [original.pk]
    hashing.refresh_from_db()
    assert (hashing.status, hashing.attempts) == (MediaJob.Status.SUCCEEDED, 1)


def test_lookups_asked_before_the_hashing_share_it():
    query = _uploaded(jpeg(photo(4)))
    first = lookups.lookup_request(media_item=query, actor=None)
    second = lookups.lookup_request(media_item=query, actor=None)
    run_lookup(first.pk)
    run_lookup(second.pk)
    assert set(LookupJob.objects.values_list("status", flat=True)) == {LookupJob.Status.QUEUED}
    [hashing] = query.jobs.filter(kind=MediaJob.Kind.HASH)
    hash_media_item(hashing.pk)
    hash_media_item(hashing.pk)  # a redelivery hashes nothing again
    hashing.refresh_from_db()
    assert (hashing.status, hashing.attempts) == (MediaJob.Status.SUCCEEDED, 1)
    for job in (first, second):
        run_lookup(job.pk)
        job.refresh_from_db()
        assert job.status == LookupJob.Status.SUCCEEDED, job.error


def test_a_lookup_of_an_item_whose_hashing_failed_fails_instead_of_waiting_for_ever():
    query = _uploaded(jpeg(photo(5)))
    hashing = lookups.media_item_hash_request(query)
    lookups.jobs.job_fail(
        MediaJob, hashing.pk, code="time_limit", message="Stopped by the time limit."
    )
    job = lookups.lookup_request(media_item=query, actor=None)
    run_lookup(job.pk)
    job.refresh_from_db()
    assert job.status == LookupJob.Status.FAILED
    assert job.error_code == "hashing_failed"
    assert "time limit" in job.error


def test_an_exact_copy_of_an_archive_file_is_that_archive_item():
    data = jpeg(photo(6))
    original = stored(data, "o.jpg", in_archive=True, publisher_name="AFP")
    copy = _uploaded(data)
    assert copy.pk == original.pk
    job = lookups.lookup_request(media_item=copy, actor=None)
    run_lookup(job.pk)
    job.refresh_from_db()
    assert job.status == LookupJob.Status.SUCCEEDED, job.error
    [match] = job.matches.all()
    assert (match.matched_item_id, match.is_exact_copy, match.distance, match.is_strong) == (
        original.pk,
        True,
        0,
        True,
    )
    body = client_for("fact-checker").get(f"/api/v1/lookups/{job.pk}/").json()
    assert body["exact_copy_of"] == original.pk
    assert body["matches"][0]["is_exact_copy"] is True
    assert body["matches"][0]["source"] == "AFP"
    desk = Client()
    desk.force_login(fact_checker())
    page = desk.get(f"/desk/lookups/{job.pk}/").content.decode()
    assert f"this file is archive item #{original.pk}" in page


def test_a_near_copy_is_not_an_exact_one():
    original = stored(jpeg(photo(7)), "o.jpg", in_archive=True)
    query = stored(jpeg(photo(7), quality=40), "q.jpg")
    job = lookups.lookup_request(media_item=query, actor=None)
    run_lookup(job.pk)
    [match] = LookupJob.objects.get(pk=job.pk).matches.all()
    assert (match.matched_item_id, match.is_exact_copy) == (original.pk, False)
    body = client_for("fact-checker").get(f"/api/v1/lookups/{job.pk}/").json()
    assert body["exact_copy_of"] is None


def test_a_fetched_url_merged_into_an_archive_item_is_looked_up_as_that_item():
    data = jpeg(photo(8))
    original = stored(data, "o.jpg", in_archive=True)
    merged = MediaItem.objects.create(
        status=MediaItem.Status.MERGED,
        merged_into=original,
        source_url="https://example.org/repost.jpg",
    )
    response = client_for("fact-checker").post(f"/api/v1/media/{merged.pk}/lookups/", {}, "json")
    assert response.status_code == 202, response.json()
    assert response.json()["media_item"] == original.pk
    run_lookup(response.json()["id"])
    body = client_for("fact-checker").get(f"/api/v1/lookups/{response.json()['id']}/").json()
    assert body["exact_copy_of"] == original.pk


def test_the_media_api_says_when_an_item_is_hashed_and_searchable():
    checker = client_for("fact-checker")
    item = _uploaded(jpeg(photo(9)), in_archive=True)
    body = checker.get(f"/api/v1/media/{item.pk}/").json()
    assert (body["hashed_at"], body["searchable"]) == (None, False)
    hash_media_item(item.jobs.get(kind=MediaJob.Kind.HASH).pk)
    body = checker.get(f"/api/v1/media/{item.pk}/").json()
    assert body["hashed_at"] is not None
    assert body["searchable"] is True
    outside = stored(jpeg(photo(10)), "x.jpg")
    body = checker.get(f"/api/v1/media/{outside.pk}/").json()
    assert body["hashed_at"] is not None
    assert body["searchable"] is False


def test_media_hashed_by_an_older_version_is_hashed_again_in_the_background():
    original = stored(jpeg(photo(11)), "o.jpg", in_archive=True)
    hashing_job = original.jobs.get(kind=MediaJob.Kind.HASH)
    hash_media_item(hashing_job.pk)  # hashed in place already: the job only succeeds
    [frame] = original.frames.all()
    reference = bytes(frame.pdq_hash)
    # As a version-1 hashing left it: a hash of a shrunk copy.
    MediaItem.objects.filter(pk=original.pk).update(hash_version=1)
    original.frames.update(pdq_hash=bytes(32))
    out = io.StringIO()
    call_command("rehash_media", "--dry-run", stdout=out)
    assert out.getvalue().startswith("1 items")
    call_command("rehash_media", stdout=out)
    call_command("rehash_media", stdout=out)  # queued already: nothing more
    hashing_job.refresh_from_db()
    assert (hashing_job.status, hashing_job.attempts, hashing_job.sends) == (
        MediaJob.Status.QUEUED,
        0,
        2,
    )
    # Meanwhile the old hashes are still searched.
    query = stored(jpeg(photo(11), quality=40), "q.jpg")
    job = lookups.lookup_request(media_item=query, actor=None)
    run_lookup(job.pk)
    assert [m.matched_item_id for m in job.matches.all()] == [original.pk]
    hash_media_item(hashing_job.pk)
    original.refresh_from_db()
    assert original.hash_version == hashing.HASH_VERSION
    assert bytes(original.frames.get().pdq_hash) == reference
    assert media_items_outdated().count() == 0


def test_only_what_a_newer_hashing_would_hash_differently_is_hashed_again():
    """Version 4 changed how a video's cuts are found and nothing of an image's hashes: hashing
    every image of an archive again would have cost hours for the same hashes."""
    image = stored(jpeg(photo(12)), "image.jpg", in_archive=True)
    clip = stored(videos.encode(videos.cut(videos.reference_frames(), 0, 3)), "clip.mp4")
    MediaItem.objects.filter(pk__in=[image.pk, clip.pk]).update(
        hash_version=hashing.IMAGE_HASH_VERSION
    )
    assert hashing.IMAGE_HASH_VERSION < hashing.HASH_VERSION
    assert list(media_items_outdated()) == [clip]
    MediaItem.objects.filter(pk=image.pk).update(hash_version=hashing.IMAGE_HASH_VERSION - 1)
    assert list(media_items_outdated()) == [image, clip]


def test_a_hashing_job_sent_again_leaves_an_image_that_is_hashed_as_it_would_be_now():
    """rehash_media leaves images hashed since IMAGE_HASH_VERSION alone; a hashing job of one
    that runs again (a redelivery, a request made again) must not replace its frames either."""
    image = stored(jpeg(photo(13)), "image.jpg", in_archive=True)
    MediaItem.objects.filter(pk=image.pk).update(hash_version=hashing.IMAGE_HASH_VERSION)
    frame_ids = list(image.frames.values_list("pk", flat=True))
    hashing_job = image.jobs.get(kind=MediaJob.Kind.HASH)
    hash_media_item(hashing_job.pk)
    assert list(image.frames.values_list("pk", flat=True)) == frame_ids
    hashing_job.refresh_from_db()
    assert hashing_job.status == MediaJob.Status.SUCCEEDED
