from django.core.management.base import BaseCommand

from claims.services.demo import demo_load, demo_users_reset


class Command(BaseCommand):
    help = "Load the demo newsroom (the Kim Yong Bok funeral video case). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--users",
            action="store_true",
            help="Also create the demo editor and fact-checker with new passwords; print them.",
        )

    def handle(self, *args, users: bool, **options):
        result = demo_load(actor=None)
        self.stdout.write(
            f"Demo loaded: {result.claims_created} new claims; "
            f"the funeral claim is #{result.funeral_claim.pk}, "
            f"its verdict #{result.funeral_verdict.pk} ({result.funeral_verdict.status})."
        )
        if users:
            for username, password, role in demo_users_reset():
                self.stdout.write(f"  {role:<13} user: {username:<12} password: {password}")
