from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from claims.models import Claim, Evidence
from claims.services import workflow
from claims.services.common import touch_claim
from core.exceptions import ApplicationError
from core.services.common import apply_changes, save_validated
from media.models import LookupMatch, MediaItem

EVIDENCE_CHANGEABLE_FIELDS = frozenset(
    {
        "kind",
        "relation",
        "title",
        "url",
        "archived_url",
        "source_date",
        "note",
        "media_item",
        "is_public",
    }
)


class LookupMatchOfOtherMedia(ApplicationError):
    code = "lookup_match_not_for_claim"


@transaction.atomic
def evidence_add(
    *,
    claim: Claim,
    actor: AbstractBaseUser | None,
    kind: str,
    relation: str,
    title: str,
    url: str = "",
    archived_url: str = "",
    source_date: date | None = None,
    note: str = "",
    media_item: MediaItem | None = None,
    lookup_match: LookupMatch | None = None,
    is_public: bool = True,
    correction_note: str = "",
) -> Evidence:
    """Add a piece of evidence to a claim.

    A `lookup_match` must come from a lookup of one of the claim's own media items; each match
    becomes evidence on a claim at most once (a database constraint). Public evidence joins a
    published fact-check only with a correction note (workflow.published_change); the
    newsroom's private notes may always be added.
    """
    if is_public:
        workflow.published_change(
            claim_id=claim.pk, actor=actor, what="its evidence", correction_note=correction_note
        )
    if (
        lookup_match is not None
        and not claim.claim_media.filter(media_item_id=lookup_match.job.media_item_id).exists()
    ):
        raise LookupMatchOfOtherMedia(
            "This match comes from a lookup of media that the claim does not carry."
        )
    evidence = Evidence(
        claim=claim,
        kind=kind,
        relation=relation,
        title=title,
        url=url,
        archived_url=archived_url,
        source_date=source_date,
        note=note,
        media_item=media_item,
        lookup_match=lookup_match,
        is_public=is_public,
        created_by=actor,
    )
    save_validated(evidence, actor=actor, reason="added")
    touch_claim(claim.pk)
    return evidence


@transaction.atomic
def evidence_update(
    *,
    evidence: Evidence,
    actor: AbstractBaseUser | None,
    correction_note: str = "",
    **changes: Any,
) -> Evidence:
    """Change evidence; what a published fact-check shows (public evidence, or evidence made
    public) changes only with a correction note (workflow.published_change)."""
    locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if locked.is_public or changes.get("is_public"):
        workflow.published_change(
            claim_id=locked.claim_id,
            actor=actor,
            what="its evidence",
            correction_note=correction_note,
        )
    apply_changes(locked, changes, EVIDENCE_CHANGEABLE_FIELDS)
    save_validated(locked, actor=actor, reason="updated")
    touch_claim(locked.claim_id)
    return locked


@transaction.atomic
def evidence_remove(
    *, evidence: Evidence, actor: AbstractBaseUser | None, correction_note: str = ""
) -> None:
    if evidence.is_public:
        workflow.published_change(
            claim_id=evidence.claim_id,
            actor=actor,
            what="its evidence",
            correction_note=correction_note,
        )
    evidence._history_user = actor
    evidence.delete()
    touch_claim(evidence.claim_id)


@transaction.atomic
def evidence_from_match(
    *,
    match: LookupMatch,
    actor: AbstractBaseUser | None,
    claim: Claim | None = None,
    relation: str = Evidence.Relation.CONTEXT,
) -> Evidence:
    """Record a lookup match as reverse-image evidence on the claim that carries the looked-up
    item (the one claim, or `claim` when several carry it), linking to the earlier copy."""
    if claim is None:
        claims = list(Claim.objects.filter(claim_media__media_item_id=match.job.media_item_id))
        if len(claims) != 1:
            raise ApplicationError(
                "Say which claim this evidence is for: "
                + ("no claim carries this media." if not claims else "several claims carry it.")
            )
        claim = claims[0]
    existing = Evidence.objects.filter(claim=claim, lookup_match=match).first()
    if existing is not None:
        return existing
    matched = match.matched_item
    published = match.first_published_at or (matched.first_published_at if matched else None)
    source = (matched.publisher_name or "the archive") if matched else match.external_url
    when = f", published {published:%Y-%m-%d}" if published else ""
    offset = (
        f" at {match.matched_offset_seconds:.0f} s"
        if matched and matched.kind == MediaItem.Kind.VIDEO
        else ""
    )
    return evidence_add(
        claim=claim,
        actor=actor,
        kind=Evidence.Kind.REVERSE_IMAGE_MATCH,
        relation=relation,
        title=f"Earlier copy from {source}{when}{offset}"[:300],
        url=(matched.original_url if matched else match.external_url),
        source_date=published.date() if published else None,
        note=(
            f"Reverse-image lookup #{match.job_id}: distance {match.distance} of 256 bits"
            if match.distance is not None
            else f"Reverse-image lookup #{match.job_id} ({match.job.get_provider_display()})"
        ),
        media_item=matched,
        lookup_match=match,
    )
