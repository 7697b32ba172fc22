from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from claims.models import Claim, Evidence
from claims.services import workflow
from claims.services.common import touch_claim
from core.exceptions import ApplicationError
from core.services.common import apply_changes, save_validated
from media import verification
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
    return evidence_add(
        claim=claim,
        actor=actor,
        kind=Evidence.Kind.REVERSE_IMAGE_MATCH,
        relation=relation,
        title=_match_title(match, published)[:300],
        url=(matched.original_url if matched else match.external_url),
        source_date=published.date() if published else None,
        note=_match_detail(match),
        media_item=matched,
        lookup_match=match,
    )


def _match_title(match: LookupMatch, published) -> str:
    """What was found, where and when, for readers: no distances or offsets."""
    matched = match.matched_item
    if match.shared_hash is not None:
        where = f"in the hash list “{match.shared_hash.hash_list.name}” shared with us"
    elif matched is None:
        where = f"found at {urlsplit(match.external_url).hostname or match.external_url}"
    elif matched.publisher_name:
        where = f"published by {matched.publisher_name}"
    else:
        where = "found in our archive of earlier media"
    looked_up = match.job.media_item.kind
    what = f"An earlier copy of this {looked_up}" if looked_up else "An earlier copy"
    when = f" on {published.day} {published:%B %Y}" if published else ""
    return f"{what} {where}{when}"


def _match_detail(match: LookupMatch) -> str:
    """How it was found, for those who want to check: the lookup, the distance, the offsets."""
    job = match.job
    detail = f"Reverse-image lookup #{job.pk} ({job.get_provider_display()})"
    if match.distance is not None:
        strength = "a strong match" if match.is_strong else "a possible match"
        detail += f": perceptual-hash (PDQ) distance {match.distance} of 256 bits, {strength}"
    matched = match.matched_item
    if matched is not None and matched.kind == MediaItem.Kind.VIDEO:
        detail += f"; {_clock(match.matched_offset_seconds)} into the earlier video"
        if job.media_item.kind == MediaItem.Kind.VIDEO:
            detail += f", {_clock(match.query_offset_seconds)} into the claim's"
    if match.transform:
        detail += f"; {match.transform.get('inliers')} matching keypoints confirm it"
        changes = verification.described(match.transform)
        if changes:
            detail += f" ({'; '.join(changes)})"
    return detail + "."


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"
