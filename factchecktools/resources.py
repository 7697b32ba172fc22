"""Our claims, verdicts and markup pages as the Fact Check Tools API's JSON resources
(`GoogleFactcheckingFactchecktoolsV1alpha1*` in its discovery document).

Like Google's (proto3 JSON), a resource leaves out members that are empty. Dates that the
discovery document types as `google-datetime` are RFC 3339 timestamps in UTC; the markup's
`claimDate` and `publishDate` are plain strings there, and are given as ISO dates.

Each builder has its output serializer beside it, named as in the discovery document: they are
not used to render (the builders are), they declare what the builders make for the
/v1alpha1/schema/ (factchecktools.schema), and tests check one against the other.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

from claims.claimreview import public_url
from claims.models import Claim, Verdict
from factchecktools.models import ClaimReviewMarkup, ClaimReviewPage
from factchecktools.selectors import claim_review_page_version

GOOGLE = "GoogleFactcheckingFactchecktoolsV1alpha1"


def _optional(field_class: type[serializers.Field], **kwargs: Any) -> serializers.Field:
    # Members that are empty are left out, so none is required.
    return field_class(required=False, **kwargs)


class Output(serializers.Serializer):
    """A resource as the builders below make it: every member optional (empty ones are left
    out), no others."""


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in data.items() if value not in (None, "", [], {})}


def _timestamp(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _markup_of(verdict: Verdict) -> ClaimReviewMarkup | None:
    try:
        return verdict.claim_review_markup
    except ObjectDoesNotExist:
        return None


def review_url(verdict: Verdict) -> str:
    """Where the review can be read: the markup page it was written on, else where another
    publisher's imported review lives, else our own public fact-check page."""
    markup = _markup_of(verdict)
    if markup is not None:
        return markup.url or markup.page.page_url
    return verdict.review_url or public_url(verdict)


def textual_rating(verdict: Verdict) -> str:
    return verdict.textual_rating or (verdict.rating.label if verdict.rating_id else "")


class PublisherOutput(Output):
    name = _optional(serializers.CharField)
    site = _optional(serializers.CharField)

    class Meta:
        ref_name = f"{GOOGLE}Publisher"


class ClaimReviewOutput(Output):
    publisher = PublisherOutput(required=False)
    url = _optional(serializers.URLField)
    title = _optional(serializers.CharField)
    reviewDate = _optional(serializers.DateTimeField)
    textualRating = _optional(serializers.CharField)
    languageCode = _optional(serializers.CharField)

    class Meta:
        ref_name = f"{GOOGLE}ClaimReview"


def claim_review_resource(verdict: Verdict) -> dict[str, Any]:
    """`ClaimReview`: needs the verdict's publisher, rating and markup (with its page) joined."""
    return _compact(
        {
            "publisher": _compact({"name": verdict.publisher.name, "site": verdict.publisher.site}),
            "url": review_url(verdict),
            "title": verdict.headline,
            "reviewDate": _timestamp(verdict.published_at),
            "textualRating": textual_rating(verdict),
            "languageCode": verdict.language,
        }
    )


class ClaimOutput(Output):
    text = _optional(serializers.CharField)
    claimant = _optional(serializers.CharField)
    claimDate = _optional(serializers.DateTimeField)
    claimReview = ClaimReviewOutput(many=True, required=False)

    class Meta:
        ref_name = f"{GOOGLE}Claim"


def claim_resource(claim: Claim, reviews: Iterable[Verdict]) -> dict[str, Any]:
    """`Claim` with its `claimReview`s: what claims:search lists and claims:imageSearch wraps as
    `results[].claim` (selectors.claims_with_reviews reads both)."""
    return _compact(
        {
            "text": claim.text,
            "claimant": claim.claimant,
            "claimDate": _timestamp(claim.claim_date),
            "claimReview": [claim_review_resource(verdict) for verdict in reviews],
        }
    )


class ClaimRatingOutput(Output):
    textualRating = _optional(serializers.CharField)
    ratingValue = _optional(serializers.IntegerField)
    bestRating = _optional(serializers.IntegerField)
    worstRating = _optional(serializers.IntegerField)
    ratingExplanation = _optional(serializers.CharField)
    imageUrl = _optional(serializers.URLField)

    class Meta:
        ref_name = f"{GOOGLE}ClaimRating"


def _rating_resource(markup: ClaimReviewMarkup) -> dict[str, Any]:
    verdict = markup.verdict
    numbers: dict[str, Any] = {
        "ratingValue": markup.rating_value,
        "bestRating": markup.best_rating,
        "worstRating": markup.worst_rating,
    }
    rating = verdict.rating
    if all(value is None for value in numbers.values()) and rating and rating.value is not None:
        numbers = {
            "ratingValue": rating.value,
            "bestRating": verdict.rating_scale.best_value,
            "worstRating": verdict.rating_scale.worst_value,
        }
    return _compact(
        {
            "textualRating": textual_rating(verdict),
            **numbers,
            "ratingExplanation": verdict.summary,
            "imageUrl": markup.rating_image_url,
        }
    )


class ClaimAuthorOutput(Output):
    name = _optional(serializers.CharField)
    jobTitle = _optional(serializers.CharField)
    imageUrl = _optional(serializers.URLField)
    sameAs = _optional(serializers.URLField)

    class Meta:
        ref_name = f"{GOOGLE}ClaimAuthor"


class ClaimReviewMarkupOutput(Output):
    url = _optional(serializers.URLField)
    claimReviewed = _optional(serializers.CharField)
    claimDate = _optional(serializers.CharField, help_text="An ISO date (YYYY-MM-DD).")
    claimAuthor = ClaimAuthorOutput(required=False)
    claimLocation = _optional(serializers.CharField)
    claimFirstAppearance = _optional(serializers.URLField)
    claimAppearances = _optional(serializers.ListField, child=serializers.URLField())
    rating = ClaimRatingOutput(required=False)

    class Meta:
        ref_name = f"{GOOGLE}ClaimReviewMarkup"


def markup_resource(markup: ClaimReviewMarkup) -> dict[str, Any]:
    """`ClaimReviewMarkup`: needs the selector's joins (claim_review_page_list)."""
    claim = markup.verdict.claim
    appearances = list(claim.appearances.all())
    first = next((appearance.url for appearance in appearances if appearance.is_first), "")
    return _compact(
        {
            "url": markup.url,
            "claimReviewed": claim.text,
            "claimDate": claim.claim_date.isoformat() if claim.claim_date else None,
            "claimAuthor": _compact(
                {
                    "name": claim.claimant,
                    "jobTitle": markup.claim_author_job_title,
                    "imageUrl": markup.claim_author_image_url,
                    "sameAs": markup.claim_author_same_as,
                }
            ),
            "claimLocation": markup.claim_location,
            "claimFirstAppearance": first,
            "claimAppearances": [a.url for a in appearances if not a.is_first],
            "rating": _rating_resource(markup),
        }
    )


def page_name(page: ClaimReviewPage) -> str:
    return f"pages/{page.pk}"


class ClaimReviewAuthorOutput(Output):
    name = _optional(serializers.CharField)
    imageUrl = _optional(serializers.URLField)

    class Meta:
        ref_name = f"{GOOGLE}ClaimReviewAuthor"


class ClaimReviewMarkupPageOutput(Output):
    name = _optional(serializers.CharField, help_text="`pages/{id}`.")
    pageUrl = _optional(serializers.URLField)
    publishDate = _optional(serializers.CharField, help_text="An ISO date (YYYY-MM-DD).")
    claimReviewAuthor = ClaimReviewAuthorOutput(required=False)
    claimReviewMarkups = ClaimReviewMarkupOutput(many=True, required=False)
    versionId = _optional(serializers.CharField)

    class Meta:
        ref_name = f"{GOOGLE}ClaimReviewMarkupPage"


def page_resource(page: ClaimReviewPage) -> dict[str, Any]:
    """`ClaimReviewMarkupPage`: needs the selector's joins (claim_review_page_list)."""
    return _compact(
        {
            "name": page_name(page),
            "pageUrl": page.page_url,
            "publishDate": page.publish_date.isoformat() if page.publish_date else None,
            "claimReviewAuthor": _compact(
                {"name": page.author_name, "imageUrl": page.author_image_url}
            ),
            "claimReviewMarkups": [markup_resource(markup) for markup in page.markups.all()],
            "versionId": claim_review_page_version(page),
        }
    )


class ListClaimsResponseOutput(Output):
    """claims:search."""

    claims = ClaimOutput(many=True, required=False)
    nextPageToken = _optional(serializers.CharField)

    class Meta:
        ref_name = f"{GOOGLE}FactCheckedClaimSearchResponse"


class ImageSearchResultOutput(Output):
    claim = ClaimOutput(required=False)

    class Meta:
        ref_name = f"{GOOGLE}FactCheckedClaimImageSearchResponseResult"


class ImageSearchResponseOutput(Output):
    """claims:imageSearch."""

    results = ImageSearchResultOutput(many=True, required=False)
    nextPageToken = _optional(serializers.CharField)

    class Meta:
        ref_name = f"{GOOGLE}FactCheckedClaimImageSearchResponse"


class ListPagesResponseOutput(Output):
    """pages.list."""

    claimReviewMarkupPages = ClaimReviewMarkupPageOutput(many=True, required=False)
    nextPageToken = _optional(serializers.CharField)

    class Meta:
        ref_name = f"{GOOGLE}ListClaimReviewMarkupPagesResponse"


class EmptyOutput(Output):
    """pages.delete."""

    class Meta:
        ref_name = "GoogleProtobufEmpty"
