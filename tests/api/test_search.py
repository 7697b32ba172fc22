"""`q` over claim text, original text, claimant, verdict headline and summary."""

import pytest
from django.utils import timezone

from claims.models import Verdict
from claims.services.claims import claim_create, claim_update
from claims.services.verdicts import verdict_create_draft, verdict_update_draft
from tests.api.conftest import client_for
from tests.factories import RatingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims():
    rating = RatingFactory(label="False")
    funeral = claim_create(
        created_by=None,
        text="A video shows the state funeral of general Kim Yong Bok.",
        original_text="朝鲜为金永福大将举行国葬的视频。",
        language="zh",
        claimant="Chinese-language social media users",
    )
    banknotes = claim_create(
        created_by=None,
        text="North Korea issued new banknotes in December.",
        original_text="북한이 2024년 12월 새 지폐를 발행했다.",
        language="ko",
        claimant="YouTube commentary channel",
    )
    flood = claim_create(
        created_by=None, text="A photo shows a flooded airport.", language="en", claimant="Blog"
    )
    verdict = verdict_create_draft(
        claim=flood,
        actor=None,
        rating=rating,
        headline="Airport photo is a 2019 rendering",
        summary="The image is a computer rendering made for a flood drill.",
    )
    Verdict.objects.filter(pk=verdict.pk).update(status="published", published_at=timezone.now())
    return {"funeral": funeral, "banknotes": banknotes, "flood": flood, "flood_verdict": verdict}


def _claims(q: str) -> set[int]:
    response = client_for("editor").get("/api/v1/claims/", {"q": q})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _verdicts(q: str) -> set[int]:
    response = client_for("anonymous").get("/api/v1/verdicts/", {"q": q})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("funeral", {"funeral"}),
        ("FUNERAL Kim", {"funeral"}),
        ("funerl", {"funeral"}),  # a typo
        ("banknots", {"banknotes"}),
        ('"state funeral"', {"funeral"}),
        ('"funeral state"', set()),
        ("国葬", {"funeral"}),  # two characters inside a Chinese sentence
        ("金永福", {"funeral"}),
        # Unspaced runs of two words: the text has other characters between them.
        ("金永福国葬", {"funeral"}),
        ("朝鲜国葬", {"funeral"}),
        ("朝鲜国庆", set()),
        ("葬国", set()),  # the same characters in another order are another word
        ("지폐", {"banknotes"}),  # Korean word with a particle attached in the text
        ("북한", {"banknotes"}),
        ("commentary", {"banknotes"}),  # claimant
        ("rendering drill", {"flood"}),  # verdict headline and summary
        ("!!!", set()),
    ],
)
def test_claim_search(claims, q, expected):
    assert _claims(q) == {claims[name].pk for name in expected}


def test_verdict_search_covers_claim_and_verdict_text(claims):
    verdict_id = claims["flood_verdict"].pk
    assert _verdicts("airport") == {verdict_id}
    assert _verdicts('"computer rendering"') == {verdict_id}
    assert _verdicts("Blog") == {verdict_id}
    assert _verdicts("funeral") == set()  # no published verdict on it


def test_search_follows_edits(claims):
    claim_update(claim=claims["banknotes"], actor=None, text="North Korea printed new currency.")
    assert _claims("currency") == {claims["banknotes"].pk}
    assert _claims("banknotes") == set()

    Verdict.objects.filter(pk=claims["flood_verdict"].pk).update(status="draft")
    verdict_update_draft(verdict=claims["flood_verdict"], actor=None, headline="Harbour render")
    assert _claims("harbour") == {claims["flood"].pk}
    assert _claims("2019") == set()
