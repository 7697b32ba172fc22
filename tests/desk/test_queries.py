"""The desk's lists cost the same number of queries however long they are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.models import Claim, ClaimMedia, Correction, Verdict
from claims.services.publishers import publisher_get_or_create_self
from matching.models import ClaimSuggestion
from media.models import LookupJob, LookupMatch
from tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    EvidenceFactory,
    MediaItemFactory,
    PublisherFactory,
    RatingFactory,
    VerdictFactory,
    editor,
)

pytestmark = pytest.mark.django_db


def _add_rows(user, count: int) -> None:
    """`count` of every list the editor's desk shows."""
    ours = publisher_get_or_create_self()
    for _ in range(count):
        mine = ClaimFactory(assignee=user, status=Claim.Status.RESEARCHING)
        media = MediaItemFactory()
        ClaimMedia.objects.create(claim=mine, media_item=media)
        job = LookupJob.objects.create(media_item=media, requested_by=user)
        LookupMatch.objects.create(job=job, matched_item=MediaItemFactory(), distance=5)
        finished = LookupJob.objects.create(
            media_item=media,
            requested_by=user,
            status="succeeded",
            started_at=timezone.now(),
            finished_at=timezone.now(),
        )
        LookupMatch.objects.create(job=finished, matched_item=MediaItemFactory(), distance=40)
        new = ClaimFactory()
        other = VerdictFactory(publisher=PublisherFactory())
        ClaimSuggestion.objects.create(claim=new, suggested=other.claim, score=0.8)
        in_review = VerdictFactory(
            publisher=ours, rating=RatingFactory(), status=Verdict.Status.IN_REVIEW
        )
        in_review.authors.add(user)
        AppearanceFactory(claim=in_review.claim, is_first=True)
        EvidenceFactory(claim=in_review.claim)
        published = VerdictFactory(
            publisher=ours, status=Verdict.Status.PUBLISHED, published_at=timezone.now()
        )
        Correction.objects.create(
            verdict=published, kind="update", note="Added a source.", published_at=timezone.now()
        )


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", ["/desk/", "/desk/lookups/"])
def test_desk_lists_do_not_grow_with_rows(client, path):
    user = editor()
    client.force_login(user)
    _add_rows(user, 1)
    _queries(client, path)
    few = _queries(client, path)
    _add_rows(user, 7)
    many = _queries(client, path)
    assert few == many
    page = client.get(path).content.decode()
    assert page.count("Lookup #") >= 8


def test_the_lookup_page_does_not_grow_with_matches(client):
    client.force_login(editor())
    media = MediaItemFactory()
    ClaimMedia.objects.create(claim=ClaimFactory(), media_item=media)
    job = LookupJob.objects.create(
        media_item=media, status="succeeded", started_at=timezone.now(), finished_at=timezone.now()
    )
    LookupMatch.objects.create(job=job, matched_item=MediaItemFactory(), distance=3)
    few = _queries(client, f"/desk/lookups/{job.pk}/")
    for distance in range(10, 30):
        LookupMatch.objects.create(job=job, matched_item=MediaItemFactory(), distance=distance)
    assert _queries(client, f"/desk/lookups/{job.pk}/") == few
