"""End to end: lookups queued through the API run in a real Celery worker process over the real
broker, and a lookup whose worker is killed mid-job is finished by another worker."""

import time
from itertools import chain

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from media import demo_media
from media.models import LookupJob, MediaFrame, MediaJob
from media.services import lookups
from media.services.media import media_item_create
from tests.api.conftest import client_for
from tests.workers import Worker, celery_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FINISHED = (LookupJob.Status.SUCCEEDED, LookupJob.Status.FAILED)


def _worker_env(**extra: str) -> dict[str, str]:
    return {"DJANGO_MEDIA_ROOT": str(django_settings.MEDIA_ROOT), **extra}


def _archive_reference():
    item, _ = media_item_create(
        actor=None,
        file=ContentFile(demo_media.cctv_original(), name="cctv.mp4"),
        in_archive=True,
        publisher_name="CCTV",
    )
    return lookups.media_item_hash(media_item_id=item.pk)


def _wait(job, worker: Worker, until, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if until(job):
            return job
        time.sleep(0.02)
    pytest.fail(f"The job is still {job.status}. Worker log:\n{worker.log}")


def test_a_lookup_requested_through_the_api_runs_in_a_worker():
    reference = _archive_reference()
    with celery_worker(env=_worker_env()) as worker:
        # Uploaded and looked up at once: the lookup waits for the upload's one hashing.
        clip, _ = media_item_create(
            actor=None, file=ContentFile(demo_media.x_clip(), name="clip.mp4")
        )
        response = client_for("fact-checker").post(
            f"/api/v1/media/{clip.pk}/lookups/", {}, format="json"
        )
        assert response.status_code == 202, response.json()
        assert response["Location"] == f"/api/v1/lookups/{response.json()['id']}/"
        job = LookupJob.objects.get(pk=response.json()["id"])
        _wait(job, worker, lambda j: j.status in FINISHED)
    assert job.status == LookupJob.Status.SUCCEEDED, job.error
    body = client_for("fact-checker").get(f"/api/v1/lookups/{job.pk}/").json()
    [match] = body["matches"]
    assert match["matched_item"] == reference.pk
    assert match["source"] == "CCTV"
    offset = match["matched_offset_seconds"] - match["query_offset_seconds"]
    assert abs(offset - demo_media.CLIP_START_SECONDS) <= 1
    assert body["earliest_match"] is None  # the reference has no publication date
    assert body["started_at"] <= body["finished_at"]
    assert clip.jobs.get(kind=MediaJob.Kind.HASH).attempts == 1


def test_a_hashing_whose_worker_is_killed_is_finished_by_another_and_its_lookup_runs():
    reference = _archive_reference()
    # A minute of footage: long enough to hash that the job is caught running.
    minute = demo_media.encode_video(
        chain(demo_media.reference_frames(), demo_media.reference_frames()),
        width=demo_media.WIDTH,
        height=demo_media.HEIGHT,
        crf=30,
    )
    with celery_worker(env=_worker_env()) as first:
        query, _ = media_item_create(actor=None, file=ContentFile(minute, name="minute.mp4"))
        job = lookups.lookup_request(media_item=query, actor=None)
        hashing = query.jobs.get(kind=MediaJob.Kind.HASH)
        _wait(hashing, first, lambda j: j.status != MediaJob.Status.QUEUED)
        first.process.kill()
        first.process.wait()
        hashing.refresh_from_db()
        assert hashing.status == MediaJob.Status.RUNNING, f"finished first:\n{first.log}"
        assert LookupJob.objects.get(pk=job.pk).status == LookupJob.Status.QUEUED
    time.sleep(1.1)
    with (
        celery_worker(env=_worker_env(FACTCHECK_LOOKUP_STALE_SECONDS="1")) as second,
        override_settings(LOOKUP_STALE_SECONDS=1),
    ):
        # What the beat schedule's resume_stale_jobs does every minute.
        assert hashing.pk in lookups.jobs_resume_stale()
        _wait(job, second, lambda j: j.status in FINISHED)
    hashing.refresh_from_db()
    assert (hashing.status, hashing.attempts) == (MediaJob.Status.SUCCEEDED, 2)
    assert job.status == LookupJob.Status.SUCCEEDED, job.error
    assert [m.matched_item_id for m in job.matches.all()] == [reference.pk]
    assert job.finished_at <= timezone.now()


def _frames_ever_inserted() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [MediaFrame._meta.db_table])
        [sequence] = cursor.fetchone()
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
        last_value, is_called = cursor.fetchone()
    return last_value if is_called else 0


def test_an_upload_looked_up_at_once_and_twice_is_hashed_once():
    reference = _archive_reference()
    inserted_before = _frames_ever_inserted()
    checker = client_for("fact-checker")
    with celery_worker(env=_worker_env()) as worker:
        upload = checker.post(
            "/api/v1/media/",
            {"file": ContentFile(demo_media.x_clip(), name="clip.mp4")},
            format="multipart",
        )
        assert upload.status_code == 201, upload.json()
        clip_id = upload.json()["id"]
        assert upload.json()["hashed_at"] is None
        lookup_jobs = []
        for _ in range(2):
            response = checker.post(f"/api/v1/media/{clip_id}/lookups/", {}, format="json")
            assert response.status_code == 202, response.json()
            lookup_jobs.append(LookupJob.objects.get(pk=response.json()["id"]))
        for job in lookup_jobs:
            _wait(job, worker, lambda j: j.status in FINISHED)
    for job in lookup_jobs:
        assert job.status == LookupJob.Status.SUCCEEDED, job.error
        assert [m.matched_item_id for m in job.matches.all()] == [reference.pk]
    hashing = MediaJob.objects.get(media_item_id=clip_id, kind=MediaJob.Kind.HASH)
    assert (hashing.status, hashing.attempts) == (MediaJob.Status.SUCCEEDED, 1)
    # Every frame row ever written for the clip is still there: none hashed twice and dropped.
    kept = MediaJob.objects.get(pk=hashing.pk).media_item.frames.count()
    assert kept > 0
    assert _frames_ever_inserted() - inserted_before == kept
    assert checker.get(f"/api/v1/media/{clip_id}/").json()["hashed_at"] is not None
