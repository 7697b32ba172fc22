import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from claims.exceptions import VerdictLocked
from claims.models import MediaAuthenticity, Publisher, Verdict
from claims.services.verdicts import (
    RatingScaleRequired,
    VerdictExists,
    verdict_create_draft,
    verdict_update_draft,
)
from tests.factories import (
    ClaimFactory,
    PublisherFactory,
    RatingFactory,
    RatingScaleFactory,
    VerdictFactory,
    fact_checker,
)

pytestmark = pytest.mark.django_db


def test_draft_is_this_newsrooms_on_the_ratings_scale_in_the_claims_language():
    checker = fact_checker()
    claim = ClaimFactory(language="zh")
    rating = RatingFactory(label="False", value=1)

    verdict = verdict_create_draft(
        claim=claim,
        actor=checker,
        rating=rating,
        headline="Funeral video is 2015 footage",
        media_authenticity=MediaAuthenticity.DECONTEXTUALIZED,
    )

    assert verdict.status == Verdict.Status.DRAFT
    assert verdict.publisher == Publisher.objects.get(is_self=True)
    assert verdict.rating_scale == rating.scale
    assert verdict.language == "zh"
    assert verdict.slug == "funeral-video-is-2015-footage"
    assert list(verdict.authors.all()) == [checker]


def test_draft_needs_a_rating_or_a_scale():
    with pytest.raises(RatingScaleRequired):
        verdict_create_draft(claim=ClaimFactory(), actor=None)
    verdict = verdict_create_draft(
        claim=ClaimFactory(), actor=None, rating_scale=RatingScaleFactory()
    )
    assert verdict.rating is None


def test_draft_refuses_a_rating_from_another_scale():
    with pytest.raises(ValidationError) as error:
        verdict_create_draft(
            claim=ClaimFactory(),
            actor=None,
            rating=RatingFactory(),
            rating_scale=RatingScaleFactory(),
        )
    assert "rating" in error.value.error_dict
    assert not Verdict.objects.exists()


def test_one_verdict_per_publisher_per_claim():
    claim, rating = ClaimFactory(), RatingFactory()
    verdict_create_draft(claim=claim, actor=None, rating=rating)
    with pytest.raises(VerdictExists):
        verdict_create_draft(claim=claim, actor=None, rating=rating)
    other = verdict_create_draft(
        claim=claim, actor=None, rating=rating, publisher=PublisherFactory()
    )
    assert other.claim == claim


def test_slugs_are_unique_and_fall_back_for_non_latin_headlines():
    rating = RatingFactory()
    first = verdict_create_draft(claim=ClaimFactory(), actor=None, rating=rating, headline="Same")
    second = verdict_create_draft(claim=ClaimFactory(), actor=None, rating=rating, headline="Same")
    chinese = ClaimFactory()
    third = verdict_create_draft(claim=chinese, actor=None, rating=rating, headline="国葬")
    assert (first.slug, second.slug, third.slug) == ("same", "same-2", f"claim-{chinese.pk}")


def test_update_draft_keeps_scale_in_step_with_rating():
    verdict = VerdictFactory()
    new_rating = RatingFactory()

    updated = verdict_update_draft(verdict=verdict, actor=None, rating=new_rating, summary="Why")

    assert (updated.rating, updated.rating_scale, updated.summary) == (
        new_rating,
        new_rating.scale,
        "Why",
    )


@pytest.mark.parametrize("status", [Verdict.Status.PUBLISHED, Verdict.Status.RETRACTED])
def test_published_and_retracted_verdicts_are_locked(status):
    now = timezone.now()
    verdict = VerdictFactory(status=status, published_at=now, retracted_at=now)
    with pytest.raises(VerdictLocked) as error:
        verdict_update_draft(verdict=verdict, actor=None, headline="Quietly changed")
    assert error.value.code == "verdict_locked"
    verdict.refresh_from_db()
    assert verdict.headline != "Quietly changed"
