"""The provider interface: what a lookup asks an external engine (`ImageQuery`), what it gets
back (`ProviderResult`, a list of `ExternalMatch`), and how it fails (`ProviderError` and its
subclasses, which say whether trying again can help).

Engines differ in what they accept: Vision and TinEye take the image's bytes or a public URL,
Fact Check Tools only a public URL. `Provider.supports` tells a lookup which engines can take a
query, so that it skips the others instead of spending a request on a refusal.
"""

import abc
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

# full/partial: the same image (partial: a crop or an edit sharing key points); similar: looks
# alike, may be another picture; page: a web page showing a matching image; claim_review: a
# fact-check published about a claim that carried the image.
MatchKind = Literal["full", "partial", "similar", "page", "claim_review"]


@dataclass(frozen=True)
class ImageQuery:
    """An image to look up: its bytes with their MIME type, a public http(s) URL an engine can
    fetch it from, or both. `language` (BCP-47) narrows the results where an engine can."""

    content: bytes | None = None
    mime_type: str | None = None
    url: str | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        if not self.content and not self.url:
            raise ValueError("An image query needs the image's bytes or its URL.")
        if self.content and not self.mime_type:
            raise ValueError("The image's bytes need their MIME type.")
        if self.url and urlsplit(self.url).scheme not in ("http", "https"):
            raise ValueError("The image URL must be http or https.")


@dataclass(frozen=True, kw_only=True)
class ClaimReview:
    """A fact-check another publisher made of a claim that carried the image (ClaimReview, as
    Fact Check Tools reports it). Missing text fields are empty strings."""

    claim_text: str
    claimant: str
    claim_date: datetime | None
    publisher_name: str
    publisher_site: str
    url: str
    title: str
    review_date: datetime | None
    textual_rating: str
    language: str


@dataclass(frozen=True, kw_only=True)
class ExternalMatch:
    """One place where an engine found the image.

    `url` is the matching image, or the page itself when the engine names no image (claim
    reviews); `page_url` and `page_title` the page that shows it, when known. `score` is the
    engine's own similarity or relevance, not comparable across engines. `first_seen_at` is the
    earliest date the engine ties to this copy (TinEye's crawl date; a reviewed claim's date),
    None when it gives none. `extra` keeps engine-specific details for display.
    """

    url: str
    page_url: str | None = None
    page_title: str | None = None
    score: float | None = None
    first_seen_at: datetime | None = None
    kind: MatchKind
    claim_review: ClaimReview | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderResult:
    """What one engine answered to one query. `truncated`: the engine holds more results than
    were fetched (a result or page limit was reached)."""

    provider: str
    matches: tuple[ExternalMatch, ...]
    truncated: bool = False


class ProviderError(Exception):
    """An engine did not answer the query. `retryable`: the same request may succeed later,
    after `retry_after` seconds when the engine said how long; when False, retrying only spends
    quota. `status` is the HTTP status, when there was one."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{provider}: {message}")
        self.message = message
        self.provider = provider
        self.status = status
        self.retry_after = retry_after


class ProviderTransientError(ProviderError):
    """The engine failed on its side or could not be reached: a 5xx, a timeout, a refused or
    broken connection."""

    retryable = True


class ProviderRateLimited(ProviderError):
    """Too many requests or quota exhausted (429, Google's RESOURCE_EXHAUSTED)."""

    retryable = True


class ProviderAuthError(ProviderError):
    """The key is missing, invalid, or not allowed to use this API (401, 403)."""


class ProviderBadRequest(ProviderError):
    """The engine refused the query itself (400): an image it cannot read, a URL it cannot
    fetch. The same query fails again."""


class QueryNotSupported(ProviderError):
    """The engine cannot search for this query at all, e.g. Fact Check Tools without a public
    image URL. Check `Provider.supports` first to skip such an engine."""


class Provider(abc.ABC):
    """An external reverse-image engine, off unless it has an API key."""

    name: str

    @abc.abstractmethod
    def is_configured(self) -> bool:
        """Whether the engine has what it needs to search (its API key)."""

    def supports(self, image: ImageQuery) -> bool:
        """Whether this engine can search for `image` at all."""
        return True

    @abc.abstractmethod
    def search(self, image: ImageQuery) -> ProviderResult:
        """Ask the engine about `image`. Raises a `ProviderError` subclass when it does not
        answer; an answer without matches is a result with no matches."""
