"""The `ClaimReviewMarkupPage` body of pages.create and pages.update, validated into
`services.PageData`.

Members are the discovery document's JSON names; one it does not define is refused, as Google
refuses an unknown name. Errors name the member by its proto path
(`claim_review_markup_page.claim_review_markups[1].rating.textual_rating`).
"""

import re
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import StrictSerializer
from core.validators import validate_http_url
from factchecktools.errors import invalid_argument
from factchecktools.params import INT32_MAX, INT32_MIN
from factchecktools.resources import GOOGLE
from factchecktools.services import (
    ClaimAuthorData,
    MarkupData,
    MarkupInvalid,
    PageData,
    RatingData,
    canonical_page_url,
)

BODY = "claim_review_markup_page"
MAX_MARKUPS_PER_PAGE = 50
MAX_APPEARANCES = 50
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


class UrlField(serializers.CharField):
    """An http(s) URL, as our models store them."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(validators=[validate_http_url], **kwargs)


@extend_schema_field({"type": "string", "maxLength": 40, "example": "2024-12-26"})
class DateField(serializers.Field):
    """A date as the markup writes it: `2024-12-26`, or a timestamp whose date is taken."""

    default_error_messages = {"invalid": "Must be a date (YYYY-MM-DD) or an RFC 3339 timestamp."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data: Any) -> date | None:
        if not isinstance(data, str) or len(data) > 40:
            self.fail("invalid")
        text = data.strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value: date) -> str:
        return value.isoformat()


def _int32(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, allow_null=True, min_value=INT32_MIN, max_value=INT32_MAX, **kwargs
    )


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_blank", True)
    return serializers.CharField(max_length=max_length, **kwargs)


class ClaimAuthorInput(StrictSerializer):
    name = _text(300)
    jobTitle = _text(200)
    imageUrl = UrlField()
    sameAs = UrlField()

    class Meta:
        ref_name = f"{GOOGLE}ClaimAuthor"


class ClaimRatingInput(StrictSerializer):
    textualRating = _text(200, required=True, allow_blank=False)
    ratingValue = _int32()
    bestRating = _int32()
    worstRating = _int32()
    ratingExplanation = _text(10_000)
    imageUrl = UrlField()

    class Meta:
        ref_name = f"{GOOGLE}ClaimRating"

    def validate(self, data: dict) -> dict:
        value, best, worst = (data.get(n) for n in ("ratingValue", "bestRating", "worstRating"))
        if best is not None and worst is not None and best <= worst:
            raise serializers.ValidationError({"bestRating": "Must be above worstRating."})
        if None not in (value, best, worst) and not worst <= value <= best:
            raise serializers.ValidationError(
                {"ratingValue": "Must be between worstRating and bestRating."}
            )
        return data


class ClaimReviewMarkupInput(StrictSerializer):
    url = UrlField()
    claimReviewed = _text(10_000, required=True, allow_blank=False)
    claimDate = DateField()
    claimAuthor = ClaimAuthorInput(required=False)
    claimLocation = _text(300)
    claimFirstAppearance = UrlField()
    claimAppearances = serializers.ListField(
        child=UrlField(allow_blank=False), required=False, max_length=MAX_APPEARANCES
    )
    rating = ClaimRatingInput()

    class Meta:
        ref_name = f"{GOOGLE}ClaimReviewMarkup"


class ClaimReviewAuthorInput(StrictSerializer):
    name = _text(200)
    imageUrl = UrlField()

    class Meta:
        ref_name = f"{GOOGLE}ClaimReviewAuthor"


class ClaimReviewMarkupPageInput(StrictSerializer):
    name = _text(100)
    pageUrl = UrlField(required=True, allow_blank=False)
    publishDate = DateField()
    claimReviewAuthor = ClaimReviewAuthorInput(required=False)
    claimReviewMarkups = ClaimReviewMarkupInput(
        many=True, allow_empty=False, max_length=MAX_MARKUPS_PER_PAGE
    )
    versionId = _text(100)

    class Meta:
        ref_name = f"{GOOGLE}ClaimReviewMarkupPage"

    def validate_publishDate(self, value: date | None) -> date | None:
        # A day of slack for publishers west of UTC.
        if value is not None and value > timezone.now().date() + timedelta(days=1):
            raise serializers.ValidationError("Must not be in the future.")
        return value

    def validate(self, data: dict) -> dict:
        page = canonical_page_url(data["pageUrl"])
        errors = {}
        for index, markup in enumerate(data["claimReviewMarkups"]):
            url = markup.get("url")
            if url and not _on_page(url, page):
                # Google allows only the page URL with a fragment ("page jump") here.
                errors[index] = {"url": ["Must be the page URL, optionally with a #fragment."]}
        if errors:
            raise serializers.ValidationError({"claimReviewMarkups": errors})
        return data


def _on_page(url: str, page: str) -> bool:
    try:
        return canonical_page_url(url) == page
    except MarkupInvalid:
        return False


def _snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


def _violations(errors: Any, path: str) -> list[tuple[str, str]]:
    """DRF's nested errors as Google's field violations, with proto paths."""
    if isinstance(errors, dict):
        found = []
        for key, value in errors.items():
            if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                found += _violations(value, f"{path}[{key}]")
            elif key == "non_field_errors":
                found += _violations(value, path)
            else:
                found += _violations(value, f"{path}.{_snake(key)}")
        return found
    if isinstance(errors, list):
        if all(isinstance(item, str) for item in errors):
            return [(path, str(item)) for item in errors]
        found = []
        for index, item in enumerate(errors):
            if item:
                found += _violations(item, f"{path}[{index}]")
        return found
    return [(path, str(errors))]


def page_data(body: Any) -> tuple[PageData, dict[str, str]]:
    """The page a request body describes, and its `name` and `versionId` (empty when not
    given); INVALID_ARGUMENT listing every member at fault otherwise."""
    if not isinstance(body, dict):
        raise invalid_argument(
            "Invalid JSON payload received: the body must be a ClaimReviewMarkupPage object.",
            [(BODY, "Must be a JSON object.")],
        )
    serializer = ClaimReviewMarkupPageInput(data=body)
    if not serializer.is_valid():
        violations = _violations(serializer.errors, BODY)
        field, description = violations[0]
        raise invalid_argument(f"Invalid value at '{field}': {description}", violations)
    data = serializer.validated_data
    author = data.get("claimReviewAuthor", {})
    page = PageData(
        page_url=data["pageUrl"],
        publish_date=data.get("publishDate"),
        author_name=author.get("name", ""),
        author_image_url=author.get("imageUrl", ""),
        markups=tuple(_markup_data(markup) for markup in data["claimReviewMarkups"]),
    )
    return page, {"name": data.get("name", ""), "version_id": data.get("versionId", "")}


def _markup_data(markup: dict) -> MarkupData:
    author = markup.get("claimAuthor", {})
    rating = markup["rating"]
    return MarkupData(
        claim_reviewed=markup["claimReviewed"],
        url=markup.get("url", ""),
        claim_date=markup.get("claimDate"),
        claim_author=ClaimAuthorData(
            name=author.get("name", ""),
            job_title=author.get("jobTitle", ""),
            image_url=author.get("imageUrl", ""),
            same_as=author.get("sameAs", ""),
        ),
        claim_location=markup.get("claimLocation", ""),
        first_appearance=markup.get("claimFirstAppearance", ""),
        appearances=tuple(markup.get("claimAppearances", ())),
        rating=RatingData(
            textual_rating=rating["textualRating"],
            rating_value=rating.get("ratingValue"),
            best_rating=rating.get("bestRating"),
            worst_rating=rating.get("worstRating"),
            explanation=rating.get("ratingExplanation", ""),
            image_url=rating.get("imageUrl", ""),
        ),
    )
