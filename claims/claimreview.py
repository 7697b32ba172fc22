"""schema.org ClaimReview and MediaReview for published verdicts, as search engines and fact-check
aggregators read them (Google's ClaimReview and MediaReview structured data guidelines)."""

from django.conf import settings
from django.urls import reverse

from claims.models import Appearance, Verdict
from media.models import MediaItem

SCHEMA = "https://schema.org"
# Google asks for a short claimReviewed; longer claims are cut at a word boundary.
CLAIM_REVIEWED_MAX = 75


def public_url(verdict: Verdict) -> str:
    path = reverse("fact-check-detail", kwargs={"slug": verdict.slug})
    return settings.FACTCHECK_PUBLIC_BASE_URL.rstrip("/") + path


def short_claim(text: str, limit: int = CLAIM_REVIEWED_MAX) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _date(value) -> str | None:
    return (
        value.date().isoformat()
        if hasattr(value, "date")
        else (value.isoformat() if value else None)
    )


def _organization(verdict: Verdict) -> dict:
    publisher = verdict.publisher
    return {
        "@type": "Organization",
        "name": publisher.name,
        "url": publisher.url or f"https://{publisher.site}/",
    }


def _creative_work(appearance: Appearance) -> dict:
    work = {"@type": "CreativeWork", "url": appearance.url}
    if appearance.posted_at:
        work["datePublished"] = _date(appearance.posted_at)
    if appearance.author_handle:
        work["author"] = {"@type": "Person", "name": appearance.author_handle}
    return work


def _rating(verdict: Verdict) -> dict:
    rating, scale = verdict.rating, verdict.rating_scale
    review_rating = {"@type": "Rating", "alternateName": rating.label}
    if rating.value is not None:
        # A rating off the numeric scale (e.g. Unproven) carries only its name.
        review_rating |= {
            "ratingValue": rating.value,
            "bestRating": scale.best_value,
            "worstRating": scale.worst_value,
        }
    if verdict.summary:
        review_rating["ratingExplanation"] = verdict.summary
    return review_rating


def claim_review(verdict: Verdict, *, appearances: list[Appearance]) -> dict:
    """The ClaimReview of a published (or retracted) verdict; `appearances` first one first."""
    claim = verdict.claim
    item_reviewed = {"@type": "Claim"}
    if claim.claimant:
        item_reviewed["author"] = {"@type": "Organization", "name": claim.claimant}
    if claim.claim_date:
        item_reviewed["datePublished"] = _date(claim.claim_date)
    if appearances:
        item_reviewed["appearance"] = [_creative_work(a) for a in appearances]
        first = next((a for a in appearances if a.is_first), appearances[0])
        item_reviewed["firstAppearance"] = _creative_work(first)
    review = {
        "@context": SCHEMA,
        "@type": "ClaimReview",
        "url": public_url(verdict),
        "claimReviewed": short_claim(claim.text),
        "headline": verdict.headline,
        "inLanguage": verdict.language,
        "author": _organization(verdict),
        "datePublished": _date(verdict.published_at),
        "dateModified": verdict.updated_at.isoformat(),
        "reviewRating": _rating(verdict),
        "itemReviewed": item_reviewed,
    }
    if verdict.status == Verdict.Status.RETRACTED:
        review["creativeWorkStatus"] = "Retracted"
    return review


def _media_object(item: MediaItem | None, url: str, uploaded=None) -> dict:
    kind = "VideoObject" if item is None or item.kind == MediaItem.Kind.VIDEO else "ImageObject"
    media = {"@type": kind, "contentUrl": url}
    if uploaded:
        media["uploadDate"] = _date(uploaded)
    return media


def media_review(
    verdict: Verdict,
    *,
    appearances: list[Appearance],
    claim_media: list[MediaItem],
    original: MediaItem | None,
) -> dict | None:
    """The MediaReview of a media claim, or None when the verdict has no MediaReview category.

    `original` is the earliest known copy of the media (what the claim's media really is).
    """
    if not verdict.media_authenticity:
        return None
    kind_source = claim_media[0] if claim_media else None
    review = {
        "@context": SCHEMA,
        "@type": "MediaReview",
        "url": public_url(verdict),
        "author": _organization(verdict),
        "datePublished": _date(verdict.published_at),
        "dateModified": verdict.updated_at.isoformat(),
        "mediaAuthenticityCategory": verdict.media_authenticity,
        "itemReviewed": {
            "@type": "MediaReviewItem",
            "mediaItemAppearance": [
                _media_object(kind_source, a.url, a.posted_at) for a in appearances
            ],
        },
    }
    if original is not None:
        link = original.original_url or original.source_url
        if link:
            review["originalMediaLink"] = link
        parts = [original.caption]
        if original.publisher_name or original.first_published_at:
            when = (
                f" on {_date(original.first_published_at)}" if original.first_published_at else ""
            )
            parts.append(f"First published by {original.publisher_name or 'its source'}{when}.")
        review["originalMediaContextDescription"] = " ".join(p for p in parts if p)
    return review
