from django.core.management.base import BaseCommand

from webhooks.services import webhook_deliveries_resume


class Command(BaseCommand):
    help = (
        "Queue again webhook deliveries whose task was lost (broker down when they were "
        "recorded, or a retry that could not be scheduled). Run it every few minutes."
    )

    def handle(self, *args, **options) -> None:
        count = webhook_deliveries_resume()
        self.stdout.write(f"Queued {count} webhook deliveries again.")
