"""What the engine adapters share: HTTP through urllib3, the provider base class that holds a
key, a base URL and a client, and lenient parsing of the engines' dates.

The HTTP client sends each request once: retries belong to the lookup task, which backs off
and knows that a TinEye search costs money. It never follows a redirect (none of these APIs
answer with one, and following it could carry the key to another host). The engines' hosts
are fixed and trusted, so the private-address guard of `safe_http` is not used here.
"""

import abc
import contextlib
import email.utils
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import urllib3

from core.safe_http import USER_AGENT, Timeout
from media.integrations.reverse_image.base import (
    ImageQuery,
    Provider,
    ProviderAuthError,
    ProviderError,
    ProviderResult,
    ProviderTransientError,
)

DEFAULT_TIMEOUT = Timeout(connect=5.0, read=30.0)


@dataclass(frozen=True)
class EngineResponse:
    status: int
    headers: Mapping[str, str]  # case-insensitive (urllib3's HTTPHeaderDict)
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON (an error page from a proxy)."""
        try:
            return json.loads(self.body)
        except ValueError:  # also UnicodeDecodeError
            return None


class EngineHttp:
    """One urllib3 pool per provider, with connect and read timeouts. Transport failures become
    `ProviderTransientError`; every answer, whatever its status, is returned."""

    def __init__(self, *, provider: str, timeout: Timeout) -> None:
        self._provider = provider
        self._pool = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=timeout.connect, read=timeout.read), retries=False
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> EngineResponse:
        """`fields` go into the query string for GET and into a multipart/form-data body for
        POST (urllib3's encoding)."""
        try:
            response = self._pool.request(
                method,
                url,
                body=body,
                fields=fields,
                headers={"User-Agent": USER_AGENT, **(headers or {})},
                redirect=False,
            )
        # The URL may carry the API key in its query (Google): the messages name no URL and
        # the urllib3 errors are not chained, so the key stays out of logs and tracebacks.
        # NewConnectionError is a subclass of ConnectTimeoutError, so it comes first.
        except urllib3.exceptions.NewConnectionError:
            raise ProviderTransientError("Could not connect.", provider=self._provider) from None
        except urllib3.exceptions.TimeoutError:
            raise ProviderTransientError(
                "The request timed out.", provider=self._provider
            ) from None
        except urllib3.exceptions.ProtocolError:
            raise ProviderTransientError(
                "The connection broke off.", provider=self._provider
            ) from None
        except urllib3.exceptions.HTTPError as error:
            raise ProviderError(
                f"The request failed ({type(error).__name__}).", provider=self._provider
            ) from None
        if 300 <= response.status < 400:
            raise ProviderError(
                "Unexpected redirect; not followed.",
                provider=self._provider,
                status=response.status,
            )
        return EngineResponse(response.status, response.headers, response.data)


class HttpProvider(Provider):
    """A provider that talks to its engine over HTTP with an API key. `base_url` is the scheme
    and host (the real endpoint by default; a fake server in tests, or a proxy)."""

    default_base_url: str

    def __init__(
        self, *, api_key: str, base_url: str | None = None, timeout: Timeout = DEFAULT_TIMEOUT
    ) -> None:
        self.api_key = api_key
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self._http = EngineHttp(provider=self.name, timeout=timeout)

    def is_configured(self) -> bool:
        return bool(self.api_key)

    def search(self, image: ImageQuery) -> ProviderResult:
        if not self.is_configured():
            raise ProviderAuthError("No API key is configured.", provider=self.name)
        return self._search(image)

    @abc.abstractmethod
    def _search(self, image: ImageQuery) -> ProviderResult: ...

    def _json(self, response: EngineResponse) -> Any:
        """The JSON body of a successful answer. Malformed JSON is not retryable: it is not
        what a busy engine sends, and a retried TinEye search is paid for again."""
        payload = response.json()
        if payload is None:
            raise ProviderError(
                "The response is not valid JSON.", provider=self.name, status=response.status
            )
        return payload

    @contextlib.contextmanager
    def _documented_shape(self) -> Iterator[None]:
        """Turns a response that is JSON but not in the documented shape (a missing key, a list
        where an object belongs) into a `ProviderError` instead of a crash in the parser."""
        try:
            yield
        except (LookupError, TypeError, AttributeError, ValueError) as error:
            raise ProviderError(
                f"The response is not in the documented format ({type(error).__name__}: {error}).",
                provider=self.name,
            ) from None


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header as seconds from now: delay-seconds or an HTTP date (RFC 9110,
    10.2.3). None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, with no claim about the local zone
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def parse_datetime(value: object) -> datetime | None:
    """An engine's date or timestamp (`2015-11-09`, `2020-06-14T08:30:00Z`) as an aware
    datetime, UTC when no zone is given; None when missing or unreadable, since one bad date
    should not cost the whole answer."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
