"""claims:search over our published verdicts and other publishers', through Django's test client
(the client-library tests are in test_client_library.py)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from claims.claimreview import public_url
from claims.models import Verdict
from tests.factchecktools.conftest import get, publish

pytestmark = pytest.mark.django_db

SEARCH = "/v1alpha1/claims:search"


def _search(key: str, **params) -> dict:
    response = get(SEARCH, key, **params)
    assert response.status_code == 200, response.content
    return response.json()


def _texts(body: dict) -> list[str]:
    return [claim["text"] for claim in body.get("claims", [])]


def test_a_claim_with_our_review_and_an_imported_one_in_googles_shape(keys, scale, ours, afp):
    ours_at = timezone.now() - timedelta(days=2)
    verdict = publish(
        "A video shows the state funeral of general Kim Yong Bok.",
        publisher=ours,
        scale=scale,
        headline="Funeral video is of marshal Ri Ul Sol in 2015",
        claimant="Social media users",
        claim_date=date(2024, 12, 23),
        published_at=ours_at,
    )
    imported = Verdict.objects.create(
        claim=verdict.claim,
        publisher=afp,
        rating_scale=scale,
        textual_rating="Faux",
        review_url="https://factcheck.afp.com/doc.afp.com.36QW9Z4",
        headline="Cette vidéo montre les funérailles de Ri Ul Sol",
        summary="Images de 2015.",
        language="fr",
        slug="afp-kim",
        status=Verdict.Status.PUBLISHED,
        published_at=ours_at + timedelta(days=1),
    )

    body = _search(keys.consumer, query="funeral Kim")

    assert body == {
        "claims": [
            {
                "text": "A video shows the state funeral of general Kim Yong Bok.",
                "claimant": "Social media users",
                "claimDate": "2024-12-23T00:00:00Z",
                "claimReview": [
                    {
                        "publisher": {"name": "AFP Fact Check", "site": "factcheck.afp.com"},
                        "url": "https://factcheck.afp.com/doc.afp.com.36QW9Z4",
                        "title": "Cette vidéo montre les funérailles de Ri Ul Sol",
                        "reviewDate": imported.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "textualRating": "Faux",
                        "languageCode": "fr",
                    },
                    {
                        "publisher": {"name": ours.name, "site": ours.site},
                        "url": public_url(verdict),
                        "title": "Funeral video is of marshal Ri Ul Sol in 2015",
                        "reviewDate": ours_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "textualRating": "False",
                        "languageCode": "en",
                    },
                ],
            }
        ]
    }


def test_drafts_and_retracted_verdicts_are_not_live_ratings(keys, scale, ours, afp):
    publish("Flooded airport photo is real", publisher=ours, scale=scale)
    publish("Flooded airport in a drill", publisher=ours, scale=scale, status="draft")
    retracted = publish("Flooded airport in 2019", publisher=ours, scale=scale, status="retracted")
    publish("Flooded airport in 2019", publisher=afp, scale=scale, status="draft")

    assert _texts(_search(keys.editor, query="flooded airport")) == [
        "Flooded airport photo is real"
    ]
    # A claim with a live review shows only its live reviews.
    publish(retracted.claim.text + " again", publisher=afp, scale=scale)
    body = _search(keys.consumer, query="2019")
    assert [len(claim["claimReview"]) for claim in body["claims"]] == [1]


def test_no_match_is_an_empty_object_as_google_answers(keys, scale, ours):
    publish("Flooded airport photo", publisher=ours, scale=scale)

    assert _search(keys.consumer, query="volcano") == {}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("国葬", ["funeral"]),  # two characters inside a Chinese sentence
        ("金永福", ["funeral"]),
        ("葬国", []),
        ("지폐", ["banknotes"]),
        ("banknots", ["banknotes"]),  # a typo
        ('"state funeral"', ["funeral"]),
        ("commentary", ["banknotes"]),  # the claimant
        ("rendering drill", ["airport"]),  # the verdict's summary
    ],
)
def test_text_matching_is_the_rest_apis(keys, scale, ours, query, expected):
    claims = {
        "funeral": publish(
            "A video shows the state funeral of general Kim Yong Bok.",
            publisher=ours,
            scale=scale,
            original_text="朝鲜为金永福大将举行国葬的视频。",
        ),
        "banknotes": publish(
            "North Korea issued new banknotes. 북한이 새 지폐를 발행했다.",
            publisher=ours,
            scale=scale,
            claimant="YouTube commentary channel",
        ),
        "airport": publish(
            "A photo shows a flooded airport.",
            publisher=ours,
            scale=scale,
            summary="The image is a computer rendering made for a flood drill.",
        ),
    }
    rest = get("/api/v1/verdicts/", keys.consumer, q=query).json()["results"]

    found = _texts(_search(keys.consumer, query=query))

    assert found == [claims[name].claim.text for name in expected]
    assert {row["claim"]["text"] for row in rest} == set(found)


def test_the_more_relevant_claim_comes_first_then_the_more_recently_reviewed(keys, scale, ours):
    now = timezone.now()
    relevant = publish(
        "The funeral of Kim: funeral procession footage from a state funeral",
        publisher=ours,
        scale=scale,
        headline="Funeral footage is from another funeral",
        published_at=now - timedelta(days=30),
    )
    mention = publish("A ceremony after a funeral", publisher=ours, scale=scale, published_at=now)
    older = publish(
        "A photo of a ceremony", publisher=ours, scale=scale, published_at=now - timedelta(days=9)
    )

    assert _texts(_search(keys.consumer, query="funeral")) == [
        relevant.claim.text,
        mention.claim.text,
    ]
    # Equal relevance (the word once each): the most recently reviewed first.
    assert _texts(_search(keys.consumer, query="ceremony")) == [
        mention.claim.text,
        older.claim.text,
    ]
    # A typo matches by spelling alone, without a rank: by recency too.
    assert _texts(_search(keys.consumer, query="ceremny")) == [
        mention.claim.text,
        older.claim.text,
    ]


def test_max_age_days_as_large_as_an_int32_filters_nothing(keys, scale, ours):
    publish("Funeral video", publisher=ours, scale=scale, claim_date=date(1950, 1, 1))

    body = _search(keys.consumer, query="funeral", maxAgeDays="2147483647")

    assert _texts(body) == ["Funeral video"]
