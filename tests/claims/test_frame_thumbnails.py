"""Frame thumbnails are served with the visibility of their item's file."""

import pytest
from django.utils import timezone

from claims.models import ClaimMedia, Verdict
from media.models import MediaFrame
from tests.factories import MediaItemFactory, VerdictFactory, fact_checker, jpeg_bytes

pytestmark = pytest.mark.django_db


def _frame(item, offset: float, colour) -> bytes:
    thumbnail = jpeg_bytes(colour=colour)
    MediaFrame.objects.create(
        media_item=item,
        offset_seconds=offset,
        pdq_hash=bytes(32),
        pdq_quality=100,
        phash=bytes(8),
        thumbnail=thumbnail,
    )
    return thumbnail


@pytest.fixture
def draft_video():
    item = MediaItemFactory(kind="video")
    first = _frame(item, 0.0, (10, 10, 10))
    later = _frame(item, 8.5, (200, 200, 200))
    ClaimMedia.objects.create(claim=VerdictFactory().claim, media_item=item)
    return item, first, later


def test_the_newsroom_gets_the_frame_nearest_to_the_offset(client, draft_video):
    item, first, later = draft_video
    client.force_login(fact_checker())
    response = client.get(f"/frames/{item.pk}/0.0.jpg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response.content == first
    assert client.get(f"/frames/{item.pk}/8.4.jpg").content == later
    assert response["Cache-Control"] == "private, max-age=300"


def test_outsiders_get_404_for_draft_media_and_the_frame_of_public_media(client, draft_video):
    item, first, _ = draft_video
    assert client.get(f"/frames/{item.pk}/0.0.jpg").status_code == 404
    verdict = item.claim_media.get().claim.verdicts.get()
    Verdict.objects.filter(pk=verdict.pk).update(status="published", published_at=timezone.now())
    response = client.get(f"/frames/{item.pk}/0.0.jpg")
    assert response.status_code == 200
    assert response.content == first


@pytest.mark.parametrize("offset", ["nan", "inf", "-1", "abc", "1e999"])
def test_offsets_that_are_not_times_are_404(client, draft_video, offset):
    item, _, _ = draft_video
    client.force_login(fact_checker())
    assert client.get(f"/frames/{item.pk}/{offset}.jpg").status_code == 404


def test_an_item_without_thumbnails_is_404(client):
    item = MediaItemFactory()
    client.force_login(fact_checker())
    assert client.get(f"/frames/{item.pk}/0.jpg").status_code == 404
