"""End to end: a claim logged through the API is embedded by a real Celery worker process,
through the real broker, once the request's transaction has committed; check-this then finds
it by meaning."""

import time

import pytest

from retrieval.models import Passage
from tests.api.conftest import client_for
from tests.workers import Worker, celery_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def worker(transactional_db) -> Worker:
    with celery_worker() as worker:
        yield worker


def test_a_claim_created_through_the_api_is_embedded_by_a_worker(worker):
    response = client_for("fact-checker").post(
        "/api/v1/claims/",
        {
            "text": "Drinking hot water every fifteen minutes kills the coronavirus",
            "language": "en",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    claim_id = response.json()["id"]

    deadline = time.monotonic() + 60
    while not Passage.objects.filter(claim_id=claim_id, vector__isnull=False).exists():
        if time.monotonic() > deadline:
            pytest.fail(f"Not embedded within 60 s. Worker log:\n{worker.log}")
        time.sleep(0.2)

    passage = Passage.objects.get(claim_id=claim_id)
    assert passage.model.startswith("multilingual-e5-small")
