"""Importing hash lists other newsrooms and hash exchanges share (media.hash_lists formats)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core.exceptions import ApplicationError
from media import hash_lists
from media.models import HashList, SharedHash


class InvalidHashList(ApplicationError):
    """`lines`: (line number, reason) of each bad line; in the API's details as `content.N`
    (line N of the content, 0 for the list as a whole)."""

    code = "invalid_hash_list"

    def __init__(self, message: str, *, lines: list[tuple[int, str]]) -> None:
        details = {
            f"content.{line}": [{"code": "invalid_line", "message": reason}]
            for line, reason in lines
        }
        super().__init__(message, extra={"details": details})
        self.lines = lines


@transaction.atomic
def hash_list_import(
    *, name: str, text: str, list_format: str, actor: AbstractBaseUser | None
) -> HashList:
    """Store a shared list's hashes under `name`, all or nothing: a list with a bad line raises
    InvalidHashList naming every bad line and stores nothing."""
    try:
        signals = hash_lists.read(text, list_format)
    except hash_lists.HashListInvalid as error:
        raise InvalidHashList(
            f"The {list_format} list has {error.total} bad line(s); nothing was imported. "
            f"Line {error.errors[0][0]}: {error.errors[0][1]}",
            lines=error.errors,
        ) from None
    hash_list = HashList.objects.create(name=name, list_format=list_format, imported_by=actor)
    SharedHash.objects.bulk_create(
        (
            SharedHash(
                hash_list=hash_list,
                signal=number,
                signal_type=signal.signal_type,
                line=signal.line,
                pdq_hash=frame.pdq,
                quality=frame.quality,
                offset_seconds=frame.offset_seconds,
            )
            for number, signal in enumerate(signals)
            for frame in signal.frames
        ),
        batch_size=2000,
    )
    return hash_list
