"""Queue the hashing again of media hashed by an older version of media.hashing, for the hash
workers to do in the background; lookups keep using the old hashes until each item's new ones
replace them. Run after a deploy that raised media.hashing.HASH_VERSION; safe to run again."""

from django.core.management.base import BaseCommand, CommandParser

from media.hashing import HASH_VERSION
from media.services.rehashing import media_items_outdated, media_items_rehash_request


class Command(BaseCommand):
    help = (
        "Hash again, in the background, the media hashed by an older version of the hashing "
        f"(current: {HASH_VERSION}). Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=None, help="Queue at most this many items (archive first)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only say how many items are outdated."
        )

    def handle(self, *args, limit: int | None, dry_run: bool, **options) -> None:
        outdated = media_items_outdated().count()
        if dry_run:
            self.stdout.write(f"{outdated} items hashed by an older version of the hashing.")
            return
        queued = media_items_rehash_request(limit=limit)
        self.stdout.write(
            f"Queued {queued} of {outdated} outdated items for hashing again on the hash queue."
        )
