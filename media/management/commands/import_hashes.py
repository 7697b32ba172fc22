"""Store a hash list another newsroom or a hash exchange shared; all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from media import hash_lists
from media.services.hash_lists import InvalidHashList, hash_list_import


class Command(BaseCommand):
    help = (
        "Import a PDQ or vPDQ hash list (ThreatExchange, HMA or Meta tool format). A list with a "
        "bad line imports nothing and names every bad line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format", dest="list_format", choices=hash_lists.FORMATS, required=True
        )
        parser.add_argument("--name", help="What to call the list (default: the file name).")

    def handle(self, *args, file: Path, list_format: str, name: str | None, **options) -> None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        try:
            hash_list = hash_list_import(
                name=name or file.name, text=text, list_format=list_format, actor=None
            )
        except InvalidHashList as error:
            for line, reason in error.lines:
                self.stderr.write(f"{file}:{line}: {reason}")
            raise CommandError(error.message) from None
        count = hash_list.hashes.count()
        signals = hash_list.hashes.values("signal").distinct().count()
        self.stdout.write(
            f"Imported list #{hash_list.pk} {hash_list.name!r}: {signals} signals, {count} hashes."
        )
