from datetime import UTC, datetime

import pytest
from django.core.files.base import ContentFile

from claims.models import ClaimMedia, Evidence
from media.models import LookupJob, LookupMatch, MediaItem
from media.services import lookups
from media.services.media import media_item_create
from tests.api.conftest import client_for
from tests.factories import ClaimFactory, MediaItemFactory, jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def checker():
    return client_for("fact-checker")


def test_unknown_engine_is_a_400(checker):
    item = MediaItemFactory()
    response = checker.post(f"/api/v1/media/{item.pk}/lookups/", {"provider": "bing"}, "json")
    assert response.status_code == 400
    assert "provider" in response.json()["details"]


def test_an_engine_without_a_key_is_refused_before_queueing(checker, settings):
    settings.REVERSE_IMAGE_TINEYE_KEY = ""
    item = MediaItemFactory()
    response = checker.post(f"/api/v1/media/{item.pk}/lookups/", {"provider": "tineye"}, "json")
    assert response.status_code == 400
    assert response.json()["code"] == "provider_not_configured"
    assert not LookupJob.objects.exists()


@pytest.mark.parametrize("status", ["pending", "failed"])
def test_media_that_is_not_ready_cannot_be_looked_up(checker, status):
    item = MediaItemFactory()
    MediaItem.objects.filter(pk=item.pk).update(status=status, failure_reason="x", sha256=None)
    response = checker.post(f"/api/v1/media/{item.pk}/lookups/", {}, "json")
    assert response.status_code == 409
    assert response.json()["code"] == "media_not_ready"


@pytest.mark.parametrize("body", [{"unknown": 1}, {"provider": 3}, ["archive"], {"provider": None}])
def test_bad_lookup_bodies_are_400(checker, body):
    item = MediaItemFactory()
    response = checker.post(f"/api/v1/media/{item.pk}/lookups/", body, "json")
    assert response.status_code == 400
    assert not LookupJob.objects.exists()


def _job_with_match():
    original, _ = media_item_create(
        actor=None,
        file=ContentFile(jpeg_bytes((200, 150), (10, 200, 30)), name="o.jpg"),
        original_url="https://example.org/original.jpg",
    )
    query = MediaItemFactory()
    job = LookupJob.objects.create(media_item=query, status=LookupJob.Status.SUCCEEDED)
    match = LookupMatch.objects.create(job=job, matched_item=original, distance=12)
    return job, match, query


def test_a_match_becomes_evidence_once(checker):
    job, match, query = _job_with_match()
    claim = ClaimFactory()
    ClaimMedia.objects.create(claim=claim, media_item=query)
    url = f"/api/v1/lookups/{job.pk}/matches/{match.pk}/evidence/"
    first = checker.post(url, {"relation": "refutes"}, "json")
    assert first.status_code == 201, first.json()
    assert first.json()["kind"] == "reverse_image_match"
    assert first.json()["lookup_match"] == match.pk
    assert first.json()["url"] == "https://example.org/original.jpg"
    again = checker.post(url, {}, "json")
    assert again.json()["id"] == first.json()["id"]
    assert Evidence.objects.count() == 1


def test_several_claims_need_one_named(checker):
    job, match, query = _job_with_match()
    claims = [ClaimFactory(), ClaimFactory()]
    for claim in claims:
        ClaimMedia.objects.create(claim=claim, media_item=query)
    url = f"/api/v1/lookups/{job.pk}/matches/{match.pk}/evidence/"
    refused = checker.post(url, {}, "json")
    assert refused.status_code == 400
    assert "several claims" in refused.json()["message"]
    named = checker.post(url, {"claim": claims[1].pk}, "json")
    assert named.status_code == 201
    assert named.json()["claim"] == claims[1].pk
    # A claim that does not carry the media is refused.
    stranger = checker.post(url, {"claim": ClaimFactory().pk}, "json")
    assert stranger.status_code == 400
    assert Evidence.objects.count() == 1


def test_a_match_of_another_job_is_404(checker):
    job, _, _ = _job_with_match()
    _, other_match, _ = _job_with_match()
    response = checker.post(
        f"/api/v1/lookups/{job.pk}/matches/{other_match.pk}/evidence/", {}, "json"
    )
    assert response.status_code == 404


def test_the_earliest_published_strong_match_is_named(checker):
    job, match, _ = _job_with_match()
    MediaItem.objects.filter(pk=match.matched_item_id).update(
        first_published_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    older = LookupMatch.objects.create(
        job=job,
        external_url="https://old.example/copy.jpg",
        first_published_at=datetime(2015, 1, 1, tzinfo=UTC),
        is_strong=True,
    )
    body = checker.get(f"/api/v1/lookups/{job.pk}/").json()
    assert body["earliest_match"] == older.pk
    LookupMatch.objects.filter(pk=older.pk).update(is_strong=False)
    LookupMatch.objects.filter(pk=match.pk).update(is_strong=True)
    assert lookups.earliest_match(LookupJob.objects.get(pk=job.pk)).pk == match.pk
