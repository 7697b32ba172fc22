"""Writes as a newsroom does them: a claim with its appearances in one call, evidence added to
a claim, a draft verdict; each answering with the stored object."""

import pytest

from claims.models import Appearance, Claim
from tests.api.conftest import client_for
from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db


def test_claim_logged_with_topics_and_appearances_in_one_call():
    topic = TopicFactory(slug="north-korea")
    response = client_for("fact-checker").post(
        "/api/v1/claims/",
        {
            "text": "A video shows a state funeral.",
            "original_text": "国葬视频",
            "language": "zh",
            "claimant": "Social media users",
            "claim_date": "2024-12-23",
            "topics": ["north-korea"],
            "appearances": [
                {
                    "url": "https://x.com/a/status/1",
                    "platform": "x",
                    "posted_at": "2024-12-23T03:40:00Z",
                },
                {"url": "https://www.douyin.com/video/2", "platform": "douyin"},
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["topics"] == [topic.slug]
    assert [(a["platform"], a["is_first"]) for a in body["appearances"]] == [
        ("x", True),
        ("douyin", False),
    ]
    assert response["ETag"]


def test_bad_appearance_in_a_new_claim_stores_nothing():
    response = client_for("fact-checker").post(
        "/api/v1/claims/",
        {"text": "A claim", "language": "en", "appearances": [{"url": "javascript:alert(1)"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "appearances.0.url" in response.json()["details"] or "url" in response.json()["details"]
    assert not Claim.objects.exists()
    assert not Appearance.objects.exists()


def test_evidence_added_to_a_claim_in_one_call(world):
    response = client_for("fact-checker").post(
        f"/api/v1/claims/{world.draft_claim.pk}/evidence/",
        {
            "kind": "archived_source",
            "relation": "refutes",
            "title": "CCTV, 2015",
            "url": "https://tv.cctv.com/x",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["claim"] == world.draft_claim.pk


def test_draft_verdict_then_edit_with_if_match(world):
    client = client_for("fact-checker")
    created = client.post(
        "/api/v1/verdicts/",
        {"claim": world.draft_claim.pk, "headline": "Nope"},
        format="json",
    )
    # The world's draft claim already has this newsroom's verdict.
    assert created.status_code == 409
    assert created.json()["code"] == "verdict_exists"

    url = f"/api/v1/verdicts/{world.draft_verdict.pk}/"
    etag = client.get(url)["ETag"]
    edited = client.patch(
        url, {"summary": "Records show otherwise."}, format="json", HTTP_IF_MATCH=etag
    )
    assert edited.status_code == 200
    assert edited.json()["summary"] == "Records show otherwise."


def test_verdict_rating_from_another_scale_is_400(world):
    from tests.factories import RatingFactory

    client = client_for("fact-checker")
    url = f"/api/v1/verdicts/{world.draft_verdict.pk}/"
    response = client.patch(
        url,
        {"rating": RatingFactory().pk, "rating_scale": world.rating_scale.pk},
        format="json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 400
    assert response.json()["details"]["rating"][0]["code"] == "rating_not_on_scale"


def test_upload_same_bytes_twice_returns_the_same_item():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import jpeg_bytes

    client = client_for("fact-checker")
    content = jpeg_bytes()
    first = client.post(
        "/api/v1/media/", {"file": SimpleUploadedFile("a.jpg", content)}, format="multipart"
    )
    second = client.post(
        "/api/v1/media/", {"file": SimpleUploadedFile("b.jpg", content)}, format="multipart"
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]


def test_upload_of_a_non_image_is_400_and_stores_nothing():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from media.models import MediaItem

    response = client_for("fact-checker").post(
        "/api/v1/media/", {"file": SimpleUploadedFile("a.jpg", b"GIF89a nope")}, format="multipart"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media"
    assert not MediaItem.objects.exists()
