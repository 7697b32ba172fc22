"""What the desk shows, read with its joins chosen here: each list costs the same number of
queries whatever its length (tests/desk/test_queries.py pins them).

The desk is newsroom-only (desk.access), so these read drafts too; what outsiders may see is
decided by claims.selectors, which the desk does not need."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet

from claims.models import Appearance, Claim, ClaimMedia, Correction, Evidence, Verdict
from claims.selectors.claims import PUBLIC_VERDICT_STATUSES
from core.models import ApiKey
from core.roles import is_editor
from matching.models import ClaimSuggestion
from media.models import LookupJob, LookupMatch, MediaFrame, MediaItem

# Open work: claims still being checked.
OPEN_STATUSES = (Claim.Status.NEW, Claim.Status.RESEARCHING)
LIST_LIMIT = 30
RECENT_LIMIT = 10


def _our_verdicts() -> Prefetch:
    return Prefetch(
        "verdicts",
        queryset=Verdict.objects.filter(publisher__is_self=True).select_related("rating"),
        to_attr="our_verdicts",
    )


def _claim_rows() -> QuerySet[Claim]:
    return (
        Claim.objects.select_related("assignee")
        .defer("search_text", "search_document", "search_vector")
        .prefetch_related(
            _our_verdicts(),
            Prefetch("media", queryset=MediaItem.objects.only("id", "kind", "status")),
        )
    )


def my_claims(*, user: AbstractBaseUser) -> QuerySet[Claim]:
    """The claims assigned to `user` that are still open, most recently changed first."""
    return (
        _claim_rows()
        .filter(assignee=user, status__in=OPEN_STATUSES)
        .order_by("status", "-updated_at", "-id")[:LIST_LIMIT]
    )


def claims_to_triage() -> QuerySet[Claim]:
    """New claims nobody has taken yet, newest first, each with the duplicate suggestions still
    waiting for a decision (best first) and the verdicts of the suggested claims."""
    suggestions = (
        ClaimSuggestion.objects.filter(status=ClaimSuggestion.Status.SUGGESTED)
        .select_related("suggested")
        .defer(*(f"suggested__{column}" for column in ("search_text", "search_document")))
        .prefetch_related(
            Prefetch(
                "suggested__verdicts",
                queryset=Verdict.objects.select_related("publisher", "rating").only(
                    "id",
                    "claim_id",
                    "status",
                    "headline",
                    "textual_rating",
                    "publisher__name",
                    "rating__label",
                ),
            )
        )
        .order_by("-score", "id")
    )
    return (
        _claim_rows()
        .filter(status=Claim.Status.NEW, assignee__isnull=True)
        .prefetch_related(Prefetch("suggestions", queryset=suggestions, to_attr="open_suggestions"))
        .order_by("-created_at", "-id")[:LIST_LIMIT]
    )


def _matches() -> Prefetch:
    return Prefetch(
        "matches",
        queryset=LookupMatch.objects.select_related(
            "matched_item", "shared_hash__hash_list"
        ).prefetch_related(
            Prefetch(
                "evidence", queryset=Evidence.objects.only("id", "claim_id", "lookup_match_id")
            )
        ),
    )


def lookup_jobs(*, user: AbstractBaseUser | None = None) -> QuerySet[LookupJob]:
    """Lookups, newest first, with their matches (closest first) and the claims carrying the
    looked-up media; `user`'s own when given."""
    jobs = LookupJob.objects.select_related("media_item").prefetch_related(
        _matches(),
        Prefetch(
            "media_item__claim_media",
            queryset=ClaimMedia.objects.select_related("claim").only(
                "id", "media_item_id", "claim_id", "claim__id", "claim__text"
            ),
        ),
    )
    if user is not None:
        jobs = jobs.filter(requested_by=user)
    return jobs.order_by("-created_at", "-id")


def running_lookups(*, user: AbstractBaseUser) -> QuerySet[LookupJob]:
    """`user`'s lookups still queued, running or waiting to retry, oldest first."""
    return (
        lookup_jobs(user=user)
        .filter(finished_at__isnull=True)
        .order_by("created_at", "id")[:LIST_LIMIT]
    )


def finished_lookups(*, user: AbstractBaseUser) -> QuerySet[LookupJob]:
    """`user`'s latest finished lookups."""
    return (
        lookup_jobs(user=user)
        .filter(finished_at__isnull=False)
        .order_by("-finished_at", "-id")[:RECENT_LIMIT]
    )


def lookup_job(*, job_id: int) -> LookupJob | None:
    return lookup_jobs().filter(pk=job_id).first()


def review_queue() -> QuerySet[Verdict]:
    """Our verdicts waiting for an editor, oldest first, with what publishing still needs
    (claims.services.workflow.publication_problems reads the prefetched rows)."""
    return (
        Verdict.objects.filter(status=Verdict.Status.IN_REVIEW, publisher__is_self=True)
        .select_related("claim", "rating")
        .defer("search_text", "search_document", "body")
        .prefetch_related(
            Prefetch("claim__evidence", queryset=Evidence.objects.only("id", "claim_id")),
            Prefetch(
                "claim__appearances",
                queryset=Appearance.objects.only("id", "claim_id", "is_first"),
            ),
            "authors",
        )
        .order_by("updated_at", "id")
    )


def recent_publications() -> QuerySet[Verdict]:
    """Our latest published and retracted verdicts."""
    return (
        Verdict.objects.filter(status__in=PUBLIC_VERDICT_STATUSES, publisher__is_self=True)
        .select_related("claim", "rating", "editor")
        .defer("search_text", "search_document", "body")
        .order_by("-published_at", "-id")[:RECENT_LIMIT]
    )


def recent_corrections() -> QuerySet[Correction]:
    """The latest corrections, updates and retractions of our verdicts."""
    return (
        Correction.objects.filter(verdict__publisher__is_self=True)
        .select_related("verdict")
        .only("id", "kind", "note", "published_at", "verdict__id", "verdict__headline")
        .order_by("-published_at", "-id")[:RECENT_LIMIT]
    )


@dataclass(frozen=True)
class ClaimDossier:
    claim: Claim
    verdict: Verdict | None
    lookups: list[LookupJob]


def claim_dossier(*, claim_id: int) -> ClaimDossier | None:
    """A claim with everything its desk page shows: appearances, media (with their frames'
    offsets, not their hashes), evidence, our verdict and the lookups of its media."""
    claim = (
        Claim.objects.select_related("assignee", "duplicate_of", "created_by")
        .prefetch_related(
            "topics",
            "appearances",
            Prefetch(
                "claim_media",
                queryset=ClaimMedia.objects.select_related("media_item").prefetch_related(
                    Prefetch("media_item__frames", queryset=frames_without_hashes())
                ),
            ),
            Prefetch("evidence", queryset=Evidence.objects.select_related("media_item")),
            _our_verdicts(),
            Prefetch(
                "suggestions",
                queryset=ClaimSuggestion.objects.filter(status=ClaimSuggestion.Status.SUGGESTED)
                .select_related("suggested")
                .order_by("-score", "id"),
                to_attr="open_suggestions",
            ),
        )
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        return None
    media_ids = [link.media_item_id for link in claim.claim_media.all()]
    lookups = list(lookup_jobs().filter(media_item_id__in=media_ids).order_by("-created_at"))
    verdict = claim.our_verdicts[0] if claim.our_verdicts else None
    return ClaimDossier(claim=claim, verdict=verdict, lookups=lookups)


def frames_without_hashes() -> QuerySet[MediaFrame]:
    """Frames as pages list them: their offsets; thumbnails are fetched by URL."""
    return MediaFrame.objects.only("id", "media_item_id", "offset_seconds", "pdq_quality")


def media_item_page(*, media_item_id: int) -> MediaItem | None:
    return (
        MediaItem.objects.prefetch_related(
            Prefetch("frames", queryset=frames_without_hashes()),
            Prefetch("claim_media", queryset=ClaimMedia.objects.select_related("claim")),
        )
        .filter(pk=media_item_id)
        .first()
    )


def api_keys_of(*, user: AbstractBaseUser) -> QuerySet[ApiKey]:
    """The keys `user` holds and, for an editor, the consumer keys they issued."""
    keys = Q(owner=user)
    if is_editor(user):
        keys |= Q(created_by=user)
    return ApiKey.objects.filter(keys).select_related("owner").order_by("-created_at")
