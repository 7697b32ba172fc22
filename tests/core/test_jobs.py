"""The job engine (core.jobs), on lookups and media jobs: every job ends, and nothing runs twice
at once. Each test here is a way a job used to loop for ever or be lost."""

import contextlib
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from core import jobs
from media.models import LookupJob, MediaItem, MediaJob
from media.services import lookups
from media.tasks import fetch_media_item, hash_media_item, run_lookup
from tests.factories import MediaItemFactory

pytestmark = pytest.mark.django_db

Status = LookupJob.Status


@pytest.fixture
def sent(monkeypatch):
    """The ids of the jobs handed to the broker, per task name, as they are sent (the test's
    transaction never commits, so they are sent at once)."""
    messages: list[tuple[str, int]] = []
    monkeypatch.setattr(jobs, "enqueue_on_commit", lambda task, *args: task.delay(*args))
    for task in (run_lookup, hash_media_item, fetch_media_item):
        monkeypatch.setattr(
            task, "delay", lambda job_id, name=task.name: messages.append((name, job_id))
        )
    return messages


def _lookup(**fields) -> LookupJob:
    item = MediaItemFactory(hashed_at=timezone.now())
    return LookupJob.objects.create(media_item=item, **fields)


def test_a_job_killed_with_its_worker_again_and_again_ends_failed():
    """The soft-time-limit loop: a run that never finishes (the worker killed, the time limit
    hit without a chance to say so) was resumed from zero for ever. Every start counts."""
    long_ago = timezone.now() - timedelta(hours=1)
    job = _lookup(status=Status.RUNNING, attempts=LookupJob.max_attempts(), heartbeat_at=long_ago)

    assert jobs.job_claim(LookupJob, job.pk) is None

    job.refresh_from_db()
    assert (job.status, job.error_code) == (Status.FAILED, "too_many_attempts")
    assert job.error.startswith(f"Stopped after {job.attempts} attempts that did not finish")


def test_the_soft_time_limit_fails_the_job_with_its_reason(monkeypatch):
    item = MediaItemFactory()
    hashing = MediaJob.objects.create(media_item=item, kind=MediaJob.Kind.HASH)
    waiting = LookupJob.objects.create(media_item=item)

    def outlives_the_limit(**kwargs):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(lookups, "media_item_hash", outlives_the_limit)
    hash_media_item(hashing.pk)

    hashing.refresh_from_db()
    waiting.refresh_from_db()
    assert (hashing.status, hashing.error_code) == (MediaJob.Status.FAILED, "time_limit")
    # The lookup that waited for it is not left waiting.
    assert (waiting.status, waiting.error_code) == (Status.FAILED, "hashing_failed")
    assert "time limit" in waiting.error


def test_a_transient_error_on_the_last_attempt_fails_the_job(monkeypatch):
    """It used to be retried once more, and again, for ever."""
    job = _lookup()

    def engine_down(job):
        raise jobs.TransientJobError("HTTP 503 from the engine")

    monkeypatch.setattr(lookups, "lookup_perform", engine_down)
    monkeypatch.setattr(LookupJob, "retry_delay", classmethod(lambda cls, n: timedelta(0)))
    for _ in range(LookupJob.max_attempts() + 2):
        with contextlib.suppress(jobs.TransientJobError):
            run_lookup(job.pk)

    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.FAILED, LookupJob.max_attempts())
    assert job.error == (
        f"HTTP 503 from the engine (gave up after {LookupJob.max_attempts()} attempts)"
    )


def test_a_retry_is_not_run_before_it_is_due(monkeypatch):
    job = _lookup()
    runs = []
    monkeypatch.setattr(lookups, "lookup_perform", runs.append)
    LookupJob.objects.filter(pk=job.pk).update(
        status=Status.RETRYING, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )

    run_lookup(job.pk)

    assert runs == []


def test_a_backlog_is_not_sent_again_on_every_tick(sent):
    """'Stale' meant 'queued N seconds ago': a queue longer than that was sent again on every
    beat tick. Now a job not picked up is sent again after stale_after, then twice that..."""
    stale = LookupJob.stale_after()
    job = _lookup(queued_at=timezone.now() - stale * 1.5, sends=1)

    assert lookups.jobs_resume_stale() == [job.pk]
    for _ in range(5):  # beat ticks
        assert lookups.jobs_resume_stale() == []
    assert sent == [("media.tasks.run_lookup", job.pk)]
    job.refresh_from_db()
    assert job.sends == 2


def test_a_fetch_whose_message_was_lost_is_sent_again(sent):
    """A fetch queued while the broker was down, or lost with its worker, stayed pending."""
    item = MediaItem.objects.create(
        status=MediaItem.Status.PENDING, source_url="https://example.org/a.jpg"
    )
    never_sent = MediaJob.objects.create(media_item=item, kind=MediaJob.Kind.FETCH)
    other = MediaItem.objects.create(
        status=MediaItem.Status.PENDING, source_url="https://example.org/b.jpg"
    )
    lost_with_worker = MediaJob.objects.create(
        media_item=other,
        kind=MediaJob.Kind.FETCH,
        status=MediaJob.Status.RUNNING,
        attempts=1,
        started_at=timezone.now() - timedelta(hours=1),
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )

    resent = lookups.jobs_resume_stale()

    assert sorted(resent) == sorted([never_sent.pk, lost_with_worker.pk])
    assert sorted(sent) == sorted(
        [
            ("media.tasks.fetch_media_item", never_sent.pk),
            ("media.tasks.fetch_media_item", other.jobs.get().pk),
        ]
    )


def test_a_job_a_live_worker_holds_is_left_alone(monkeypatch):
    job = _lookup(status=Status.RUNNING, attempts=1, heartbeat_at=timezone.now())
    runs = []
    monkeypatch.setattr(lookups, "lookup_perform", runs.append)

    run_lookup(job.pk)

    assert runs == []
    assert lookups.jobs_resume_stale() == []


def test_an_unexpected_error_fails_the_job_and_is_raised_for_the_log(monkeypatch):
    job = _lookup()

    def bug(job):
        raise KeyError("matched_item")

    monkeypatch.setattr(lookups, "lookup_perform", bug)
    with pytest.raises(KeyError):
        run_lookup(job.pk)

    job.refresh_from_db()
    assert (job.status, job.error_code, job.error) == (
        Status.FAILED,
        "internal_error",
        "KeyError: 'matched_item'",
    )
