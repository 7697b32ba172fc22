"""Write the archive's reference hashes as a list other newsrooms and hash exchanges read."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from media import hash_lists
from media.selectors import archive_signals


class Command(BaseCommand):
    help = (
        "Write the archive's PDQ (pictures) and vPDQ (videos) hashes in a ThreatExchange, HMA or "
        "Meta tool format, to share them without the media."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format", dest="list_format", choices=hash_lists.FORMATS, required=True
        )
        parser.add_argument("--output", type=Path, help="A file to write (default: stdout).")
        parser.add_argument(
            "--item", type=int, action="append", dest="items", help="Only this media item (repeat)."
        )

    def handle(self, *args, list_format: str, output: Path | None, items, **options) -> None:
        lines = hash_lists.write(archive_signals(media_item_ids=items), list_format)
        if output is None:
            sys.stdout.writelines(lines)
            return
        with output.open("w", encoding="utf-8", newline="") as file:
            file.writelines(lines)
