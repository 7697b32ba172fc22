from django.utils import timezone

from claims.models import Claim, ClaimMedia


def touch_claim(claim_id: int) -> None:
    """Mark a claim changed when a part of it (appearance, evidence, media) changes, so that its
    `updated_at`, and the ETag built from it, cover the whole dossier."""
    Claim.objects.filter(pk=claim_id).update(updated_at=timezone.now())


def claims_touch_for_media(*, event: str, media_item_id: int) -> None:
    """Handler of `media_item.changed`: the claims carrying the item show its provenance, so
    their ETags must move too."""
    claim_ids = ClaimMedia.objects.filter(media_item_id=media_item_id).values("claim_id")
    Claim.objects.filter(pk__in=claim_ids).update(updated_at=timezone.now())
