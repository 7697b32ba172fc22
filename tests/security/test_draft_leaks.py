"""Drafts never leak: every list, filter, feed, search and file URL an outsider (anonymous, or
an API consumer) can reach, probed for a claim the newsroom is checking.

The public claim has another publisher's published verdict, so the claim itself is public;
our own verdict on it is a draft, with a rating and words no outsider may see. A second claim
is all draft. Each probe asks for what only the drafts carry and checks that nothing of them
comes back: not their words, not the public claim found through the draft's rating or
publisher.
"""

from dataclasses import dataclass

import pytest
from django.utils import timezone

from claims.models import ClaimMedia, Verdict
from claims.search import index_claim, index_verdict
from tests.api.conftest import client_for
from tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    EvidenceFactory,
    MediaItemFactory,
    PublisherFactory,
    RatingFactory,
    RatingScaleFactory,
    TopicFactory,
    VerdictFactory,
)

pytestmark = pytest.mark.django_db

OUTSIDERS = ["anonymous", "consumer"]
# Words only the drafts carry.
SECRET = "quokkasecret"
DRAFT_HEADLINE = f"Headline {SECRET} of our coming ruling"
DRAFT_CLAIM_TEXT = f"A claim we are quietly checking {SECRET} zebra"


@dataclass
class Drafts:
    public_claim: object  # public through another publisher's verdict
    draft_on_public: object  # our draft verdict on it
    draft_claim: object
    draft_verdict: object
    draft_media: object
    ours: object


@pytest.fixture
def drafts(settings) -> Drafts:
    scale = RatingScaleFactory()
    false = RatingFactory(scale=scale, label="False", value=1)
    true = RatingFactory(scale=scale, label="True", value=5)
    ours = PublisherFactory(is_self=True, site="ours.example.org")
    settings.FACTCHECK_PUBLISHER_SITE = ours.site
    other = PublisherFactory(site="afp.example.org")
    topic = TopicFactory(slug="secret-topic")
    imported = VerdictFactory(
        rating=false,
        publisher=other,
        status=Verdict.Status.PUBLISHED,
        published_at=timezone.now(),
        review_url="https://afp.example.org/checks/1",
    )
    public_claim = imported.claim
    draft_on_public = VerdictFactory(
        claim=public_claim,
        rating=true,
        publisher=ours,
        headline=DRAFT_HEADLINE,
        summary=f"Our draft explanation {SECRET}.",
        language="ko",
        media_authenticity="StagedContent",
    )
    draft_claim = ClaimFactory(text=DRAFT_CLAIM_TEXT, claimant=f"Claimant {SECRET}")
    draft_claim.topics.add(topic)
    AppearanceFactory(claim=draft_claim, url=f"https://t.me/{SECRET}/1", platform="telegram")
    EvidenceFactory(claim=draft_claim, title=f"Evidence {SECRET}")
    EvidenceFactory(claim=public_claim, title=f"Private evidence {SECRET}", is_public=False)
    draft_verdict = VerdictFactory(
        claim=draft_claim, rating=true, publisher=ours, headline=DRAFT_HEADLINE
    )
    draft_media = MediaItemFactory(caption=f"Caption {SECRET}")
    ClaimMedia.objects.create(claim=draft_claim, media_item=draft_media)
    # Factories skip the services that keep the search columns.
    for verdict in (imported, draft_on_public, draft_verdict):
        index_verdict(verdict)
        verdict.save()
    for claim in (public_claim, draft_claim):
        index_claim(claim)
        claim.save()
    return Drafts(public_claim, draft_on_public, draft_claim, draft_verdict, draft_media, ours)


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# Filters that only the drafts satisfy: an outsider's answer must be empty.
CLAIM_FILTERS = [
    "rating=True",
    "rating=true",
    "publisher=ours.example.org",
    "publisher=OURS.example.org",
    "language=ko",
    f"q={SECRET}",
    "topic=secret-topic",
    "platform=telegram",
    f"claimant={SECRET}",
]
VERDICT_FILTERS = [
    "rating=True",
    "publisher=ours.example.org",
    "language=ko",
    "media_authenticity=StagedContent",
    f"q={SECRET}",
    "status=draft",
    "status=in_review",
    "topic=secret-topic",
    "platform=telegram",
    f"claimant={SECRET}",
]


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("query", CLAIM_FILTERS)
def test_claim_filters_see_published_verdicts_only(drafts, role, query):
    response = client_for(role).get(f"/api/v1/claims/?{query}")
    assert _ids(response) == set()
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("query", VERDICT_FILTERS)
def test_verdict_filters_see_published_verdicts_only(drafts, role, query):
    response = client_for(role).get(f"/api/v1/verdicts/?{query}")
    assert _ids(response) == set()


def test_newsroom_filters_still_find_drafts(drafts):
    checker = client_for("fact-checker")
    assert drafts.public_claim.pk in _ids(checker.get("/api/v1/claims/?rating=True"))
    assert drafts.public_claim.pk in _ids(checker.get("/api/v1/claims/?publisher=ours.example.org"))


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/claims/",
        "/api/v1/verdicts/",
        "/api/v1/appearances/",
        "/api/v1/evidence/",
        "/api/v1/media/",
        "/api/v1/claims/?ordering=-updated_at",
        "/api/v1/verdicts/?ordering=-published_at",
    ],
)
def test_lists_show_nothing_of_drafts(drafts, role, path):
    response = client_for(role).get(path)
    assert response.status_code == 200
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("role", OUTSIDERS)
def test_public_claim_shows_its_published_verdict_only(drafts, role):
    response = client_for(role).get(f"/api/v1/claims/{drafts.public_claim.pk}/")
    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    verdict = response.json()["verdict"]
    assert verdict is None or verdict["id"] != drafts.draft_on_public.pk


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize(
    "path",
    [
        lambda d: f"/api/v1/claims/{d.draft_claim.pk}/",
        lambda d: f"/api/v1/verdicts/{d.draft_verdict.pk}/",
        lambda d: f"/api/v1/verdicts/{d.draft_on_public.pk}/",
        lambda d: f"/api/v1/media/{d.draft_media.pk}/",
        lambda d: f"/api/v1/claims/{d.draft_claim.pk}/suggestions/",
        lambda d: f"/api/v1/evidence/?claim={d.draft_claim.pk}",
        lambda d: f"/api/v1/appearances/?claim={d.draft_claim.pk}",
        lambda d: f"/api/v1/verdicts/?claim={d.public_claim.pk}&rating=True",
        lambda d: f"/api/v1/media/?sha256={d.draft_media.sha256}",
    ],
)
def test_draft_objects_are_not_found(drafts, role, path):
    response = client_for(role).get(path(drafts))
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert _ids(response) == set()


@pytest.mark.parametrize(
    "path",
    [
        "/fact-checks/",
        "/fact-checks/?q=zebra",
        "/fact-checks/feed/rss/",
        "/fact-checks/feed/atom/",
        "/fact-checks/feed/claimreview.json",
    ],
)
def test_public_pages_and_feeds_show_nothing_of_drafts(drafts, client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert SECRET not in response.content.decode()


def test_draft_verdict_page_is_not_found(drafts, client):
    for verdict in (drafts.draft_verdict, drafts.draft_on_public):
        assert client.get(f"/fact-checks/{verdict.slug}/").status_code == 404


@pytest.mark.parametrize(
    "query",
    [f"query={SECRET}", "reviewPublisherSiteFilter=ours.example.org", "query=zebra"],
)
def test_fact_check_tools_search_shows_nothing_of_drafts(drafts, query):
    response = client_for("consumer").get(f"/v1alpha1/claims:search?{query}")
    assert response.status_code == 200, response.content
    body = response.content.decode()
    assert SECRET not in body
    assert "ours.example.org" not in body


@pytest.mark.parametrize("role", OUTSIDERS)
def test_check_this_shows_nothing_of_drafts(drafts, role):
    response = client_for(role).post("/api/v1/check/", {"text": DRAFT_CLAIM_TEXT}, format="json")
    assert response.status_code == 200, response.content
    assert SECRET not in response.content.decode()
    assert all(r["verdict"]["status"] == "published" for r in response.json()["results"])


@pytest.mark.parametrize("role", OUTSIDERS)
def test_draft_media_file_is_not_found(drafts, role):
    # Files are served with the API's visibility: see test_media_files.py.
    assert client_for(role).get(f"/media/{drafts.draft_media.file.name}").status_code == 404
