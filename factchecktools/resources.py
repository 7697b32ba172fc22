"""Our claims, verdicts and markup pages as the Fact Check Tools API's JSON resources
(`GoogleFactcheckingFactchecktoolsV1alpha1*` in its discovery document).

Like Google's (proto3 JSON), a resource leaves out members that are empty. Dates that the
discovery document types as `google-datetime` are RFC 3339 timestamps in UTC; the markup's
`claimDate` and `publishDate` are plain strings there, and are given as ISO dates.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from claims.claimreview import public_url
from claims.models import Claim, Verdict
from factchecktools.models import ClaimReviewMarkup, ClaimReviewPage
from factchecktools.selectors import claim_review_page_version


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
