from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, Q, QuerySet

from claims.models import Appearance, Claim, ClaimMedia, Evidence, Verdict
from core.roles import is_newsroom
from media.services.archive_search import archive_search_for_request
from media.services.lookups import ArchiveMatch

PUBLIC_VERDICT_STATUSES = (Verdict.Status.PUBLISHED, Verdict.Status.RETRACTED)


def public_claim_ids() -> QuerySet:
    """The ids of claims with a published or retracted verdict: what outsiders may read."""
    return Verdict.objects.filter(status__in=PUBLIC_VERDICT_STATUSES).values("claim_id")


def claim_list(*, viewer: AbstractBaseUser | AnonymousUser) -> QuerySet[Claim]:
    """Claims the viewer may read, with what a claim page shows already joined.

    The newsroom reads every claim; everyone else only claims with a published (or retracted)
    verdict, their public evidence and their public verdicts.
    """
    newsroom = is_newsroom(viewer)
    verdicts = Verdict.objects.select_related("rating", "rating_scale", "publisher")
    evidence = Evidence.objects.select_related("media_item")
    claims = Claim.objects.all()
    if not newsroom:
        verdicts = verdicts.filter(status__in=PUBLIC_VERDICT_STATUSES)
        evidence = evidence.filter(is_public=True)
        claims = claims.filter(pk__in=public_claim_ids())
    return claims.select_related("assignee", "duplicate_of").prefetch_related(
        "topics",
        Prefetch("appearances", queryset=Appearance.objects.select_related("screenshot")),
        "media",
        Prefetch("evidence", queryset=evidence),
        Prefetch("verdicts", queryset=verdicts),
    )


def claim_search_admin(queryset: QuerySet[Claim], term: str) -> QuerySet[Claim]:
    """Newsroom search across claim text, original text, claimant and appearance URLs."""
    matching_ids = Appearance.objects.filter(url__icontains=term).values("claim_id")
    return queryset.filter(
        Q(text__icontains=term)
        | Q(original_text__icontains=term)
        | Q(claimant__icontains=term)
        | Q(pk__in=matching_ids)
    )


def claims_with_similar_media(frames) -> list[tuple[int, ArchiveMatch]]:
    """Claims carrying an archive item that looks like the query frames, with the closest
    match for each, closest first: how "has this picture been checked?" is answered. The
    archive is searched by a worker (ArchiveSearchUnavailable when none answers in time)."""
    matches = {m.media_item_id: m for m in archive_search_for_request(frames)}
    found: dict[int, ArchiveMatch] = {}
    for claim_id, item_id in ClaimMedia.objects.filter(media_item_id__in=matches).values_list(
        "claim_id", "media_item_id"
    ):
        match = matches[item_id]
        if claim_id not in found or match.distance < found[claim_id].distance:
            found[claim_id] = match
    return sorted(found.items(), key=lambda pair: (pair[1].distance, pair[0]))
