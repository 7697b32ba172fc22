"""Pages of results as Google's list and search methods give them: `pageSize` (default 10),
`offset` (where to start, used only without a token) and an opaque `pageToken`.

A token carries the offset of the next page and a fingerprint of the request's other parameters,
signed with the secret key: a token altered, forged or used with other parameters is refused
(INVALID_ARGUMENT), never read as some other page. Page sizes above the maximum are lowered to
it (Google's rule for list methods, AIP-158); negative ones are refused.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core import signing

from factchecktools.errors import invalid_argument

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
# Offsets cost what they skip; results this deep are for a bulk export, not a search.
MAX_OFFSET = 10_000


@dataclass(frozen=True)
class Window:
    start: int
    size: int


def _fingerprint(method: str, filters: dict[str, Any]) -> str:
    text = json.dumps([method, filters], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _salt(method: str) -> str:
    return f"factchecktools.page-token.{method}"


def window(values: dict[str, Any], *, method: str, filters: dict[str, Any]) -> Window:
    """Where the requested page starts and how long it is, from `page_size`, `page_token` and
    `offset`; `filters` are the request's other parameters, which a token must have been made
    with."""
    size = values.get("page_size", 0)
    if size < 0:
        raise invalid_argument(
            "page_size must not be negative.", [("page_size", "Must not be negative.")]
        )
    size = min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    token = values.get("page_token")
    if token:
        return Window(start=_read_token(token, method=method, filters=filters), size=size)
    start = values.get("offset", 0)
    if not 0 <= start <= MAX_OFFSET:
        raise invalid_argument(
            f"offset must be between 0 and {MAX_OFFSET}.",
            [("offset", f"Must be between 0 and {MAX_OFFSET}.")],
        )
    return Window(start=start, size=size)


def next_page_token(
    page: Window, *, has_more: bool, method: str, filters: dict[str, Any]
) -> str | None:
    """The token of the page after `page`, or None when there is none (or it is too deep)."""
    start = page.start + page.size
    if not has_more or start > MAX_OFFSET:
        return None
    return signing.dumps({"o": start, "f": _fingerprint(method, filters)}, salt=_salt(method))


def _read_token(token: str, *, method: str, filters: dict[str, Any]) -> int:
    try:
        payload = signing.loads(token, salt=_salt(method))
    except signing.BadSignature:
        raise invalid_argument(
            "Invalid page token; start again from the first page.",
            [("page_token", "Not a page token of this method.")],
        ) from None
    if payload.get("f") != _fingerprint(method, filters):
        raise invalid_argument(
            "The page token was made for a request with other parameters; send the same "
            "parameters with it, or start again from the first page.",
            [("page_token", "Made for other parameters.")],
        )
    return int(payload["o"])
