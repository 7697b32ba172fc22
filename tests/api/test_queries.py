"""Every list endpoint runs the same number of SQL queries for 1 row and for 50."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.models import ClaimMedia, Verdict
from media.models import LookupJob, LookupMatch
from tests.api.conftest import client_for
from tests.factories import (
    AppearanceFactory,
    EvidenceFactory,
    MediaItemFactory,
    PublisherFactory,
    RatingFactory,
    TopicFactory,
    VerdictFactory,
    fact_checker,
)

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "claims",
    "appearances",
    "evidence",
    "verdicts",
    "media",
    "lookups",
    "topics",
    "publishers",
    "rating-scales",
]


def _add_rows(count: int) -> None:
    """`count` of everything: published claims with appearances, evidence, media, topics,
    verdicts with authors and corrections, lookups with matches."""
    author = fact_checker()
    for _ in range(count):
        rating = RatingFactory()
        verdict = VerdictFactory(
            rating=rating, status=Verdict.Status.PUBLISHED, published_at=timezone.now()
        )
        verdict.authors.add(author)
        verdict.corrections.create(
            kind="update", note="Added a source.", published_at=timezone.now()
        )
        claim = verdict.claim
        claim.topics.add(TopicFactory())
        claim.assignee = author
        claim.save()
        AppearanceFactory(claim=claim)
        EvidenceFactory(claim=claim, media_item=MediaItemFactory())
        media = MediaItemFactory()
        ClaimMedia.objects.create(claim=claim, media_item=media)
        job = LookupJob.objects.create(media_item=media)
        LookupMatch.objects.create(job=job, matched_item=MediaItemFactory(), distance=3)
        PublisherFactory()


def _queries(client, endpoint: str) -> tuple[int, int]:
    cache.clear()  # the worst case: no row representation cached yet
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/{endpoint}/", {"page_size": 50})
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


@pytest.mark.parametrize("role", ["anonymous", "consumer", "editor"])
def test_list_queries_do_not_grow_with_rows(role):
    client = client_for(role)
    _add_rows(1)
    for endpoint in ENDPOINTS:
        # Once per caller, not per row: the key's last use, the user's permissions.
        _queries(client, endpoint)
    few = {endpoint: _queries(client, endpoint) for endpoint in ENDPOINTS}
    _add_rows(49)
    many = {endpoint: _queries(client, endpoint) for endpoint in ENDPOINTS}

    for endpoint in ENDPOINTS:
        assert few[endpoint][0] == many[endpoint][0], endpoint
        if few[endpoint][1]:
            assert many[endpoint][1] >= 10 * few[endpoint][1] or many[endpoint][1] == 50, endpoint


def test_cached_verdict_rows_cost_one_query():
    client = client_for("anonymous")
    _add_rows(20)
    client.get("/api/v1/verdicts/", {"page_size": 50})
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/verdicts/", {"page_size": 50})
    assert len(response.json()["results"]) == 20
    assert len(captured) == 1


def test_a_cached_row_is_never_stale(world):
    client = client_for("anonymous")
    first = client.get("/api/v1/verdicts/").json()["results"][0]
    world.public_verdict.rating.label = "Wrong"
    world.public_verdict.rating.save()
    again = client.get("/api/v1/verdicts/").json()["results"][0]
    assert (first["rating"]["label"], again["rating"]["label"]) == ("False", "Wrong")
