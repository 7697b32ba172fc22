from celery import Task, shared_task


# Attempts are counted in the delivery row (core.jobs), not by Celery, so that a staff
# redelivery starts a fresh cycle. The hard time limit is a backstop for what the HTTP client
# cannot bound (a hanging DNS resolver).
@shared_task(bind=True, max_retries=None, soft_time_limit=90, time_limit=120)
def deliver_webhook(self: Task, delivery_id: int) -> None:
    """Make the next attempt at a webhook delivery; a failure that may pass is tried again with
    exponential backoff. Running it twice, or for a finished delivery, sends nothing more."""
    from core.jobs import run_job
    from webhooks.models import WebhookDelivery
    from webhooks.services import webhook_delivery_attempt

    run_job(WebhookDelivery, delivery_id, webhook_delivery_attempt, task=self)


@shared_task(acks_late=True, time_limit=300)
def resume_webhook_deliveries() -> None:
    """Run by Celery beat every few minutes (CELERY_BEAT_SCHEDULE): requeue lost deliveries."""
    from webhooks.services import webhook_deliveries_resume

    webhook_deliveries_resume()
