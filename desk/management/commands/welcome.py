from django.conf import settings
from django.core.management.base import BaseCommand

from desk.services import ROLE_ORDER, demo_access_reset


class Command(BaseCommand):
    help = (
        "Hand out demo access: new passwords for the demo editor, fact-checker and admin, one "
        "new API key each (and for a consumer account), and the URLs to start from."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default=settings.FACTCHECK_PUBLIC_BASE_URL,
            help="Where the service answers (default: FACTCHECK_PUBLIC_BASE_URL).",
        )

    def handle(self, *args, base_url: str, **options):
        base = base_url.rstrip("/")
        access = sorted(demo_access_reset(), key=lambda a: ROLE_ORDER.get(a.role, 9))
        self.stdout.write("Demo accounts (new passwords and API keys on every run):")
        for row in access:
            password = row.password or "(none: reads with its key)"
            self.stdout.write(
                f"  {row.role:<13} user: {row.username:<14} password: {password:<27} "
                f"API key: {row.api_key}"
            )
        self.stdout.write("")
        for label, path in [
            ("Desk", "/desk/"),
            ("Admin", "/admin/"),
            ("Public pages", "/fact-checks/"),
            ("API docs", "/api/v1/docs/"),
        ]:
            self.stdout.write(f"  {label + ':':<14}{base}{path}")
        self.stdout.write(
            f"  {'Try the API:':<14}curl -H 'X-API-Key: <a key above>' {base}/api/v1/me/"
        )
