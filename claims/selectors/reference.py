"""Reads of media, evidence, appearances, lookups and reference data, by who is asking."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, Q, QuerySet

from claims.models import (
    Appearance,
    ClaimMedia,
    Evidence,
    Publisher,
    Rating,
    RatingScale,
    RatingSynonym,
    Topic,
)
from claims.ratings import ScaleSteps, normalize_textual
from claims.selectors.claims import public_claim_ids
from core.roles import is_newsroom
from media.models import LookupJob, LookupMatch, MediaItem

Viewer = AbstractBaseUser | AnonymousUser


def appearance_list(*, viewer: Viewer) -> QuerySet[Appearance]:
    appearances = Appearance.objects.select_related("claim", "screenshot")
    if is_newsroom(viewer):
        return appearances
    return appearances.filter(claim__in=public_claim_ids())


def evidence_list(*, viewer: Viewer) -> QuerySet[Evidence]:
    """Public evidence of public claims for outsiders; everything for the newsroom."""
    evidence = Evidence.objects.select_related("claim", "media_item", "lookup_match")
    if is_newsroom(viewer):
        return evidence
    return evidence.filter(is_public=True, claim__in=public_claim_ids())


def media_item_list(*, viewer: Viewer) -> QuerySet[MediaItem]:
    """Outsiders see the media of public claims and of their public evidence."""
    items = MediaItem.objects.all()
    if is_newsroom(viewer):
        return items
    public_claims = public_claim_ids()
    evidence_media = Evidence.objects.filter(is_public=True, claim__in=public_claims)
    claim_media = ClaimMedia.objects.filter(claim__in=public_claims)
    return items.filter(
        Q(pk__in=evidence_media.values("media_item")) | Q(pk__in=claim_media.values("media_item"))
    )


def media_file_list(*, viewer: Viewer) -> QuerySet[MediaItem]:
    """Media whose file the viewer may download: what `media_item_list` shows them and, for
    outsiders, the archive copies that a public page shows as a claim's earliest known source
    (matches of a public claim's media)."""
    items = media_item_list(viewer=viewer)
    if is_newsroom(viewer):
        return items
    public_claim_media = ClaimMedia.objects.filter(claim__in=public_claim_ids())
    sources = LookupMatch.objects.filter(
        job__media_item__in=public_claim_media.values("media_item"),
        matched_item__in_archive=True,
    )
    return MediaItem.objects.filter(
        Q(pk__in=items.values("pk")) | Q(pk__in=sources.values("matched_item"))
    )


def lookup_job_list(*, viewer: Viewer) -> QuerySet[LookupJob]:
    """Lookups are newsroom work: nobody else sees them."""
    if not is_newsroom(viewer):
        return LookupJob.objects.none()
    matches = LookupMatch.objects.select_related("matched_item", "shared_hash__hash_list")
    return LookupJob.objects.select_related("media_item").prefetch_related(
        Prefetch("matches", queryset=matches)
    )


def topic_list() -> QuerySet[Topic]:
    return Topic.objects.all()


def publisher_list() -> QuerySet[Publisher]:
    return Publisher.objects.all()


def rating_scale_list() -> QuerySet[RatingScale]:
    return RatingScale.objects.prefetch_related(
        Prefetch("ratings", queryset=Rating.objects.order_by("-value", "label"))
    )


def rating_scale_steps(scale: RatingScale) -> ScaleSteps[Rating]:
    """What a rating can map onto in `scale` (claims.ratings): its steps by label and by
    synonym, and by value."""
    ratings = {rating.pk: rating for rating in scale.ratings.all()}
    by_text = {normalize_textual(rating.label): rating for rating in ratings.values()}
    for text, rating_id in RatingSynonym.objects.filter(scale=scale).values_list(
        "text", "rating_id"
    ):
        by_text.setdefault(text, ratings[rating_id])
    return ScaleSteps(
        worst=scale.worst_value,
        best=scale.best_value,
        by_text=by_text,
        by_value={r.value: r for r in ratings.values() if r.value is not None},
    )
