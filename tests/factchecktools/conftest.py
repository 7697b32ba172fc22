from dataclasses import dataclass
from datetime import date, datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import Publisher, Rating, RatingScale, RatingSynonym, Verdict
from claims.services.claims import claim_create
from claims.services.publishers import publisher_get_or_create_self
from claims.services.verdicts import verdict_create_draft
from core.services.api_keys import api_key_create
from tests.factories import RatingFactory, RatingScaleFactory, UserFactory, editor, fact_checker


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_RATE_LIMITS = {}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Keys:
    consumer: str
    fact_checker: str
    editor: str


@pytest.fixture
def keys(db) -> Keys:
    return Keys(
        consumer=api_key_create(owner=UserFactory(), name="partner", created_by=None)[1],
        fact_checker=api_key_create(owner=fact_checker(), name="desk", created_by=None)[1],
        editor=api_key_create(owner=editor(), name="cms", created_by=None)[1],
    )


def get(path: str, key: str | None, **params) -> object:
    """A GET with `key` as Google's clients send it."""
    if key is not None:
        params["key"] = key
    return APIClient().get(path, params)


@pytest.fixture
def scale(db, settings):
    """The newsroom's default scale, with the steps our verdicts use (in place of the one a
    migration creates, and its synonyms)."""
    RatingSynonym.objects.all().delete()
    Rating.objects.all().delete()
    RatingScale.objects.all().delete()
    scale = RatingScaleFactory(name=settings.FACTCHECK_DEFAULT_RATING_SCALE, best_value=5)
    for label, value in [("True", 5), ("Misleading", 3), ("False", 1)]:
        RatingFactory(scale=scale, label=label, value=value)
    return scale


@pytest.fixture
def ours(db) -> Publisher:
    return publisher_get_or_create_self()


@pytest.fixture
def afp(db) -> Publisher:
    return Publisher.objects.create(
        name="AFP Fact Check", site="factcheck.afp.com", url="https://factcheck.afp.com/"
    )


def publish(
    text: str,
    *,
    publisher: Publisher,
    scale,
    rating: str = "False",
    textual_rating: str = "",
    review_url: str = "",
    headline: str = "",
    summary: str = "Records show otherwise.",
    language: str = "en",
    claimant: str = "",
    original_text: str = "",
    claim_date: date | None = None,
    published_at: datetime | None = None,
    status: str = Verdict.Status.PUBLISHED,
) -> Verdict:
    """A claim with a verdict of `publisher` in `status`, indexed for search like any other."""
    claim = claim_create(
        created_by=None,
        text=text,
        original_text=original_text,
        language=language,
        claimant=claimant,
        claim_date=claim_date,
    )
    verdict = verdict_create_draft(
        claim=claim,
        actor=None,
        rating=scale.ratings.get(label=rating) if rating else None,
        rating_scale=scale,
        headline=headline or f"Fact check: {text}",
        summary=summary,
        language=language,
        publisher=publisher,
    )
    moment = published_at or timezone.now()
    Verdict.objects.filter(pk=verdict.pk).update(
        status=status,
        published_at=moment,
        retracted_at=moment if status == Verdict.Status.RETRACTED else None,
        textual_rating=textual_rating,
        review_url=review_url,
    )
    verdict.refresh_from_db()
    return verdict
