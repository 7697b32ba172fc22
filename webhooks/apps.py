from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from core import events
        from webhooks.models import WebhookEvent
        from webhooks.services import webhook_events_for_verdict

        for event in WebhookEvent:
            events.subscribe(event.value, webhook_events_for_verdict)
