"""What must never be stored is refused by the database itself, and by `full_clean` with a
message a form can show."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.models import Appearance, Correction, Publisher, Rating, Verdict
from media.models import MediaItem
from tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    MediaItemFactory,
    RatingFactory,
    RatingScaleFactory,
    VerdictFactory,
)

pytestmark = pytest.mark.django_db


def _refused_by_database(save) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        save()


def test_verdict_rating_must_be_on_its_scale():
    verdict = VerdictFactory()
    other_scale_rating = RatingFactory(scale=RatingScaleFactory())
    verdict.rating = other_scale_rating

    with pytest.raises(ValidationError) as error:
        verdict.full_clean()
    assert error.value.error_dict["rating"][0].code == "rating_not_on_scale"
    _refused_by_database(verdict.save)


def test_rating_value_must_lie_on_the_scale():
    scale = RatingScaleFactory(best_value=5, worst_value=1)
    with pytest.raises(ValidationError) as error:
        Rating(scale=scale, label="Off the chart", value=9).full_clean()
    assert error.value.error_dict["value"][0].code == "rating_off_scale"


def test_rating_scale_best_must_be_above_worst():
    _refused_by_database(lambda: RatingScaleFactory(best_value=1, worst_value=5))


@pytest.mark.parametrize(
    "url", ["ftp://example.org/file", "javascript:alert(1)", "example.org/no-scheme", ""]
)
def test_appearance_needs_an_http_url(url):
    appearance = Appearance(claim=ClaimFactory(), url=url, platform=Appearance.Platform.WEB)
    with pytest.raises(ValidationError) as error:
        appearance.full_clean()
    assert "url" in error.value.error_dict
    _refused_by_database(appearance.save)


def test_appearance_archived_url_must_be_http_too():
    appearance = AppearanceFactory.build(claim=ClaimFactory(), archived_url="file:///etc/passwd")
    _refused_by_database(appearance.save)


def test_claim_has_one_first_appearance():
    claim = ClaimFactory()
    AppearanceFactory(claim=claim, is_first=True)
    _refused_by_database(lambda: AppearanceFactory(claim=claim, is_first=True))


def test_same_url_is_one_appearance_per_claim():
    first = AppearanceFactory()
    _refused_by_database(lambda: AppearanceFactory(claim=first.claim, url=first.url))


def test_claim_cannot_be_a_duplicate_of_itself():
    claim = ClaimFactory()
    claim.duplicate_of = claim
    with pytest.raises(ValidationError) as error:
        claim.full_clean()
    assert error.value.error_dict["duplicate_of"][0].code == "duplicate_of_self"
    _refused_by_database(claim.save)


def test_claim_language_must_be_a_bcp47_tag():
    claim = ClaimFactory.build(language="Chinese")
    with pytest.raises(ValidationError) as error:
        claim.full_clean()
    assert error.value.error_dict["language"][0].code == "invalid_language"
    for tag in ["zh", "zh-Hant-TW", "ko", "pt-BR", "es-419", "yue"]:
        ClaimFactory.build(language=tag).full_clean(exclude=["text"])


def test_correction_needs_a_published_verdict():
    draft = VerdictFactory(status=Verdict.Status.DRAFT)
    correction = Correction(
        verdict=draft,
        kind=Correction.Kind.CORRECTION,
        note="Fixed a date.",
        published_at=timezone.now(),
    )
    with pytest.raises(ValidationError) as error:
        correction.full_clean()
    assert error.value.error_dict["verdict"][0].code == "correction_on_unpublished_verdict"
    _refused_by_database(correction.save)


def test_correction_on_a_published_verdict_is_stored():
    published = VerdictFactory(status=Verdict.Status.PUBLISHED, published_at=timezone.now())
    correction = Correction(
        verdict=published,
        kind=Correction.Kind.UPDATE,
        note="Added a source.",
        published_at=timezone.now(),
    )
    correction.full_clean()
    correction.save()
    assert published.corrections.get() == correction


def test_published_verdict_must_be_complete():
    _refused_by_database(lambda: VerdictFactory(status=Verdict.Status.PUBLISHED, published_at=None))
    _refused_by_database(
        lambda: VerdictFactory(
            status=Verdict.Status.PUBLISHED,
            published_at=datetime(2025, 1, 2, tzinfo=UTC),
            summary="",
        )
    )


def test_retracted_verdict_has_a_retraction_date():
    _refused_by_database(
        lambda: VerdictFactory(
            status=Verdict.Status.RETRACTED, published_at=timezone.now(), retracted_at=None
        )
    )


def test_one_verdict_per_publisher_per_claim():
    verdict = VerdictFactory()
    _refused_by_database(
        lambda: VerdictFactory(claim=verdict.claim, publisher=verdict.publisher, slug="other")
    )


def test_only_one_publisher_is_this_newsroom():
    Publisher.objects.create(name="Us", site="us.example.org", is_self=True)
    _refused_by_database(
        lambda: Publisher.objects.create(name="Also us", site="us2.example.org", is_self=True)
    )


def test_identical_media_bytes_are_one_item():
    item = MediaItemFactory()
    _refused_by_database(lambda: MediaItemFactory(sha256=item.sha256))


def test_failed_media_item_says_why():
    _refused_by_database(
        lambda: MediaItemFactory(status=MediaItem.Status.FAILED, failure_reason="")
    )
