"""What the public pages and feeds show: this newsroom's published and retracted verdicts."""

from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet

from claims.models import Appearance, Evidence, Verdict
from claims.selectors.claims import PUBLIC_VERDICT_STATUSES
from media.models import LookupMatch, MediaItem


def public_verdict_list() -> QuerySet[Verdict]:
    """Newest first; the public search ranks them through retrieval (public.views)."""
    return (
        Verdict.objects.filter(status__in=PUBLIC_VERDICT_STATUSES, publisher__is_self=True)
        .select_related("claim", "rating", "rating_scale", "publisher")
        .order_by("-published_at", "-id")
    )


def _appearances_first_first() -> Prefetch:
    return Prefetch(
        "claim__appearances",
        queryset=Appearance.objects.order_by(
            "-is_first", F("posted_at").asc(nulls_last=True), "id"
        ),
    )


def public_claim_review_feed() -> QuerySet[Verdict]:
    """The DataFeed's verdicts, oldest first so that pages stay put as new ones are published."""
    return public_verdict_list().prefetch_related(_appearances_first_first()).order_by("id")


@dataclass(frozen=True)
class FactCheckPage:
    """Everything a published fact-check page shows, read in a fixed number of queries."""

    verdict: Verdict
    appearances: list[Appearance]
    evidence: list[Evidence]
    claim_media: list[MediaItem]
    earliest_source: MediaItem | None


def public_fact_check(*, slug: str) -> FactCheckPage | None:
    verdict = (
        public_verdict_list()
        .select_related("editor")
        .prefetch_related(
            "authors",
            "corrections",
            _appearances_first_first(),
            Prefetch(
                "claim__evidence",
                queryset=Evidence.objects.filter(is_public=True).select_related("media_item"),
            ),
            "claim__media",
        )
        .filter(slug=slug)
        .first()
    )
    if verdict is None:
        return None
    claim = verdict.claim
    evidence = list(claim.evidence.all())
    claim_media = list(claim.media.all())
    return FactCheckPage(
        verdict=verdict,
        appearances=list(claim.appearances.all()),
        evidence=evidence,
        claim_media=claim_media,
        earliest_source=_earliest_source(evidence, claim_media),
    )


def _earliest_source(evidence: list[Evidence], claim_media: list[MediaItem]) -> MediaItem | None:
    """The earliest-published known copy of the claim's media: from the evidence, and from
    reverse-image lookups of the claim's own media."""
    candidates = [
        e.media_item for e in evidence if e.media_item and e.media_item.first_published_at
    ]
    if claim_media:
        matched = MediaItem.objects.filter(
            Q(
                pk__in=LookupMatch.objects.filter(job__media_item__in=claim_media).values(
                    "matched_item"
                )
            ),
            first_published_at__isnull=False,
        )
        candidates += list(matched)
    return min(candidates, key=lambda item: item.first_published_at, default=None)
