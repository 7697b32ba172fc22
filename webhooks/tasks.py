from celery import Task, shared_task


# Attempts are counted in the delivery row, not by Celery (hence max_retries=None), so that a
# staff redelivery starts a fresh cycle. The hard time limit is a backstop for what the HTTP
# client cannot bound (a hanging DNS resolver): the killed process's message is re-queued.
@shared_task(bind=True, acks_late=True, max_retries=None, time_limit=120)
def deliver_webhook(self: Task, delivery_id: int) -> None:
    """Make the next attempt at a webhook delivery; when it fails, schedule another with
    exponential backoff. Running it twice, or for a finished delivery, sends nothing more."""
    from webhooks.services import webhook_delivery_attempt

    retry_at = webhook_delivery_attempt(delivery_id=delivery_id)
    if retry_at is not None:
        # The message's ETA is the row's `next_attempt_at`, so an early duplicate is told apart.
        raise self.retry(eta=retry_at)


@shared_task(acks_late=True, time_limit=300)
def resume_webhook_deliveries() -> None:
    """Run by Celery beat every few minutes (CELERY_BEAT_SCHEDULE): requeue lost deliveries."""
    from webhooks.services import webhook_deliveries_resume

    webhook_deliveries_resume()
