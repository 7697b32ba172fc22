from celery import shared_task
from django.db import OperationalError


# Embedding takes a few seconds a batch on one core; a restarting database is worth waiting for.
@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=1800,
)
def embed_claims(claim_ids: list[int]) -> int:
    """Make and embed the claims' passages. Safe to run twice or for deleted claims."""
    from retrieval.services import claims_embed

    return claims_embed(claim_ids=claim_ids)


@shared_task(time_limit=1800)
def embed_pending() -> int:
    """Beat: embed what lost its task message, and re-embed after a change of model."""
    from retrieval.services import passages_sweep

    return passages_sweep().passages
