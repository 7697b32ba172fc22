from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify

from claims.exceptions import VerdictLocked
from claims.models import Claim, Publisher, Rating, RatingScale, Verdict
from claims.search import index_verdict
from claims.services.publishers import publisher_get_or_create_self
from core.exceptions import ApplicationError
from core.services.common import apply_changes, save_validated

DRAFT_CHANGEABLE_FIELDS = frozenset(
    {"rating_scale", "rating", "headline", "summary", "body", "media_authenticity", "language"}
)
EDITABLE_STATUSES = (Verdict.Status.DRAFT, Verdict.Status.IN_REVIEW)


class VerdictExists(ApplicationError):
    code = "verdict_exists"
    status_code = 409


class RatingScaleRequired(ApplicationError):
    code = "rating_scale_required"


def scale_follows_rating(changes: dict[str, Any]) -> dict[str, Any]:
    """A new rating given without a scale brings its own scale along."""
    rating = changes.get("rating")
    if rating is not None and "rating_scale" not in changes:
        return {**changes, "rating_scale": rating.scale}
    return changes


def _unique_slug(base: str) -> str:
    base = base[:180].strip("-") or "verdict"
    slug, suffix = base, 2
    while Verdict.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


@transaction.atomic
def verdict_create_draft(
    *,
    claim: Claim,
    actor: AbstractBaseUser | None,
    rating: Rating | None = None,
    rating_scale: RatingScale | None = None,
    headline: str = "",
    summary: str = "",
    body: str = "",
    media_authenticity: str = "",
    language: str | None = None,
    authors: Iterable[AbstractBaseUser] = (),
    publisher: Publisher | None = None,
    textual_rating: str = "",
) -> Verdict:
    """Start a draft verdict on a claim for `publisher` (this newsroom by default).

    The scale defaults to the rating's; the language to the claim's. One verdict per publisher
    per claim: a second raises VerdictExists. The slug is fixed here, from the headline, so that
    the public URL does not move when the headline is edited later.
    """
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    publisher = publisher or publisher_get_or_create_self()
    if Verdict.objects.filter(claim=claim, publisher=publisher).exists():
        raise VerdictExists(f"{publisher} already has a verdict on this claim.")
    rating_scale = rating_scale or (rating.scale if rating else None)
    if rating_scale is None:
        raise RatingScaleRequired("A draft verdict needs a rating or a rating scale.")
    verdict = Verdict(
        claim=claim,
        publisher=publisher,
        rating_scale=rating_scale,
        rating=rating,
        headline=headline,
        summary=summary,
        body=body,
        media_authenticity=media_authenticity,
        textual_rating=textual_rating,
        language=language or claim.language,
        slug=_unique_slug(slugify(headline) or f"claim-{claim.pk}"),
        created_by=actor,
    )
    index_verdict(verdict)
    save_validated(verdict, actor=actor, reason="drafted")
    verdict.authors.set(authors or ([actor] if actor else []))
    return verdict


@transaction.atomic
def verdict_update_draft(
    *,
    verdict: Verdict,
    actor: AbstractBaseUser | None,
    authors: Iterable[AbstractBaseUser] | None = None,
    **changes: Any,
) -> Verdict:
    """Edit a verdict that is not yet published. Published and retracted verdicts raise
    VerdictLocked: they change only through a Correction, so that readers see what changed."""
    locked = Verdict.objects.select_for_update().get(pk=verdict.pk)
    if locked.status not in EDITABLE_STATUSES:
        raise VerdictLocked(
            f"This verdict is {locked.get_status_display().lower()}; "
            "it can change only with a correction."
        )
    apply_changes(locked, scale_follows_rating(changes), DRAFT_CHANGEABLE_FIELDS)
    index_verdict(locked)
    save_validated(locked, actor=actor, reason="draft edited")
    if authors is not None:
        locked.authors.set(authors)
    return locked


@transaction.atomic
def verdict_delete_draft(*, verdict: Verdict, actor: AbstractBaseUser | None) -> None:
    """Discard an unpublished verdict. Published ones are retracted, never deleted."""
    locked = Verdict.objects.select_for_update().get(pk=verdict.pk)
    if locked.status not in EDITABLE_STATUSES:
        raise VerdictLocked("A published verdict is retracted, not deleted.")
    locked._history_user = actor
    locked.delete()
