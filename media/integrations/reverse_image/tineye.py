"""TinEye: where copies of an image were crawled, and when. Every search is paid for.

Written against TinEye's API documentation as it stands since the header authentication of
August 2021 (TinEye API release notes, https://help.tineye.com/article/285-tineye-api-release-notes),
with the request and response shapes of TinEye's official client, pytineye 3.x
(https://github.com/TinEye/pytineye, `pytineye/api.py`, linked from https://api.tineye.com/python/docs/),
and the error list https://help.tineye.com/article/293-tineye-api-error-messages.

Request: `https://api.tineye.com/rest/search/` with the key in the `x-api-key` header (a key in
the query string is refused since 2021). By upload: `POST` multipart/form-data with the image in
`image_upload` and the other parameters as form fields; by URL: `GET` with `image_url` in the
query. We upload when we have the bytes: TinEye's own errors say a URL it cannot download fails.

Response: `{"code": 200, "messages": [], "stats": {"total_results", ...}, "results":
{"matches": [{"image_url", "domain", "score", "width", "height", "format", "filesize",
"overlay", "tags", "backlinks": [{"url", "backlink", "crawl_date"}]}]}}`. `score` runs from 0
to 100; `crawl_date` is `YYYY-MM-DD`. Errors carry the same envelope with their `code` (400 bad
image or URL, 401 bad key, 402 no searches left, 429 too many requests) and `messages`.
"""

import mimetypes
from collections.abc import Iterator

from core.safe_http import Timeout
from media.integrations.reverse_image._common import (
    DEFAULT_TIMEOUT,
    EngineResponse,
    HttpProvider,
    parse_datetime,
    retry_after_seconds,
)
from media.integrations.reverse_image.base import (
    ExternalMatch,
    ImageQuery,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderError,
    ProviderRateLimited,
    ProviderResult,
    ProviderTransientError,
)

SEARCH_PATH = "/rest/search/"
_MATCH_DETAILS = ("image_url", "domain", "width", "height", "format", "filesize", "overlay", "tags")


class TinEyeProvider(HttpProvider):
    """TinEye's `search` method, up to `limit` matched images (TinEye's default is 100)."""

    name = "tineye"
    default_base_url = "https://api.tineye.com"

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        limit: int = 100,
    ) -> None:
        super().__init__(api_key=api_key, base_url=base_url, timeout=timeout)
        self.limit = limit

    def _search(self, image: ImageQuery) -> ProviderResult:
        url = f"{self.base_url}{SEARCH_PATH}"
        headers = {"x-api-key": self.api_key}
        if image.content:
            extension = mimetypes.guess_extension(image.mime_type or "") or ""
            upload = (f"image{extension}", image.content, image.mime_type)
            fields = {"image_upload": upload, "limit": str(self.limit)}
            response = self._http.request("POST", url, headers=headers, fields=fields)
        else:
            fields = {"image_url": image.url, "limit": str(self.limit)}
            response = self._http.request("GET", url, headers=headers, fields=fields)

        payload = response.json()
        code = payload.get("code") if isinstance(payload, dict) else None
        if response.status != 200 or code != 200:
            raise self._error(response, payload)
        with self._documented_shape():
            found = payload["results"].get("matches", [])
            matches = tuple(m for match in found for m in _matches(match))
            truncated = payload.get("stats", {}).get("total_results", 0) > len(found)
        return ProviderResult(self.name, matches, truncated=truncated)

    def _error(self, response: EngineResponse, payload: object) -> ProviderError:
        if not isinstance(payload, dict):
            if response.status == 200:
                return ProviderError("The response is not valid JSON.", provider=self.name)
            payload = {}  # an HTTP error without TinEye's envelope, e.g. a proxy's 502
        # TinEye sends its code both as the HTTP status and in the envelope; a 200 whose
        # envelope says otherwise is an error too.
        code = response.status if response.status != 200 else payload.get("code")
        if not isinstance(code, int):
            return ProviderError("The response has no status code.", provider=self.name)
        messages = payload.get("messages")
        message = "; ".join(map(str, messages)) if isinstance(messages, list) and messages else ""
        message = message or f"HTTP {code}."
        if code == 429:
            return ProviderRateLimited(
                message,
                provider=self.name,
                status=code,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        if code in (401, 403):
            return ProviderAuthError(message, provider=self.name, status=code)
        if code == 400:
            return ProviderBadRequest(message, provider=self.name, status=code)
        if code >= 500:
            return ProviderTransientError(message, provider=self.name, status=code)
        # 402, no searches left, among others: waiting does not help, buying a bundle does.
        return ProviderError(message, provider=self.name, status=code)


def _matches(match: dict) -> Iterator[ExternalMatch]:
    """One match per backlink: each is a page where TinEye crawled a copy, with its date."""
    score = float(match["score"]) if match.get("score") is not None else None
    extra = {key: match[key] for key in _MATCH_DETAILS if key in match}
    backlinks = match.get("backlinks") or []
    for backlink in backlinks:
        yield ExternalMatch(
            url=backlink.get("url") or match["image_url"],
            kind="page",
            page_url=backlink.get("backlink"),
            score=score,
            first_seen_at=parse_datetime(backlink.get("crawl_date")),
            extra=dict(extra),
        )
    if not backlinks:
        # A match TinEye names no page for: only its copy of the image. TinEye finds edited
        # copies too, so this is not claimed to be the same picture.
        yield ExternalMatch(url=match["image_url"], kind="similar", score=score, extra=extra)
