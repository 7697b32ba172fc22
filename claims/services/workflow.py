"""The one publishing workflow of a verdict: draft -> in review -> published, then corrected or
retracted. Every publication, correction and retraction goes through here, whoever asks (the
admin, the API, the Fact Check Tools pages, imports, the shell).

This newsroom's verdicts pass review and the publication checks. Another publisher's verdict
(recorded from its ClaimReview markup or an import) was reviewed and published on its own
site: it is recorded as published with its own date (`verdict_publish_external`, or in bulk
`verdicts_publish_imported`), corrected in the open like ours, and removed when its publisher
takes it down (`verdict_remove_external`).

Every transition locks the verdict's row, so of two editors publishing at once exactly one wins
and the other gets InvalidTransition; every transition is in the history with who and when, and
records a verdict.* event for the apps above (webhooks, retrieval) in the same transaction.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from claims.models import Claim, Correction, Verdict
from claims.search import index_verdict
from claims.services import claims as claim_services
from claims.services.verdicts import scale_follows_rating
from core import events
from core.exceptions import ApplicationError, InvalidTransition, PermissionDenied
from core.roles import is_editor, is_newsroom
from core.services.common import apply_changes, save_validated
from media.models import MediaItem
from media.services.lookups import archive_add

Status = Verdict.Status
CORRECTABLE_FIELDS = frozenset({"rating", "headline", "summary", "body", "media_authenticity"})
# Another publisher's rating is the words it used; ours is a step of our scale.
EXTERNAL_CORRECTABLE_FIELDS = CORRECTABLE_FIELDS | {"textual_rating"}


class NotReadyToPublish(InvalidTransition):
    code = "not_ready_to_publish"


def _lock(verdict: Verdict) -> Verdict:
    return (
        Verdict.objects.select_for_update().select_related("claim", "publisher").get(pk=verdict.pk)
    )


def _require_external(verdict: Verdict, action: str) -> None:
    if verdict.publisher.is_self:
        raise InvalidTransition(
            f"This newsroom's verdicts are not {action} this way: they go through review."
        )


def _require_editor(actor: AbstractBaseUser | None, action: str) -> None:
    if actor is None or not is_editor(actor):
        raise PermissionDenied(f"Only editors may {action} verdicts.")


def _require_status(verdict: Verdict, allowed: tuple[str, ...], action: str) -> None:
    if verdict.status not in allowed:
        allowed_names = " or ".join(Status(status).label.lower() for status in allowed)
        raise InvalidTransition(
            f"Cannot {action} a verdict that is {verdict.get_status_display().lower()}; "
            f"it must be {allowed_names}."
        )


def publication_problems(verdict: Verdict) -> list[str]:
    """What stands between this verdict and publication; empty when it is ready."""
    problems = []
    if verdict.rating_id is None:
        problems.append("a rating from the scale")
    if not verdict.headline.strip():
        problems.append("a headline")
    if not verdict.summary.strip():
        problems.append("a summary (the rating explanation)")
    # Through .all(): a list of verdicts with these prefetched (the desk's review queue) asks
    # nothing more per verdict.
    if not verdict.claim.evidence.all():
        problems.append("at least one piece of evidence")
    if not any(appearance.is_first for appearance in verdict.claim.appearances.all()):
        problems.append("the claim's first appearance")
    return problems


@transaction.atomic
def verdict_submit(*, verdict: Verdict, actor: AbstractBaseUser | None) -> Verdict:
    """A fact-checker (or editor) hands a draft to the editors for review."""
    if actor is None or not is_newsroom(actor):
        raise PermissionDenied("Only the newsroom may submit verdicts for review.")
    locked = _lock(verdict)
    _require_status(locked, (Status.DRAFT,), "submit")
    locked.status = Status.IN_REVIEW
    save_validated(locked, actor=actor, reason="submitted for review")
    return locked


@transaction.atomic
def verdict_return(*, verdict: Verdict, actor: AbstractBaseUser | None, comment: str) -> Verdict:
    """An editor sends a verdict in review back to draft, saying what to fix."""
    _require_editor(actor, "return")
    if not comment.strip():
        raise ApplicationError("Say what needs to change: a comment is required.")
    locked = _lock(verdict)
    _require_status(locked, (Status.IN_REVIEW,), "return")
    locked.status = Status.DRAFT
    locked.review_comment = comment.strip()
    save_validated(locked, actor=actor, reason=f"returned to draft: {comment.strip()}")
    return locked


@transaction.atomic
def verdict_publish(*, verdict: Verdict, actor: AbstractBaseUser | None) -> Verdict:
    """An editor publishes a verdict in review. It needs a rating, a headline, a summary, at
    least one piece of evidence and the claim's first appearance (NotReadyToPublish lists
    what is missing). The verdict becomes public and subscribers are notified."""
    _require_editor(actor, "publish")
    locked = _lock(verdict)
    _require_status(locked, (Status.IN_REVIEW,), "publish")
    problems = publication_problems(locked)
    if problems:
        raise NotReadyToPublish("Publishing needs " + ", ".join(problems) + ".")
    locked.status = Status.PUBLISHED
    locked.published_at = timezone.now()
    locked.editor = actor
    locked.review_comment = ""
    save_validated(locked, actor=actor, reason="published")
    if locked.claim.status != Claim.Status.CHECKED:
        claim_services.claim_update(claim=locked.claim, actor=actor, status=Claim.Status.CHECKED)
    # A checked claim's pictures and videos are what the next lookups should find.
    archive_add(media_items=MediaItem.objects.filter(claim_media__claim=locked.claim_id))
    events.record("verdict.published", verdict_id=locked.pk)
    return locked


@transaction.atomic
def verdict_correct(
    *,
    verdict: Verdict,
    actor: AbstractBaseUser | None,
    kind: str,
    note: str,
    **changes: Any,
) -> Verdict:
    """Change a published verdict in the open: a dated public Correction (kind `update` or
    `correction`) with `note` says what changed, and the verdict's `updated_at` (ClaimReview's
    dateModified) moves. `changes` may set the rating, headline, summary, body or MediaReview
    category."""
    _require_editor(actor, "correct")
    if kind not in (Correction.Kind.UPDATE, Correction.Kind.CORRECTION):
        raise ApplicationError("A correction is an update or a correction; retract to withdraw.")
    locked = _lock(verdict)
    _require_status(locked, (Status.PUBLISHED,), "correct")
    allowed = CORRECTABLE_FIELDS if locked.publisher.is_self else EXTERNAL_CORRECTABLE_FIELDS
    apply_changes(locked, scale_follows_rating(changes), allowed | {"rating_scale"})
    index_verdict(locked)
    save_validated(locked, actor=actor, reason=f"{kind}: {note}")
    _correction_add(locked, actor=actor, kind=kind, note=note)
    events.record("verdict.corrected", verdict_id=locked.pk)
    return locked


@transaction.atomic
def verdict_retract(*, verdict: Verdict, actor: AbstractBaseUser | None, reason: str) -> Verdict:
    """Withdraw a published verdict. Its page stays, saying so and why (a public Correction of
    kind retraction); feeds and subscribers are told."""
    _require_editor(actor, "retract")
    locked = _lock(verdict)
    _require_status(locked, (Status.PUBLISHED,), "retract")
    locked.status = Status.RETRACTED
    locked.retracted_at = timezone.now()
    save_validated(locked, actor=actor, reason=f"retracted: {reason}")
    _correction_add(locked, actor=actor, kind=Correction.Kind.RETRACTION, note=reason)
    events.record("verdict.retracted", verdict_id=locked.pk)
    return locked


def _correction_add(verdict: Verdict, *, actor: AbstractBaseUser | None, kind: str, note: str):
    correction = Correction(
        verdict=verdict, kind=kind, note=note.strip(), published_at=timezone.now(), created_by=actor
    )
    save_validated(correction, actor=actor)
    return correction


@transaction.atomic
def verdict_publish_external(
    *, verdict: Verdict, actor: AbstractBaseUser | None, published_at: datetime | None = None
) -> Verdict:
    """Record another publisher's draft verdict as published on its site at `published_at`
    (now when unknown). Its evidence is on the publisher's page, not here, so the publication
    checks of our own verdicts do not apply; our own verdicts are refused (InvalidTransition)."""
    _require_editor(actor, "publish")
    locked = _lock(verdict)
    _require_external(locked, "published")
    _require_status(locked, (Status.DRAFT, Status.IN_REVIEW), "publish")
    if not (locked.rating_id or locked.textual_rating) or not locked.headline or not locked.summary:
        raise NotReadyToPublish("Publishing needs a rating, a headline and a summary.")
    locked.status = Status.PUBLISHED
    locked.published_at = published_at or timezone.now()
    locked.editor = actor
    save_validated(locked, actor=actor, reason="published by its publisher")
    events.record("verdict.published", verdict_id=locked.pk)
    return locked


def verdicts_publish_imported(*, verdicts: list[Verdict]) -> list[Verdict]:
    """The bulk entry point of imports: other publishers' reviews, built in memory and
    validated by the caller, saved as published in one statement, and announced with one
    `verdicts.published` event. Run it inside the caller's transaction. Refuses this
    newsroom's verdicts (they go through review) and any without the review's URL, which is
    what lets an imported verdict go without a date or a rating."""
    for verdict in verdicts:
        if verdict.publisher.is_self:
            raise InvalidTransition("An import cannot publish this newsroom's verdicts.")
        if not verdict.review_url:
            raise NotReadyToPublish("An imported verdict needs the URL of the review.")
        verdict.status = Status.PUBLISHED
    created = Verdict.objects.bulk_create(verdicts)
    if created:
        events.record("verdicts.published", verdict_ids=[verdict.pk for verdict in created])
    return created


def verdicts_update_imported(*, verdicts: list[Verdict], fields: list[str]) -> None:
    """The bulk entry point of re-imports: other publishers' published verdicts brought in line
    with their source (the source is the publisher's own correction). Run it inside the
    caller's transaction."""
    if any(verdict.publisher.is_self for verdict in verdicts):
        raise InvalidTransition("An import cannot change this newsroom's verdicts.")
    Verdict.objects.bulk_update(verdicts, fields)
    if verdicts:
        events.record("verdicts.updated", verdict_ids=[verdict.pk for verdict in verdicts])


@transaction.atomic
def verdict_remove_external(*, verdict: Verdict, actor: AbstractBaseUser | None) -> None:
    """Remove another publisher's verdict that its publisher has taken down (its markup is
    gone). It was never ours to announce or to retract: the copy is deleted, its corrections
    with it. This newsroom's verdicts are retracted instead (InvalidTransition)."""
    _require_editor(actor, "remove")
    locked = _lock(verdict)
    _require_external(locked, "removed")
    locked.corrections.all().delete()
    locked._history_user = actor
    locked.delete()
    events.record("verdict.removed", verdict_id=verdict.pk)


def published_change(
    *, claim_id: int, actor: AbstractBaseUser | None, what: str, correction_note: str = ""
) -> None:
    """Let a change to what this newsroom's fact-check shows (its evidence, appearances, media)
    be made in the open, or refuse it: a published verdict never changes silently. With a
    `correction_note`, a dated public update with that note is added to the verdict (editors
    only, as every correction); without one, ClaimPublished. A retracted fact-check no longer
    changes. Call it inside the change's transaction, before the change."""
    verdict = (
        Verdict.objects.filter(
            claim_id=claim_id,
            publisher__is_self=True,
            status__in=[Status.PUBLISHED, Status.RETRACTED],
        )
        .order_by("-published_at")
        .first()
    )
    if verdict is None:
        return
    if verdict.status == Status.RETRACTED:
        raise claim_services.ClaimPublished(
            f"This claim's fact-check is retracted; {what} no longer change."
        )
    if not correction_note.strip():
        raise claim_services.ClaimPublished(
            f"This claim's fact-check is published; {what} change only with a correction "
            "note, published as a dated update of the verdict."
        )
    verdict_correct(
        verdict=verdict, actor=actor, kind=Correction.Kind.UPDATE, note=correction_note.strip()
    )
