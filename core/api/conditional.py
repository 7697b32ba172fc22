"""ETags and Last-Modified for API resources, built from row timestamps so that a conditional
request is answered without serializing anything, and `If-Match` guards every edit."""

import hashlib
from datetime import datetime

from django.utils.http import http_date, parse_etags, parse_http_date_safe
from rest_framework.request import Request

from core.api.exceptions import PreconditionFailed, PreconditionRequired


def make_etag(*parts: object) -> str:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]
    return f'"{digest}"'


def validator_headers(etag: str, last_modified: datetime | None) -> dict[str, str]:
    headers = {"ETag": etag}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified.timestamp())
    return headers


def not_modified(request: Request, etag: str, last_modified: datetime | None = None) -> bool:
    """RFC 9110: If-None-Match decides when present; otherwise If-Modified-Since."""
    header = request.headers.get("If-None-Match")
    if header:
        tags = parse_etags(header)
        return "*" in tags or etag in tags or etag.removeprefix("W/") in tags
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return (
        since is not None and last_modified is not None and int(last_modified.timestamp()) <= since
    )


def check_if_match(request: Request, etag: str) -> None:
    """Refuse an edit made without naming the representation it was made against (428), or
    against one that is no longer current (412): nobody overwrites a colleague's edit unseen."""
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired()
    tags = parse_etags(header)
    if "*" not in tags and etag not in tags:
        raise PreconditionFailed()
