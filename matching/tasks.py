from celery import shared_task
from django.db import OperationalError, transaction


# The work is a few indexed queries; a database that is restarting is worth waiting for.
@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=120,
)
def refresh_claim_suggestions(claim_id: int) -> None:
    """Compute the claim's suggestions from its text. Safe to run twice or for a deleted claim
    (see `suggestions_refresh`)."""
    from matching.services import suggestions_refresh

    suggestions_refresh(claim_id=claim_id)


def refresh_claim_suggestions_on_commit(claim_id: int) -> None:
    """Queue `refresh_claim_suggestions` once the current transaction commits. A broker that is
    down must not turn the claim's save into an error: the failure is logged and the claim
    simply gets no suggestions until its next text change."""
    transaction.on_commit(lambda: refresh_claim_suggestions.delay(claim_id), robust=True)
