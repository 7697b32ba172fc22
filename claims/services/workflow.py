"""The editorial workflow of a verdict: draft -> in review -> published, then corrected or
retracted. Enforced here for the admin, the API and the shell alike.

Every transition locks the verdict's row, so of two editors publishing at once exactly one wins
and the other gets InvalidTransition; every transition is in the history with who and when;
publication, corrections and retractions notify webhook subscribers once the transaction commits.
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from claims.models import Correction, Verdict
from claims.search import index_verdict
from claims.services.verdicts import scale_follows_rating
from core import events
from core.exceptions import ApplicationError, InvalidTransition, PermissionDenied
from core.roles import is_editor, is_newsroom
from core.services.common import apply_changes, save_validated
from media.models import MediaItem
from media.services.lookups import archive_add

Status = Verdict.Status
CORRECTABLE_FIELDS = frozenset({"rating", "headline", "summary", "body", "media_authenticity"})


class NotReadyToPublish(ApplicationError):
    code = "not_ready_to_publish"
    status_code = 409


def _lock(verdict: Verdict) -> Verdict:
    return Verdict.objects.select_for_update().select_related("claim").get(pk=verdict.pk)


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
    if not verdict.claim.evidence.exists():
        problems.append("at least one piece of evidence")
    if not verdict.claim.appearances.filter(is_first=True).exists():
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
    apply_changes(locked, scale_follows_rating(changes), CORRECTABLE_FIELDS | {"rating_scale"})
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
