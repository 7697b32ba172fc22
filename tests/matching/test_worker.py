"""End to end: a claim logged through the API is matched by a real Celery worker process,
through the real broker, once the request's transaction has committed."""

import time

import pytest

from matching.models import ClaimSuggestion
from tests.api.conftest import client_for
from tests.matching.factories import imported
from tests.workers import Worker, celery_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def worker(transactional_db) -> Worker:
    with celery_worker() as worker:
        yield worker


def test_a_claim_created_through_the_api_gets_its_suggestions(worker):
    earlier = imported("Video shows the state funeral of North Korean general Kim Yong Bok")
    client = client_for("fact-checker")

    response = client.post(
        "/api/v1/claims/",
        {
            "text": "Footage on X shows North Korea's state funeral for General Kim Yong Bok",
            "language": "en",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    claim_id = response.json()["id"]

    deadline = time.monotonic() + 30
    while not ClaimSuggestion.objects.filter(claim_id=claim_id).exists():
        if time.monotonic() > deadline:
            pytest.fail(f"No suggestion within 30 s. Worker log:\n{worker.log}")
        time.sleep(0.1)

    [suggestion] = ClaimSuggestion.objects.filter(claim_id=claim_id)
    assert suggestion.suggested_id == earlier.claim_id
    assert suggestion.is_strong
    rows = client.get(f"/api/v1/claims/{claim_id}/suggestions/").json()["results"]
    assert [row["suggested"]["id"] for row in rows] == [earlier.claim_id]
