"""ETags: edits name the version they were made against; readers revalidate cheaply."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_two_fact_checkers_do_not_overwrite_each_other(world):
    first, second = client_for("fact-checker"), client_for("fact-checker")
    url = f"/api/v1/claims/{world.draft_claim.pk}/"
    etag = first.get(url)["ETag"]
    assert second.get(url)["ETag"] == etag

    saved = first.patch(url, {"claimant": "First edit"}, format="json", HTTP_IF_MATCH=etag)
    assert saved.status_code == 200
    assert saved["ETag"] != etag

    stale = second.patch(url, {"claimant": "Second edit"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    world.draft_claim.refresh_from_db()
    assert world.draft_claim.claimant == "First edit"

    retried = second.patch(
        url, {"claimant": "Second edit"}, format="json", HTTP_IF_MATCH=saved["ETag"]
    )
    assert retried.status_code == 200


def test_edit_without_if_match_is_428(world):
    response = client_for("fact-checker").patch(
        f"/api/v1/evidence/{world.draft_evidence.pk}/", {"note": "x"}, format="json"
    )
    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"


def test_changing_a_part_of_a_claim_changes_its_etag(world):
    client = client_for("fact-checker")
    url = f"/api/v1/claims/{world.draft_claim.pk}/"
    before = client.get(url)["ETag"]
    client.post(f"{url}appearances/", {"url": "https://t.me/x/2"}, format="json")
    assert client.get(url)["ETag"] != before


@pytest.mark.parametrize(
    "resource",
    ["claims", "appearances", "evidence", "verdicts", "media", "topics", "publishers"],
)
def test_every_editable_resource_has_an_etag(world, resource):
    client = client_for("editor")
    first = client.get(f"/api/v1/{resource}/").json()["results"][0]
    response = client.get(f"/api/v1/{resource}/{first['id']}/")
    assert response.status_code == 200
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"]


def test_published_verdict_revalidates_with_304_without_serializing(world):
    client = client_for("anonymous")
    url = f"/api/v1/verdicts/{world.public_verdict.pk}/"
    first = client.get(url)
    assert first.status_code == 200

    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert len(queries) == 1  # the two timestamps, nothing else


def test_etag_differs_between_newsroom_and_public_views(world):
    url = f"/api/v1/claims/{world.public_claim.pk}/"
    assert client_for("anonymous").get(url)["ETag"] != client_for("editor").get(url)["ETag"]


def test_editing_a_claims_media_changes_the_claims_etag(world, django_capture_on_commit_callbacks):
    client = client_for("fact-checker")
    url = f"/api/v1/claims/{world.draft_claim.pk}/"
    before = client.get(url)["ETag"]
    media_url = f"/api/v1/media/{world.draft_media.pk}/"
    # The claim learns of the edit from the media item's event, once the edit has committed.
    with django_capture_on_commit_callbacks(execute=True):
        edited = client.patch(media_url, {"caption": "As posted"}, format="json", HTTP_IF_MATCH="*")
    assert edited.status_code == 200
    assert client.get(url)["ETag"] != before
