"""Reads for the Fact Check Tools API: live reviews and the claims they review, and markup pages.

A review is live when its verdict is published: retracted verdicts are not ratings anyone should
act on, so the API leaves them out, as Google's index drops withdrawn markup. Our own verdicts
and other publishers' (imported, or written as markup pages) are searched alike.
"""

import hashlib
from datetime import timedelta

from django.db.models import F, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from claims.models import SEARCH_COLUMNS, Appearance, Claim, Verdict
from claims.selectors.claims import claims_with_similar_media
from factchecktools.models import ClaimReviewMarkup, ClaimReviewPage
from retrieval.selectors import ranked_claims

MAX_AGE_DAYS_FILTERED = 36_525


def live_reviews(
    *, language: str = "", site: str = "", max_age_days: int | None = None
) -> QuerySet[Verdict]:
    """Published verdicts, optionally only those in `language` (its primary subtag: `en-US`
    finds `en` and `en-GB`), by the publisher of `site` (or a subdomain of it), or whose review
    date or claim date, whichever is newer, is at most `max_age_days` old."""
    reviews = Verdict.objects.filter(status=Verdict.Status.PUBLISHED)
    if language:
        primary = language.split("-")[0].lower()
        reviews = reviews.filter(Q(language=primary) | Q(language__startswith=f"{primary}-"))
    if site:
        site = site.lower().removeprefix("www.")
        reviews = reviews.filter(Q(publisher__site=site) | Q(publisher__site__endswith=f".{site}"))
    # Beyond a century every review qualifies, and the date arithmetic would overflow.
    if max_age_days is not None and max_age_days <= MAX_AGE_DAYS_FILTERED:
        cutoff = timezone.now() - timedelta(days=max_age_days)
        reviews = reviews.filter(
            Q(published_at__gte=cutoff) | Q(claim__claim_date__gte=cutoff.date())
        )
    return reviews


# Ranked results a query pages through: past these, nothing is relevant enough to read.
MAX_RANKED_RESULTS = 100


def claim_search(*, query: str, reviews: QuerySet[Verdict], start: int, count: int) -> list[int]:
    """The ids of claims with a review among `reviews` that answers `query`, `count` of them
    from `start`; with an empty query, all of them, the claim with the most recent review
    first. A query is ranked by retrieval (words, any of them, fused with meaning: the same
    ranking as /api/v1/check/; claims found by meaning alone only when close enough), at most
    MAX_RANKED_RESULTS deep."""
    if query:
        ranking = ranked_claims(
            query, verdicts=reviews, limit=MAX_RANKED_RESULTS, relevant_only=True
        )
        return [hit.claim_id for hit in ranking.hits][start : start + count]
    rows = (
        reviews.order_by()
        .values("claim_id")
        .annotate(latest=Max("published_at"))
        .order_by("-latest", "-claim_id")
        .values_list("claim_id", flat=True)[start : start + count]
    )
    return list(rows)


def claims_with_reviews(claim_ids: list[int], *, reviews: QuerySet[Verdict]) -> list[Claim]:
    """The claims of `claim_ids`, in that order, each with `live_reviews`: its reviews among
    `reviews`, most recent first, with what their Fact Check Tools form shows already joined.
    Claims left with no review (retracted meanwhile) are left out. Two queries, whatever the
    number of claims."""
    # The search columns are large and no resource shows them.
    reviews = (
        reviews.order_by(F("published_at").desc(nulls_last=True), "-id")
        .select_related("publisher", "rating", "claim_review_markup__page")
        .defer(*SEARCH_COLUMNS)
    )
    claims = (
        Claim.objects.defer(*SEARCH_COLUMNS)
        .filter(pk__in=claim_ids)
        .prefetch_related(Prefetch("verdicts", queryset=reviews, to_attr="live_reviews"))
    )
    by_id = {claim.pk: claim for claim in claims}
    return [by_id[pk] for pk in claim_ids if pk in by_id and by_id[pk].live_reviews]


def claim_review_page_list() -> QuerySet[ClaimReviewPage]:
    """Markup pages with their reviews, verdicts, claims and appearances joined, newest first."""
    appearances = Appearance.objects.order_by(
        "-is_first", F("posted_at").asc(nulls_last=True), "id"
    )
    markups = (
        ClaimReviewMarkup.objects.select_related(
            "verdict__claim", "verdict__rating", "verdict__rating_scale", "verdict__publisher"
        )
        .prefetch_related(Prefetch("verdict__claim__appearances", queryset=appearances))
        .defer(*(f"verdict__{c}" for c in SEARCH_COLUMNS))
        .defer(*(f"verdict__claim__{c}" for c in SEARCH_COLUMNS))
        .order_by("position")
    )
    return ClaimReviewPage.objects.select_related("publisher").prefetch_related(
        Prefetch("markups", queryset=markups)
    )


def claim_review_page_version(page: ClaimReviewPage) -> str:
    """`versionId`: moves whenever anything the page shows changes (the page, its verdicts,
    their ratings, their claims and, through the claim's stamp, its appearances)."""
    stamps = [page.pk, page.updated_at]
    for markup in page.markups.all():
        verdict = markup.verdict
        stamps += [
            markup.pk,
            verdict.updated_at,
            verdict.claim.updated_at,
            verdict.rating.updated_at if verdict.rating_id else None,
        ]
    return hashlib.sha256("|".join(map(str, stamps)).encode()).hexdigest()[:20]


def claim_image_search(frames, *, reviews: QuerySet[Verdict]) -> list[int]:
    """Ids of the claims with a review among `reviews` that carried a picture like `frames`
    (media.hashing), closest first."""
    ranked = [claim_id for claim_id, _ in claims_with_similar_media(frames)]
    reviewed = set(
        Claim.objects.filter(pk__in=ranked, verdicts__in=reviews).values_list("pk", flat=True)
    )
    return [claim_id for claim_id in ranked if claim_id in reviewed]
