"""Bulk intake into the reference archive: every file under a folder, or the rows of a CSV file
(a local path or a URL each, with its provenance).

Each item goes through the same services as an upload, so identical bytes are one item and a
second run creates nothing: it only fills in provenance the items lacked. A bad row (no such
file, a bad date or URL, not media, a fetch that failed) is reported and skipped; the others
are imported all the same, and the exit status says whether any failed.
"""

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from core.exceptions import ApplicationError
from media.models import MediaItem
from media.services.lookups import MediaUnreadable, archive_add, media_item_hash
from media.services.media import (
    MediaFetchInterrupted,
    media_item_create,
    media_item_create_from_url,
)

SOURCE_COLUMNS = ("path", "url")
PROVENANCE_COLUMNS = ("first_published_at", "publisher_name", "original_url", "caption")


class RowError(Exception):
    """Why one row or file cannot be imported."""


@dataclass
class Row:
    label: str  # how the report names it
    path: Path | None = None
    url: str = ""
    values: dict[str, str] = field(default_factory=dict)  # provenance columns, as written
    error: str = ""  # found while reading the row


class Command(BaseCommand):
    help = (
        "Add images and videos with their provenance to the reference archive: every file "
        "under FOLDER, or the rows of --csv FILE. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "folder", nargs="?", type=Path, help="Import every file under this folder."
        )
        parser.add_argument(
            "--csv",
            type=Path,
            help=(
                "Import the rows of this CSV file. Columns: path (relative to the CSV file's "
                "folder) or url, and optionally first_published_at (ISO 8601; UTC unless it "
                "says otherwise), publisher_name, original_url, caption."
            ),
        )
        parser.add_argument(
            "--publisher", default="", help="With a folder: the publisher of every file."
        )
        parser.add_argument(
            "--first-published-at",
            default="",
            help="With a folder: when every file was first published (ISO 8601).",
        )
        parser.add_argument(
            "--now",
            action="store_true",
            help="Hash each item here, before the next, instead of queueing it for a worker.",
        )

    def handle(
        self,
        *args,
        folder: Path | None,
        csv: Path | None,
        publisher: str,
        first_published_at: str,
        now: bool,
        **options,
    ) -> None:
        if (folder is None) == (csv is None):
            raise CommandError("Give a folder or --csv FILE (one of them).")
        if csv is not None and (publisher or first_published_at):
            raise CommandError(
                "--publisher and --first-published-at go with a folder; a CSV file has "
                "columns for them."
            )
        if folder is not None:
            if not folder.is_dir():
                raise CommandError(f"{folder} is not a folder.")
            try:
                _parse_when(first_published_at)
            except RowError as error:
                raise CommandError(str(error)) from error
            common = {"publisher_name": publisher, "first_published_at": first_published_at}
            rows = _folder_rows(folder, common)
        else:
            rows = _csv_rows(csv)
        counts: Counter[str] = Counter()
        for row in rows:
            try:
                item, created = self._import(row, now=now)
            except RowError as error:
                counts["failed"] += 1
                self.stderr.write(f"{row.label}: failed: {error}")
                continue
            outcome = "created" if created else "existing"
            counts[outcome] += 1
            if options["verbosity"] >= 2:
                self.stdout.write(f"{row.label}: {outcome} #{item.pk}")
        self.stdout.write(
            f"Created {counts['created']}, existing {counts['existing']}, "
            f"failed {counts['failed']}."
        )
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} could not be imported (see above).")

    def _import(self, row: Row, *, now: bool) -> tuple[MediaItem, bool]:
        """Store the row's media (or find it stored), put it in the archive and hash it."""
        if row.error:
            raise RowError(row.error)
        provenance = _provenance(row.values)
        # Hashing is queued by `archive_add` (or done here with --now), once.
        try:
            if row.path is not None:
                with row.path.open("rb") as stream:
                    item, created = media_item_create(
                        actor=None,
                        file=File(stream, name=row.path.name),
                        queue_hashing=False,
                        **provenance,
                    )
            else:
                item, created = media_item_create_from_url(
                    actor=None, url=row.url, queue_hashing=False, **provenance
                )
        except OSError as error:
            raise RowError(f"Could not read {row.path}: {error.strerror or error}.") from error
        except (ApplicationError, MediaFetchInterrupted) as error:
            raise RowError(str(error)) from error
        except ValidationError as error:
            raise RowError(_describe(error)) from error
        if item.status != MediaItem.Status.READY:
            raise RowError(f"Stored as #{item.pk}, which is {item.status}: {item.failure_reason}")
        if now and item.hashed_at is None:
            try:
                item = media_item_hash(media_item_id=item.pk)
            except MediaUnreadable as error:
                raise RowError(f"Stored as #{item.pk}, but {error}") from error
        archive_add(media_items=[item])
        return item, created


def _folder_rows(folder: Path, values: dict[str, str]) -> Iterator[Row]:
    """Every file under `folder`, in name order; hidden files and folders are left out."""
    files = (
        path
        for path in folder.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )
    for path in sorted(files):
        yield Row(label=str(path.relative_to(folder)), path=path, values=values)


def _csv_rows(csv_path: Path) -> Iterator[Row]:
    try:
        # utf-8-sig: spreadsheets often start the file with a byte order mark.
        source = csv_path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise CommandError(f"Cannot read {csv_path}: {error.strerror or error}.") from error
    with source:
        reader = csv.DictReader(source)
        columns = [name.strip() for name in reader.fieldnames or []]
        unknown = set(columns) - {*SOURCE_COLUMNS, *PROVENANCE_COLUMNS}
        if unknown:
            raise CommandError(
                f"Unknown columns in {csv_path}: {', '.join(sorted(unknown))}. Known: "
                f"{', '.join((*SOURCE_COLUMNS, *PROVENANCE_COLUMNS))}."
            )
        if not set(SOURCE_COLUMNS) & set(columns):
            raise CommandError(f"{csv_path} needs a path or a url column.")
        reader.fieldnames = columns
        try:
            for record in reader:
                yield _csv_row(record, line=reader.line_num, folder=csv_path.parent)
        except (csv.Error, UnicodeDecodeError) as error:
            raise CommandError(f"{csv_path}, line {reader.line_num}: {error}") from error


def _csv_row(record: dict, *, line: int, folder: Path) -> Row:
    extra = record.pop(None, None)
    cells = {name: (value or "").strip() for name, value in record.items()}
    path, url = cells.get("path", ""), cells.get("url", "")
    row = Row(
        label=f"line {line} ({path or url or 'empty'})",
        url=url,
        values={name: cells.get(name, "") for name in PROVENANCE_COLUMNS},
    )
    if extra:
        row.error = "More cells than columns."
    elif bool(path) == bool(url):
        row.error = "Give a path or a url, one of them."
    elif path:
        row.path = folder / path
        if not row.path.is_file():
            row.error = f"No such file: {row.path}."
    return row


def _provenance(values: dict[str, str]) -> dict:
    return {
        "first_published_at": _parse_when(values.get("first_published_at", "")),
        "publisher_name": values.get("publisher_name", ""),
        "original_url": values.get("original_url", ""),
        "caption": values.get("caption", ""),
    }


def _parse_when(value: str) -> datetime | None:
    """An ISO 8601 date and time, or a date (midnight); UTC when no offset is given."""
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)) is not None:
            parsed = datetime.combine(day, time())
    except ValueError:  # well formed, but not a real date, e.g. 2020-02-30
        parsed = None
    if parsed is None:
        raise RowError(f"first_published_at {value!r} is not an ISO 8601 date.")
    return timezone.make_aware(parsed, UTC) if timezone.is_naive(parsed) else parsed


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)
