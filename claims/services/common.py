from django.utils import timezone

from claims.models import Claim


def touch_claim(claim_id: int) -> None:
    """Mark a claim changed when a part of it (appearance, evidence, media) changes, so that its
    `updated_at`, and the ETag built from it, cover the whole dossier."""
    Claim.objects.filter(pk=claim_id).update(updated_at=timezone.now())
