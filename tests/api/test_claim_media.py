"""Attaching media to a claim and taking it off, through the API."""

import pytest

from claims.models import ClaimMedia
from media.models import LookupJob
from tests.api.conftest import client_for
from tests.factories import ClaimFactory, MediaItemFactory

pytestmark = pytest.mark.django_db


def test_a_fact_checker_attaches_media_and_its_lookup_is_queued():
    claim, item = ClaimFactory(), MediaItemFactory()
    client = client_for("fact-checker")
    response = client.post(
        f"/api/v1/claims/{claim.pk}/media/", {"media_item": item.pk, "note": "as posted"}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["claim"], body["media_item"]["id"], body["note"]) == (
        claim.pk,
        item.pk,
        "as posted",
    )
    assert LookupJob.objects.filter(media_item=item).count() == 1
    again = client.post(f"/api/v1/claims/{claim.pk}/media/", {"media_item": item.pk})
    assert again.status_code == 200
    assert ClaimMedia.objects.filter(claim=claim).count() == 1
    media = client.get(f"/api/v1/claims/{claim.pk}/").json()["media"]
    assert [row["id"] for row in media] == [item.pk]


def test_detaching_media():
    claim, item = ClaimFactory(), MediaItemFactory()
    ClaimMedia.objects.create(claim=claim, media_item=item)
    client = client_for("editor")
    assert client.delete(f"/api/v1/claims/{claim.pk}/media/{item.pk}/").status_code == 204
    assert not ClaimMedia.objects.exists()
    missing = client.delete(f"/api/v1/claims/{claim.pk}/media/{item.pk}/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("role", "status"), [("anonymous", 404), ("consumer", 404), ("fact-checker", 201)]
)
def test_roles_on_a_draft_claim(world, role, status):
    response = client_for(role).post(
        f"/api/v1/claims/{world.draft_claim.pk}/media/", {"media_item": MediaItemFactory().pk}
    )
    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), [("anonymous", 403), ("consumer", 403)])
def test_outsiders_change_no_published_claim(world, role, status):
    client = client_for(role)
    claim, item = world.public_claim.pk, world.public_media.pk
    assert client.post(f"/api/v1/claims/{claim}/media/", {"media_item": item}).status_code == status
    assert client.delete(f"/api/v1/claims/{claim}/media/{item}/").status_code == status


def test_a_published_claims_media_do_not_change_silently(world):
    client = client_for("editor")
    claim = world.public_claim.pk
    attach = client.post(f"/api/v1/claims/{claim}/media/", {"media_item": MediaItemFactory().pk})
    assert attach.status_code == 409
    assert attach.json()["code"] == "claim_published"
    detach = client.delete(f"/api/v1/claims/{claim}/media/{world.public_media.pk}/")
    assert detach.status_code == 409
    assert ClaimMedia.objects.filter(claim=world.public_claim).count() == 1
    # Saying again what is already so changes nothing, and is not refused.
    same = client.post(f"/api/v1/claims/{claim}/media/", {"media_item": world.public_media.pk})
    assert same.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "media_item"),
        ({"media_item": "abc"}, "media_item"),
        ({"media_item": None}, "media_item"),
        ({"media_item": 1, "extra": 1}, "extra"),
        ({"media_item": 1, "note": "x" * 301}, "note"),
    ],
)
def test_bad_input_is_400(body, field):
    claim = ClaimFactory()
    response = client_for("fact-checker").post(f"/api/v1/claims/{claim.pk}/media/", body)
    assert response.status_code == 400
    assert field in response.json()["details"]


def test_a_media_item_that_does_not_exist_is_404():
    claim = ClaimFactory()
    response = client_for("fact-checker").post(
        f"/api/v1/claims/{claim.pk}/media/", {"media_item": 999999}
    )
    assert response.status_code == 404
    assert response.json()["details"]["media_item"][0]["code"] == "does_not_exist"


def test_unknown_claims_are_404():
    client = client_for("fact-checker")
    item = MediaItemFactory()
    assert client.post("/api/v1/claims/999999/media/", {"media_item": item.pk}).status_code == 404
    assert client.delete(f"/api/v1/claims/999999/media/{item.pk}/").status_code == 404
