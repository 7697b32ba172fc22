"""Import jobs: queued from a file or a URL, run in batches, failed clearly, resumed exactly."""

import gc
import json
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from claims.models import Claim, RatingScale, Verdict
from core.exceptions import ApplicationError, InvalidTransition
from core.safe_http import UnsafeUrl
from imports import records as records_module
from imports.models import ImportJob
from imports.services import (
    EmptySource,
    ImportRunning,
    NoRatingScale,
    SourceTooLarge,
    UnsupportedSource,
    import_job_create,
    import_job_perform,
    import_job_resume,
    import_job_run,
    import_jobs_resume_stale,
)
from imports.tasks import run_import_job
from tests.factories import editor
from tests.imports.conftest import Route
from tests.imports.factories import claim_review, data_feed, feed_bytes, feed_item, page

pytestmark = pytest.mark.usefixtures("scale")


def file_job(data: bytes, **kwargs) -> ImportJob:
    return import_job_create(
        requested_by=kwargs.pop("requested_by", None),
        file=ContentFile(data, name="upload.json"),
        file_name="feed.json",
        **kwargs,
    )


def killed_with_its_worker(job: ImportJob) -> None:
    """What a job looks like once its worker is gone: running, its heartbeat stopped."""
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(days=1))


def stopped_after_its_first_batch(job: ImportJob) -> None:
    """Run `job` until its first batch is committed, then stop as a killed worker does."""

    def die(job):
        raise SystemExit("worker killed")

    with pytest.raises(SystemExit):
        import_job_run(job_id=job.pk, on_progress=die)


def summary(job: ImportJob) -> tuple:
    job.refresh_from_db()
    return (
        job.status,
        job.records_total,
        job.records_done,
        job.created_count,
        job.updated_count,
        job.unchanged_count,
        job.rejected_count,
    )


def test_a_feed_file_is_imported_in_batches_with_progress():
    job = file_job(feed_bytes(7))
    seen = []

    import_job_run(job_id=job.pk, on_progress=lambda j: seen.append((j.records_done, j.progress)))

    assert summary(job) == ("succeeded", 7, 7, 7, 0, 0, 0)
    assert seen == [(3, 42), (6, 85), (7, 100)]
    assert (job.format, job.attempts, job.error) == ("data_feed", 1, "")
    assert job.started_at <= job.heartbeat_at <= job.finished_at
    assert Verdict.objects.count() == 7


def test_rejected_records_are_reported_with_index_location_and_reason():
    elements = [
        feed_item(claim_review(1, context=False)),
        feed_item(claim_review(2, context=False, url="ftp://checks.example.com/2")),
        {"@type": "DataFeedItem"},
        feed_item(claim_review(4, context=False, claimReviewed=" ")),
        feed_item(claim_review(1, context=False)),
    ]
    job = file_job(json.dumps(data_feed(elements)).encode())

    import_job_run(job_id=job.pk)

    assert summary(job) == ("succeeded", 5, 5, 1, 0, 0, 4)
    assert job.rejected_by_code == {
        "duplicate_review_url": 1,
        "invalid_url": 1,
        "missing_claim_reviewed": 1,
        "not_a_claim_review": 1,
    }
    assert list(job.rejects.values_list("index", "location", "review_url", "code")) == [
        (1, "$.dataFeedElement[1].item", "", "invalid_url"),
        (2, "$.dataFeedElement[2]", "", "not_a_claim_review"),
        (
            3,
            "$.dataFeedElement[3].item",
            "https://checks.example.com/fact-check/4",
            "missing_claim_reviewed",
        ),
        (
            4,
            "$.dataFeedElement[4].item",
            "https://checks.example.com/fact-check/1",
            "duplicate_review_url",
        ),
    ]
    assert job.rejects.get(index=3).message == "The review has no claimReviewed."


def test_importing_a_source_again_creates_nothing():
    import_job_run(job_id=file_job(feed_bytes(5)).pk)
    changed = json.loads(feed_bytes(6))
    changed["dataFeedElement"][0]["item"]["reviewRating"]["alternateName"] = "Mostly true"
    second = file_job(json.dumps(changed).encode())

    import_job_run(job_id=second.pk)

    assert summary(second) == ("succeeded", 6, 6, 1, 1, 4, 0)
    assert (Claim.objects.count(), Verdict.objects.count()) == (6, 6)


def test_running_a_finished_job_again_does_nothing():
    job = file_job(feed_bytes(4))
    import_job_run(job_id=job.pk)
    before = summary(job)

    import_job_run(job_id=job.pk)
    assert summary(job) == before
    assert job.attempts == 1


def test_a_job_that_died_after_a_batch_resumes_from_there():
    job = file_job(feed_bytes(8))

    def die(job):
        raise SystemExit("worker killed")

    with pytest.raises(SystemExit):
        import_job_run(job_id=job.pk, on_progress=die)
    assert summary(job) == ("running", 8, 3, 3, 0, 0, 0)
    import_job_run(job_id=job.pk)  # still alive, as far as anyone can tell: left alone
    assert summary(job) == ("running", 8, 3, 3, 0, 0, 0)
    killed_with_its_worker(job)

    import_job_run(job_id=job.pk)

    assert summary(job) == ("succeeded", 8, 8, 8, 0, 0, 0)
    assert job.attempts == 2
    assert Verdict.objects.count() == 8


def test_a_resumed_job_still_rejects_a_copy_of_a_review_saved_before_it_stopped():
    """Validation runs ahead of saving, from the first record whatever the resume point."""
    elements = [feed_item(claim_review(n, context=False)) for n in range(1, 8)]
    elements.append(feed_item(claim_review(2, context=False)))
    job = file_job(json.dumps(data_feed(elements)).encode())

    stopped_after_its_first_batch(job)
    killed_with_its_worker(job)
    import_job_run(job_id=job.pk)

    assert summary(job) == ("succeeded", 8, 8, 7, 0, 0, 1)
    assert list(job.rejects.values_list("index", "code")) == [(7, "duplicate_review_url")]


@pytest.mark.parametrize("outcome", ["succeeds", "stops"])
def test_an_import_leaves_garbage_collection_as_it_found_it(outcome):
    job = file_job(feed_bytes(8))

    if outcome == "stops":
        stopped_after_its_first_batch(job)
    else:
        import_job_run(job_id=job.pk)

    assert gc.get_freeze_count() == 0


def test_a_batch_cut_short_is_rolled_back_whole_and_done_again(settings):
    settings.IMPORTS_RETRY_BASE_SECONDS = 0
    job = file_job(feed_bytes(8))
    real = records_module.claim_reviews_save
    calls = []

    def fail_second(records, *, context):
        calls.append(len(records))
        outcome = real(records, context=context)  # written, then lost with the batch
        if len(calls) == 2:
            raise ConnectionError("database went away")
        return outcome

    with mock.patch("imports.services.claim_reviews_save", fail_second):
        import_job_run(job_id=job.pk)
    assert summary(job) == ("retrying", 8, 3, 3, 0, 0, 0)
    assert Verdict.objects.count() == 3

    import_job_run(job_id=job.pk)

    assert summary(job) == ("succeeded", 8, 8, 8, 0, 0, 0)
    assert Verdict.objects.count() == 8


def test_a_job_another_runner_holds_is_left_alone():
    job = file_job(feed_bytes(3))
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", attempts=1, heartbeat_at=timezone.now()
    )

    import_job_run(job_id=job.pk)
    with pytest.raises(ImportRunning):
        import_job_resume(job=job)

    assert summary(job) == ("running", None, 0, 0, 0, 0, 0)


def test_resume_queues_a_failed_job_and_refuses_a_finished_one(django_capture_on_commit_callbacks):
    job = file_job(b'{"broken": ')
    import_job_run(job_id=job.pk)
    assert (summary(job)[0], job.error_code) == ("failed", "invalid_json")

    with django_capture_on_commit_callbacks() as callbacks:
        resumed = import_job_resume(job=job)

    assert (resumed.status, resumed.error, resumed.error_code, resumed.finished_at) == (
        "queued",
        "",
        "",
        None,
    )
    assert len(callbacks) == 1
    done = file_job(feed_bytes(1))
    import_job_run(job_id=done.pk)
    with pytest.raises(InvalidTransition):
        import_job_resume(job=done)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'{"claimReviewed": ', "invalid_json"),
        (b'[{"@type": "WebSite"}]', "no_claim_reviews"),
        (b"<html><body><p>No markup</p></body></html>", "no_claim_reviews"),
    ],
)
def test_a_source_that_cannot_be_read_fails_the_job(data, code):
    job = file_job(data)

    import_job_run(job_id=job.pk)

    assert summary(job) == ("failed", None, 0, 0, 0, 0, 0)
    assert job.error_code == code
    assert job.error
    assert job.finished_at >= job.started_at


def test_a_file_over_the_limit_fails_the_job(settings):
    job = file_job(feed_bytes(3))
    settings.IMPORTS_MAX_BYTES = 100

    import_job_run(job_id=job.pk)

    assert (summary(job)[0], job.error_code) == ("failed", "too_large")


def test_without_our_scale_a_job_fails_clearly():
    job = file_job(feed_bytes(1))
    RatingScale.objects.update(name="Renamed")

    import_job_run(job_id=job.pk)

    assert (summary(job)[0], job.error_code) == ("failed", "no_rating_scale")
    assert "Newsroom scale" in job.error


# Creating jobs: what is refused at once


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", EmptySource),
        (b"  \n ", EmptySource),
        (b"\x89PNG\r\n\x1a\n", UnsupportedSource),
        (b"url,claim\n", UnsupportedSource),
    ],
)
def test_a_file_that_cannot_be_a_source_is_refused(data, error):
    with pytest.raises(error):
        file_job(data)

    assert not ImportJob.objects.exists()


def test_a_file_over_the_limit_is_refused(settings):
    settings.IMPORTS_MAX_BYTES = 10

    with pytest.raises(SourceTooLarge):
        file_job(b'{"@type": "ClaimReview"}')


def test_a_file_or_a_url_but_not_both():
    with pytest.raises(ApplicationError):
        import_job_create(requested_by=None)
    with pytest.raises(ApplicationError):
        import_job_create(
            requested_by=None, file=ContentFile(b"{}", name="x"), url="https://example.org/"
        )


@pytest.mark.parametrize(
    "url", ["ftp://example.org/feed", "example.org/feed", "https://", "http://exa mple.org/"]
)
def test_a_url_that_is_not_http_is_refused(url):
    with pytest.raises(ValidationError):
        import_job_create(requested_by=None, url=url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/feed",
        "http://localhost/feed",
        "http://10.1.2.3/feed",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/feed",
    ],
)
def test_a_url_that_is_plainly_not_public_is_refused(url):
    with pytest.raises(UnsafeUrl):
        import_job_create(requested_by=None, url=url)


def test_a_job_needs_our_scale(db):
    RatingScale.objects.update(name="Renamed")

    with pytest.raises(NoRatingScale):
        file_job(feed_bytes(1))


def test_a_job_is_queued_once_the_transaction_commits(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(run_import_job, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = file_job(feed_bytes(1), requested_by=editor())

    delay.assert_called_once_with(job.pk)
    assert (job.status, job.source_kind, job.file_name) == ("queued", "file", "feed.json")
    assert job.file.name.endswith(".json")


# Fetching pages and feeds


def test_a_page_url_is_fetched_and_read_as_a_crawler_would(source_server, fake_dns):
    fake_dns["checks.example.com"] = "127.0.0.1"
    url = f"http://checks.example.com:{source_server.port}/fact-check/1"
    review = claim_review(1, url=None, claimReviewed="Prix: 10 €")
    # The page says UTF-8 but is not; the server's header tells the truth.
    body = page(review).decode().encode("cp1252")
    source_server.routes["/fact-check/1"] = Route(
        body=body, headers={"Content-Type": "text/html; charset=windows-1252"}
    )
    job = import_job_create(requested_by=None, url=url)

    import_job_run(job_id=job.pk)

    assert summary(job) == ("succeeded", 1, 1, 1, 0, 0, 0)
    assert (job.format, job.final_url) == ("html_page", url)
    verdict = Verdict.objects.select_related("claim", "publisher").get()
    # No url in the markup: the review is the page itself.
    assert verdict.review_url == url
    assert verdict.publisher.site == "checks.example.com"
    assert verdict.claim.text == "Prix: 10 €"
    [(_, headers)] = source_server.requests
    assert "application/ld+json" in headers["Accept"]


def test_a_redirected_feed_url_is_fetched_once_and_kept(source_server):
    source_server.routes["/feed"] = Route(status=301, headers={"Location": "/feed.json"})
    source_server.routes["/feed.json"] = Route(
        body=feed_bytes(5), headers={"Content-Type": "application/json"}
    )
    job = import_job_create(requested_by=None, url=source_server.url("/feed"))

    stopped_after_its_first_batch(job)
    killed_with_its_worker(job)
    import_job_run(job_id=job.pk)

    assert summary(job) == ("succeeded", 5, 5, 5, 0, 0, 0)
    assert (job.format, job.final_url) == ("data_feed", source_server.url("/feed.json"))
    # The resumed run read the stored copy, not the feed again.
    assert [path for path, _ in source_server.requests] == ["/feed", "/feed.json"]
    with job.file.open("rb") as stored:
        assert stored.read() == feed_bytes(5)


def test_a_missing_page_fails_the_job(source_server):
    job = import_job_create(requested_by=None, url=source_server.url("/gone"))

    import_job_run(job_id=job.pk)

    assert (summary(job)[0], job.error_code) == ("failed", "fetch_failed")
    assert job.error == f"{source_server.url('/gone')} answered HTTP 404."


def test_a_server_error_waits_to_be_retried(source_server):
    source_server.routes["/feed"] = Route(status=503)
    job = import_job_create(requested_by=None, url=source_server.url("/feed"))

    import_job_run(job_id=job.pk)

    assert summary(job)[0] == "retrying"
    assert job.next_attempt_at > timezone.now()
    assert job.error == f"{source_server.url('/feed')} answered HTTP 503."


def test_a_feed_over_the_limit_fails_the_job(source_server, settings):
    source_server.routes["/feed"] = Route(body=feed_bytes(50))
    job = import_job_create(requested_by=None, url=source_server.url("/feed"))
    settings.IMPORTS_MAX_BYTES = 1000

    import_job_run(job_id=job.pk)

    assert (summary(job)[0], job.error_code) == ("failed", "too_large")


def test_a_name_that_resolves_to_a_private_address_is_not_fetched(fake_dns):
    fake_dns["feed.example.org"] = "10.0.0.5"
    job = import_job_create(requested_by=None, url="http://feed.example.org/feed.json")

    import_job_run(job_id=job.pk)

    assert (summary(job)[0], job.error_code) == ("failed", "unsafe_url")
    assert "10.0.0.5" in job.error


def test_a_redirect_to_a_private_address_is_not_followed(source_server):
    source_server.routes["/feed"] = Route(
        status=302, headers={"Location": "http://169.254.169.254/latest"}
    )
    job = import_job_create(requested_by=None, url=source_server.url("/feed"))

    import_job_run(job_id=job.pk)

    assert (summary(job)[0], job.error_code) == ("failed", "unsafe_url")


# The task


def test_the_task_retries_a_failing_fetch_then_gives_up(source_server, settings):
    settings.IMPORTS_RETRY_BASE_SECONDS = 0  # run here, a retry runs at once
    source_server.routes["/feed"] = Route(status=502)
    job = import_job_create(requested_by=None, url=source_server.url("/feed"))

    run_import_job.apply(args=[job.pk])

    assert (summary(job)[0], job.error_code) == ("failed", "transient_errors")
    assert len(source_server.requests) == ImportJob.max_attempts()
    assert job.attempts == ImportJob.max_attempts()
    assert job.error.endswith(f"(gave up after {ImportJob.max_attempts()} attempts)")


def test_a_redirect_loop_fails_at_once_with_the_reason(source_server):
    source_server.routes["/loop"] = Route(status=302, headers={"Location": "/loop"})
    job = import_job_create(requested_by=None, url=source_server.url("/loop"))

    run_import_job.apply(args=[job.pk])

    assert (summary(job)[0], job.error_code, job.attempts) == ("failed", "too_many_redirects", 1)
    assert job.error == f"{source_server.url('/loop')}: More than 5 redirects."
    assert len(source_server.requests) == 6  # the first request and five redirects, once


def test_a_certificate_that_does_not_verify_fails_at_once(tls_server):
    job = import_job_create(requested_by=None, url=tls_server + "/feed.json")

    run_import_job.apply(args=[job.pk])

    assert (summary(job)[0], job.error_code, job.attempts) == ("failed", "tls_error", 1)
    assert "certificate verify failed" in job.error


def test_a_refused_address_fails_at_once(source_server, fake_dns):
    fake_dns["feed.example.org"] = "10.0.0.5"
    job = import_job_create(requested_by=None, url="http://feed.example.org/feed.json")

    run_import_job.apply(args=[job.pk])

    assert (summary(job)[0], job.error_code, job.attempts) == ("failed", "unsafe_url", 1)
    assert not source_server.requests


def test_the_task_twice_imports_once():
    job = file_job(feed_bytes(4))

    run_import_job.apply(args=[job.pk])
    run_import_job.apply(args=[job.pk])

    assert summary(job) == ("succeeded", 4, 4, 4, 0, 0, 0)
    assert Verdict.objects.count() == 4


def test_the_time_limit_fails_the_job_with_its_work_kept():
    job = file_job(feed_bytes(8))

    def slow(job):
        raise SoftTimeLimitExceeded()

    real = import_job_perform
    with mock.patch("imports.services.import_job_perform", lambda job: real(job, on_progress=slow)):
        run_import_job.apply(args=[job.pk])

    assert summary(job) == ("failed", 8, 3, 3, 0, 0, 0)
    assert job.error_code == "time_limit"
    import_job_resume(job=job)
    import_job_run(job_id=job.pk)
    assert summary(job) == ("succeeded", 8, 8, 8, 0, 0, 0)


def test_an_unexpected_error_fails_the_job_and_is_raised():
    job = file_job(feed_bytes(2))

    with mock.patch("imports.services.import_job_perform", side_effect=KeyError("bug")):
        result = run_import_job.apply(args=[job.pk])

    assert result.failed()
    assert (summary(job)[0], job.error_code, job.error) == (
        "failed",
        "internal_error",
        "KeyError: 'bug'",
    )


def test_an_unknown_host_is_retried(fake_dns):
    job = import_job_create(requested_by=None, url="https://nowhere.example.org/feed")

    import_job_run(job_id=job.pk)

    assert summary(job)[0] == "retrying"


def test_the_task_has_limits_for_large_feeds():
    assert run_import_job.soft_time_limit < run_import_job.time_limit
    # 100,000 records take minutes (bench/import_feed.py); the limit is far beyond that.
    assert run_import_job.soft_time_limit >= 1800


def test_a_job_that_keeps_dying_is_failed_instead_of_run_for_ever():
    job = file_job(feed_bytes(2))
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", attempts=ImportJob.max_attempts(), heartbeat_at=timezone.now()
    )
    killed_with_its_worker(job)

    import_job_run(job_id=job.pk)

    assert (summary(job)[0], job.error_code) == ("failed", "too_many_attempts")
    assert import_job_resume(job=job).attempts == 0
    import_job_run(job_id=job.pk)
    assert summary(job) == ("succeeded", 2, 2, 2, 0, 0, 0)


def test_stale_jobs_are_requeued_and_live_ones_left_alone(
    settings, django_capture_on_commit_callbacks
):
    settings.IMPORTS_STALE_SECONDS = 60
    long_ago = timezone.now() - timedelta(minutes=5)
    lost_running = file_job(feed_bytes(1))
    lost_queued = file_job(feed_bytes(1))
    fresh = file_job(feed_bytes(1))
    done = file_job(feed_bytes(1))
    import_job_run(job_id=done.pk)
    ImportJob.objects.filter(pk=lost_running.pk).update(status="running", heartbeat_at=long_ago)
    ImportJob.objects.filter(pk__in=[lost_queued.pk, done.pk]).update(queued_at=long_ago)
    ImportJob.objects.filter(pk=fresh.pk).update(status="running", heartbeat_at=timezone.now())

    with (
        mock.patch.object(run_import_job, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        requeued = import_jobs_resume_stale()

    assert sorted(requeued) == sorted([lost_running.pk, lost_queued.pk])
    assert sorted(call.args[0] for call in delay.call_args_list) == sorted(requeued)


# Lenient reading (issue 15)


def test_a_saved_page_is_imported_with_its_page_url_for_relative_urls():
    html = page(claim_review(url="/fact-check/relative-7"), claim_review(url=None))
    job = import_job_create(
        requested_by=None,
        file=ContentFile(html, name="saved.html"),
        file_name="saved.html",
        page_url="https://checks.example.com/fact-check/saved",
    )

    import_job_run(job_id=job.pk)

    assert summary(job) == ("succeeded", 2, 2, 2, 0, 0, 0)
    assert sorted(Verdict.objects.values_list("review_url", flat=True)) == [
        "https://checks.example.com/fact-check/relative-7",
        "https://checks.example.com/fact-check/saved",
    ]
    assert job.warnings_by_code == {"relative_url": 1, "url_from_page": 1}


def test_a_page_url_is_for_files_only():
    with pytest.raises(ValidationError) as error:
        import_job_create(
            requested_by=None, url="https://example.org/feed", page_url="https://example.org/"
        )

    assert error.value.message_dict == {
        "page_url": ["A fetched page is its own address; page_url is for files."]
    }


def test_a_review_without_any_date_is_imported_without_one():
    reviews = json.dumps([claim_review(n, datePublished=None) for n in range(3)]).encode()
    job = file_job(reviews)

    import_job_run(job_id=job.pk)

    assert summary(job) == ("succeeded", 3, 3, 3, 0, 0, 0)
    assert (job.warned_count, job.warnings_by_code) == (3, {"missing_date": 3})
    verdicts = dict(Verdict.objects.values_list("review_url", "published_at"))
    assert set(verdicts.values()) == {None}
    assert set(job.warnings.values_list("review_url", flat=True)) == set(verdicts)
    assert set(Verdict.objects.values_list("status", flat=True)) == {"published"}
    again = file_job(reviews)
    import_job_run(job_id=again.pk)
    assert summary(again) == ("succeeded", 3, 3, 0, 0, 3, 0)


def test_warnings_are_counted_once_per_record_and_code_when_a_batch_is_run_again(settings):
    settings.IMPORTS_RETRY_BASE_SECONDS = 0
    job = file_job(feed_bytes(4, inLanguage="Klingon"))
    real = records_module.claim_reviews_save
    calls = []

    def fail_second(records, *, context):
        calls.append(len(records))
        outcome = real(records, context=context)
        if len(calls) == 2:
            raise ConnectionError("database went away")
        return outcome

    with mock.patch("imports.services.claim_reviews_save", fail_second):
        import_job_run(job_id=job.pk)
    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.warnings_by_code == {"invalid_language": 4, "language_detected": 4}
    assert job.warned_count == 4
    assert job.warnings.count() == 8
