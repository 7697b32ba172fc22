from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from claims.models import Appearance, Claim, ClaimMedia, Topic
from claims.search import index_claim, index_verdict
from claims.selectors.claims import PUBLIC_VERDICT_STATUSES
from claims.services import workflow
from claims.services.common import touch_claim
from core import events
from core.exceptions import InvalidTransition
from core.services.common import apply_changes, save_validated
from media.models import MediaItem
from media.services.lookups import lookup_request


class ClaimPublished(InvalidTransition):
    code = "claim_published"


CLAIM_CHANGEABLE_FIELDS = frozenset(
    {
        "text",
        "original_text",
        "language",
        "claimant",
        "claim_date",
        "first_seen_at",
        "status",
        "assignee",
        "duplicate_of",
    }
)
SEARCHED_CLAIM_FIELDS = frozenset({"text", "original_text", "claimant"})
# What claim matching compares (matching.scoring).
MATCHED_CLAIM_FIELDS = frozenset({"text", "original_text"})
PUBLISHED_CLAIM_FIELDS = frozenset({"text", "original_text", "claimant", "claim_date", "language"})
APPEARANCE_CHANGEABLE_FIELDS = frozenset(
    {"url", "platform", "posted_at", "author_handle", "archived_url", "screenshot", "is_first"}
)


@transaction.atomic
def claim_create(
    *,
    created_by: AbstractBaseUser | None,
    text: str,
    language: str,
    original_text: str = "",
    claimant: str = "",
    claim_date: date | None = None,
    first_seen_at: datetime | None = None,
    status: str = Claim.Status.NEW,
    assignee: AbstractBaseUser | None = None,
    duplicate_of: Claim | None = None,
    topics: Iterable[Topic] = (),
    appearances: Iterable[dict[str, Any]] = (),
) -> Claim:
    """Log a claim, with its topics and the appearances already known, in one transaction.

    `appearances` are keyword dicts for `appearance_add`; the first one becomes the first
    appearance unless one of them says `is_first`. Raises ValidationError and stores nothing
    if the claim or any appearance is invalid. Once committed, a worker suggests the claims it
    may repeat (matching).
    """
    claim = Claim(
        text=text,
        original_text=original_text,
        language=language,
        claimant=claimant,
        claim_date=claim_date,
        first_seen_at=first_seen_at,
        status=status,
        assignee=assignee,
        duplicate_of=duplicate_of,
        created_by=created_by,
    )
    index_claim(claim)
    save_validated(claim, actor=created_by, reason="created")
    claim.topics.set(topics)
    appearances = list(appearances)
    explicit_first = any(item.get("is_first") for item in appearances)
    for index, appearance in enumerate(appearances):
        fields = dict(appearance)
        if not explicit_first:
            fields["is_first"] = index == 0
        appearance_add(claim=claim, actor=created_by, **fields)
    events.record("claim.created", claim_id=claim.pk)
    return claim


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    actor: AbstractBaseUser | None,
    topics: Iterable[Topic] | None = None,
    **changes: Any,
) -> Claim:
    """Change a claim's fields (and, if given, replace its topics). Locks the row so that two
    concurrent updates apply one after the other; the history records each with its actor.
    A changed text or original text has its suggestions recomputed once committed."""
    locked = _lock_claim(claim)
    _refuse_silent_change_of_published(locked, changes)
    rematch = any(
        changes[field] != getattr(locked, field) for field in MATCHED_CLAIM_FIELDS & set(changes)
    )
    apply_changes(locked, changes, CLAIM_CHANGEABLE_FIELDS)
    index_claim(locked)
    save_validated(locked, actor=actor, reason="updated")
    if topics is not None:
        locked.topics.set(topics)
    if SEARCHED_CLAIM_FIELDS & set(changes):
        # A verdict's search columns include its claim's text.
        for verdict in locked.verdicts.select_for_update():
            verdict.claim = locked
            index_verdict(verdict)
            verdict.save(update_fields=["search_text", "search_document"])
    if rematch:
        events.record("claim.text_changed", claim_id=locked.pk)
    return locked


def _refuse_silent_change_of_published(claim: Claim, changes: dict[str, Any]) -> None:
    """What a published verdict reviewed is part of the ruling: it changes only through a
    correction of the verdict, never by editing the claim."""
    reviewed = {
        field
        for field in PUBLISHED_CLAIM_FIELDS & set(changes)
        if changes[field] != getattr(claim, field)
    }
    if reviewed and claim.verdicts.filter(status__in=PUBLIC_VERDICT_STATUSES).exists():
        raise ClaimPublished(
            "This claim has a published verdict; change "
            + ", ".join(sorted(reviewed))
            + " with a correction of the verdict instead."
        )


def _lock_claim(claim: Claim) -> Claim:
    return Claim.objects.select_for_update().get(pk=claim.pk)


@transaction.atomic
def appearance_add(
    *,
    claim: Claim,
    actor: AbstractBaseUser | None,
    url: str,
    platform: str = Appearance.Platform.WEB,
    posted_at: datetime | None = None,
    author_handle: str = "",
    archived_url: str = "",
    screenshot: MediaItem | None = None,
    is_first: bool | None = None,
) -> Appearance:
    """Record where a claim was seen.

    With `is_first=True` it becomes the claim's first appearance and the previous first one is
    unmarked; with `None` it is first only if the claim has none yet.
    """
    _lock_claim(claim)
    has_first = claim.appearances.filter(is_first=True).exists()
    if is_first is None:
        is_first = not has_first
    if is_first and has_first:
        _unmark_first_appearance(claim, actor=actor)
    appearance = Appearance(
        claim=claim,
        url=url,
        platform=platform,
        posted_at=posted_at,
        author_handle=author_handle,
        archived_url=archived_url,
        screenshot=screenshot,
        is_first=is_first,
    )
    save_validated(appearance, actor=actor, reason="added")
    touch_claim(claim.pk)
    return appearance


@transaction.atomic
def appearance_update(
    *,
    appearance: Appearance,
    actor: AbstractBaseUser | None,
    correction_note: str = "",
    **changes: Any,
) -> Appearance:
    """Change an appearance; on a published fact-check only with a correction note
    (workflow.published_change). Appearances may always be added: where a claim spreads after
    its check is news, not a change of the ruling."""
    _lock_claim(appearance.claim)
    workflow.published_change(
        claim_id=appearance.claim_id,
        actor=actor,
        what="its appearances",
        correction_note=correction_note,
    )
    locked = Appearance.objects.select_for_update().get(pk=appearance.pk)
    if changes.get("is_first") and not locked.is_first:
        _unmark_first_appearance(locked.claim, actor=actor)
    apply_changes(locked, changes, APPEARANCE_CHANGEABLE_FIELDS)
    save_validated(locked, actor=actor, reason="updated")
    touch_claim(locked.claim_id)
    return locked


@transaction.atomic
def appearance_remove(
    *, appearance: Appearance, actor: AbstractBaseUser | None, correction_note: str = ""
) -> None:
    _lock_claim(appearance.claim)
    workflow.published_change(
        claim_id=appearance.claim_id,
        actor=actor,
        what="its appearances",
        correction_note=correction_note,
    )
    appearance._history_user = actor
    appearance.delete()
    touch_claim(appearance.claim_id)


def _unmark_first_appearance(claim: Claim, *, actor: AbstractBaseUser | None) -> None:
    for previous in claim.appearances.select_for_update().filter(is_first=True):
        previous.is_first = False
        save_validated(previous, actor=actor, reason="no longer the first appearance")


@transaction.atomic
def claim_media_attach(
    *,
    claim: Claim,
    media_item: MediaItem,
    actor: AbstractBaseUser | None,
    note: str = "",
    correction_note: str = "",
) -> ClaimMedia:
    """Attach a media item to a claim; attaching it again changes nothing but the note. On a
    published fact-check only with a correction note (its MediaReview shows the media)."""
    _lock_claim(claim)
    if not claim.claim_media.filter(media_item=media_item).exists():
        workflow.published_change(
            claim_id=claim.pk, actor=actor, what="its media", correction_note=correction_note
        )
    link, created = ClaimMedia.objects.get_or_create(
        claim=claim, media_item=media_item, defaults={"note": note}
    )
    if not created and note and link.note != note:
        link.note = note
        link.full_clean()
        link.save(update_fields=["note"])
    if created and media_item.status == MediaItem.Status.READY:
        # The lookup's matches suggest the claims that carried the same picture.
        lookup_request(media_item=media_item, actor=actor)
    touch_claim(claim.pk)
    return link


@transaction.atomic
def claim_media_detach(
    *,
    claim: Claim,
    media_item: MediaItem,
    actor: AbstractBaseUser | None = None,
    correction_note: str = "",
) -> None:
    _lock_claim(claim)
    if claim.claim_media.filter(media_item=media_item).exists():
        workflow.published_change(
            claim_id=claim.pk, actor=actor, what="its media", correction_note=correction_note
        )
    ClaimMedia.objects.filter(claim=claim, media_item=media_item).delete()
    touch_claim(claim.pk)


@transaction.atomic
def claim_delete(*, claim: Claim, actor: AbstractBaseUser | None) -> None:
    """Delete a claim logged by mistake, with its appearances and evidence. A claim with a
    verdict, or that other claims duplicate, is kept: the database refuses (ProtectedError)."""
    locked = _lock_claim(claim)
    locked._history_user = actor
    locked.delete()
