"""End to end: an import queued through the API is run by a real Celery worker process, through
the real broker, and its progress shows while it runs."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import Verdict
from imports.models import ImportJob
from tests.api.conftest import client_for
from tests.imports.factories import feed_bytes, newsroom_scale
from tests.workers import Worker, celery_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

RECORDS = 300


@pytest.fixture
def worker(transactional_db, settings) -> Worker:
    # The worker reads the uploaded file where this process stored it.
    env = {"FACTCHECK_IMPORTS_BATCH_SIZE": "20", "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    with celery_worker(env=env) as worker:
        yield worker


def test_a_worker_imports_a_feed_with_progress_visible(worker):
    newsroom_scale()
    client = client_for("editor")
    upload = SimpleUploadedFile("feed.json", feed_bytes(RECORDS), "application/json")

    response = client.post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    url = response["Location"]

    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = client.get(url).json()
        seen.append((body["status"], body["records_done"]))
        if body["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.02)
    else:
        pytest.fail(f"The import is still {body['status']}. Worker log:\n{worker.log}")

    assert (body["status"], body["records_total"], body["created_count"]) == (
        "succeeded",
        RECORDS,
        RECORDS,
    ), worker.log
    running = [done for status, done in seen if status == "running"]
    assert any(0 < done < RECORDS for done in running), seen
    assert running == sorted(running)
    assert Verdict.objects.count() == RECORDS
    job = ImportJob.objects.get()
    assert (job.attempts, job.progress) == (1, 100)
