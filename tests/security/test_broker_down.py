"""A write that committed answers as usual when the broker is down: the work it queues waits in
the database, in the state the resume paths look for, and the failure to queue it is logged.

The broker here really is down: the Celery app publishes to a port where nothing listens."""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from claims.models import ClaimMedia, Verdict
from factcheck.celery import app
from imports.models import ImportJob
from media.models import LookupJob, MediaItem
from tests.api.conftest import client_for
from tests.factories import (
    AppearanceFactory,
    EvidenceFactory,
    MediaItemFactory,
    PublisherFactory,
    RatingFactory,
    VerdictFactory,
    jpeg_bytes,
)

DEAD_BROKER = "redis://127.0.0.1:1/0"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _reset_pools() -> None:
    # Connections are pooled per app; new ones are made from broker_url.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(caplog, monkeypatch):
    # Celery's broker_url reads the environment variable before its configuration; setting the
    # attribute as well would be undone to the value read while the variable was set.
    monkeypatch.setenv("CELERY_BROKER_URL", DEAD_BROKER)
    _reset_pools()
    caplog.set_level(logging.ERROR)
    yield caplog
    monkeypatch.undo()
    _reset_pools()


def _logged_queue_failure(caplog) -> bool:
    return any("on_commit" in record.getMessage() for record in caplog.records)


def test_media_upload_answers_201(broker_down):
    upload = SimpleUploadedFile("a.jpg", jpeg_bytes((40, 30)), "image/jpeg")
    response = client_for("fact-checker").post(
        "/api/v1/media/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.content
    item = MediaItem.objects.get(pk=response.json()["id"])
    assert item.status == MediaItem.Status.READY
    assert item.hashed_at is None
    assert _logged_queue_failure(broker_down)


def test_media_url_answers_202_and_stays_pending(broker_down):
    response = client_for("fact-checker").post(
        "/api/v1/media/", {"url": "https://example.org/a.jpg"}, format="json"
    )
    assert response.status_code == 202, response.content
    assert MediaItem.objects.get(pk=response.json()["id"]).status == MediaItem.Status.PENDING
    assert _logged_queue_failure(broker_down)


def test_lookup_request_answers_202(broker_down):
    item = MediaItemFactory()
    response = client_for("fact-checker").post(
        f"/api/v1/media/{item.pk}/lookups/", {}, format="json"
    )
    assert response.status_code == 202, response.content
    assert LookupJob.objects.get().status == LookupJob.Status.QUEUED


def test_import_request_answers_202(broker_down):
    # The default rating scale imports need is made by a migration.
    response = client_for("editor").post(
        "/api/v1/imports/", {"url": "https://example.org/feed.json"}, format="json"
    )
    assert response.status_code == 202, response.content
    assert ImportJob.objects.get().status == ImportJob.Status.QUEUED


def test_publishing_answers_200_while_its_media_cannot_be_queued_for_hashing(broker_down):
    rating = RatingFactory(label="False", value=1)
    verdict = VerdictFactory(
        rating=rating, publisher=PublisherFactory(is_self=True), status=Verdict.Status.IN_REVIEW
    )
    AppearanceFactory(claim=verdict.claim, is_first=True)
    EvidenceFactory(claim=verdict.claim)
    ClaimMedia.objects.create(claim=verdict.claim, media_item=MediaItemFactory())
    response = client_for("editor").post(f"/api/v1/verdicts/{verdict.pk}/publish/")
    assert response.status_code == 200, response.content
    verdict.refresh_from_db()
    assert verdict.status == Verdict.Status.PUBLISHED
    assert verdict.published_at <= timezone.now()
