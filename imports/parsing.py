"""Reading other publishers' ClaimReviews: pure functions, no database.

A source is an HTML page, a JSON or JSON-LD document, a schema.org DataFeed, or the JSON that
Google's Fact Check Tools `claims:search` answers with. We read it the way a crawler does: on a
page, every `<script type="application/ld+json">` block on its own and the microdata items
(imports.pages), then every ClaimReview found anywhere in the resulting JSON: inside `@graph`,
top-level arrays, `itemListElement`, `mainEntity` or any other property. A DataFeed is stricter:
each of its `dataFeedElement` entries is a record slot and must be a ClaimReview or a DataFeedItem
whose `item` is one or a list of ClaimReviews, anything else is rejected.

Reading is lenient and storage strict. A review is refused (`Rejection`, with a stable
`RejectCode`) only when it has no claim text or no review URL, or its host cannot name a
publisher; everything else that is missing, malformed or guessed is read the way the wild writes
it (`@id` references, author lists, numbers as text, dates in six shapes, a Person where the
Organization should be) and the record carries a named warning (`WarnCode`) for each guess, which
the job counts and shows. Google and schema.org document which properties are required and
which only recommended; `datePublished` is the latter, so a review without any date is imported
without one.

A bad record never stops the others; only a source that cannot be read at all (not JSON, empty,
too large) raises `SourceError`.
"""

import email.utils
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date, parse_datetime

from core.validators import validate_http_url, validate_language_tag
from imports.language import detect_language
from imports.pages import PageDigest, PageFacts, PageUnreadable, page_facts, read_page, typed_nodes

# Lengths of the fields the records end up in (claims.models); longer text is cut at a word.
CLAIMANT_MAX = 300
HEADLINE_MAX = 300
TEXTUAL_RATING_MAX = 200
PUBLISHER_NAME_MAX = 200
URL_MAX = 2000
LANGUAGE_MAX = 35
# Beyond this, a review's appearance list is noise, not evidence of where the claim was seen.
APPEARANCES_MAX = 50
# schema.org's defaults for a Rating that gives only its value.
DEFAULT_BEST_RATING = 5.0
DEFAULT_WORST_RATING = 1.0

_SCHEMA_CONTEXTS = frozenset({"http://schema.org", "https://schema.org"})
_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "schema:")
_SITE = re.compile(r"^[a-z0-9.-]+\.[a-z]{2,}$")
_BOM = b"\xef\xbb\xbf"
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# `aosfatos.org/noticias/...`: a host name where a relative path would start.
_HOST_LIKE = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24})(?::\d+)?$", re.I
)
# A relative link to a file (`check.html`) also has a dot; these endings are files, not TLDs.
_FILE_ENDINGS = frozenset(
    "htm html shtml php asp aspx jsp cgi json xml pdf jpg jpeg png gif webp svg txt".split()  # noqa: SIM905
)
_PERSON_TYPES = frozenset({"Person"})


class Format(StrEnum):
    HTML_PAGE = "html_page"
    JSON_LD = "json_ld"
    DATA_FEED = "data_feed"
    FACT_CHECK_TOOLS = "fact_check_tools"
    SITEMAP = "sitemap"


class SourceErrorCode(StrEnum):
    EMPTY = "empty_source"
    TOO_LARGE = "too_large"
    INVALID_JSON = "invalid_json"
    UNSUPPORTED_FORMAT = "unsupported_format"
    NO_CLAIM_REVIEWS = "no_claim_reviews"


class RejectCode(StrEnum):
    """Why a record was not imported; clients may rely on these strings."""

    INVALID_JSON_LD = "invalid_json_ld"  # a JSON-LD block of a page is not JSON
    NOT_A_CLAIM_REVIEW = "not_a_claim_review"  # a DataFeed element holds no ClaimReview
    MISSING_URL = "missing_url"
    INVALID_URL = "invalid_url"  # not http(s), malformed, too long, or relative without a page
    MISSING_CLAIM_REVIEWED = "missing_claim_reviewed"
    INVALID_PUBLISHER = "invalid_publisher"  # the review's host is not a domain name
    DUPLICATE_REVIEW_URL = "duplicate_review_url"  # an earlier record has the same review URL
    # A page of a sitemap (imports.crawl):
    PAGE_NOT_FETCHED = "page_not_fetched"
    ROBOTS_DISALLOWED = "robots_disallowed"
    PAGE_WITHOUT_CLAIM_REVIEW = "page_without_claim_review"
    PAGES_OVER_CAP = "pages_over_cap"  # the sitemap lists more pages than one import reads
    # Decided when the record is saved, not here (imports.records):
    OWN_REVIEW = "own_review"
    CONFLICT = "conflict"


class WarnCode(StrEnum):
    """What was guessed, substituted or left out of a record that was imported; clients may rely
    on these strings. Each record has a code at most once."""

    URL_FROM_PAGE = "url_from_page"  # no url: the review is the page it is on
    RELATIVE_URL = "relative_url"  # resolved against the page's address
    URL_SCHEME_ADDED = "url_scheme_added"  # `site.org/path` read as https://site.org/path
    CLAIM_FROM_ITEM = "claim_from_item"  # no claimReviewed: itemReviewed's text or name
    DATE_FROM_PAGE = "date_from_page"  # no datePublished: the page's article date
    DATE_FROM_OTHER_PROPERTY = "date_from_other_property"  # dateCreated, dateModified
    MISSING_DATE = "missing_date"  # no date anywhere: imported without one
    INVALID_DATE = "invalid_date"  # a date that cannot be read was left out
    PUBLISHER_FROM_PAGE = "publisher_from_page"  # no Organization as author or publisher
    PUBLISHER_FROM_SITE = "publisher_from_site"  # no name anywhere: the site's host
    LANGUAGE_FROM_PAGE = "language_from_page"  # no inLanguage: the page's language
    LANGUAGE_DETECTED = "language_detected"  # nor the page's: detected from the text
    LANGUAGE_UNKNOWN = "language_unknown"  # not detected with confidence: `und`
    INVALID_LANGUAGE = "invalid_language"  # an inLanguage that is no BCP-47 tag was left out
    RATING_SCALE_DEFAULT = "rating_scale_default"  # ratingValue alone: schema.org's 1 to 5
    RATING_NUMBERS_IGNORED = "rating_numbers_ignored"  # unreadable or inconsistent numbers
    # Decided when the record is saved (imports.records), where our scale is known:
    RATING_FROM_NUMBERS = "rating_from_numbers"  # numbers only, on no step of our scale
    MISSING_RATING = "missing_rating"  # no rating at all
    VALUE_IGNORED = "value_ignored"  # a property of a type that makes no sense for it
    TEXT_CUT = "text_cut"  # longer than the field it is stored in
    APPEARANCE_IGNORED = "appearance_ignored"  # an appearance that is no http(s) URL


class SourceError(Exception):
    """The source as a whole cannot be read; no record of it is imported."""

    def __init__(self, code: SourceErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Invalid(Exception):
    def __init__(self, code: RejectCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Rejection:
    index: int  # position among the source's records, from 0
    location: str  # where in the source, e.g. `$.dataFeedElement[12].item[1]`
    code: str
    message: str
    review_url: str = ""


@dataclass(frozen=True, slots=True)
class ImportWarningNote:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ClaimReviewRecord:
    """One ClaimReview, validated and normalized. Text fields are "" when absent and already cut
    to the length of the field they are stored in."""

    index: int
    location: str
    review_url: str  # http(s); scheme and host lower-cased, default port dropped
    claim_reviewed: str
    claimant: str
    claim_date: date | None
    appearances: tuple[str, ...]  # the first appearance first, when the review names it
    has_first_appearance: bool
    publisher_name: str
    publisher_site: str  # the review's host without `www.`, as Fact Check Tools' publisher.site
    publisher_url: str
    date_published: datetime | None  # in UTC; a date alone is midnight; None when unknown
    headline: str
    explanation: str  # reviewRating.ratingExplanation, else the review's description
    language: str  # a BCP-47 tag, or "" when neither said nor detected
    textual_rating: str
    rating_value: float | None
    best_rating: float | None
    worst_rating: float | None
    warnings: tuple[ImportWarningNote, ...] = ()


Item = ClaimReviewRecord | Rejection


@dataclass(frozen=True)
class ParsedSource:
    format: Format
    items: list[Item]  # in document order; `items[i].index == i`

    @property
    def records(self) -> list[ClaimReviewRecord]:
        return [item for item in self.items if isinstance(item, ClaimReviewRecord)]

    @property
    def rejections(self) -> list[Rejection]:
        return [item for item in self.items if isinstance(item, Rejection)]


@dataclass(frozen=True)
class FoundReviews:
    """The ClaimReview nodes of a source, found but not yet validated. Validating is most of
    the work of reading a large feed: an import validates batch by batch while the batch
    before is being saved."""

    format: Format
    found: list["_Found"]  # one per item: `len(found)` is the number of items

    def items(self) -> Iterator[Item]:
        return validate_found(self.found)

    def parsed(self) -> ParsedSource:
        return ParsedSource(format=self.format, items=list(self.items()))


class _Scope:
    """What the reviews of one document share: where relative URLs resolve, the page they are
    on (if any) and what it says about itself, and the document's nodes by `@id`."""

    def __init__(
        self,
        documents: list[Any],
        *,
        base_url: str = "",
        page_url: str = "",
        facts: PageFacts | None = None,
    ) -> None:
        self.documents = documents
        self.base_url = base_url
        self.page_url = page_url
        self.facts = facts or PageFacts()

    @cached_property
    def ids(self) -> dict[str, dict]:
        """Built on the first reference only: feeds seldom have any, and walking 100,000
        records for nothing is seconds."""
        index: dict[str, dict] = {}
        for node in typed_nodes(self.documents):
            key = node.get("@id")
            if isinstance(key, str) and len(node) > 1:
                index.setdefault(key, node)
        return index


_NO_SCOPE = _Scope([])


@dataclass(frozen=True, slots=True)
class _Found:
    """A node found in the source: a ClaimReview to validate, or a slot already refused."""

    location: str
    node: dict | None
    refusal: tuple[RejectCode, str] | None = None
    scope: _Scope = _NO_SCOPE
    # The DataFeedItem around the review: its dateCreated is the last resort for a date.
    feed_item: dict | None = None


def parse_source(
    data: bytes,
    *,
    max_bytes: int,
    content_type: str = "",
    base_url: str = "",
    page_url: str = "",
) -> ParsedSource:
    """Every ClaimReview of a source, validated (`find_reviews`, then `FoundReviews.parsed`)."""
    return find_reviews(
        data, max_bytes=max_bytes, content_type=content_type, base_url=base_url, page_url=page_url
    ).parsed()


def find_reviews(
    data: bytes,
    *,
    max_bytes: int,
    content_type: str = "",
    base_url: str = "",
    page_url: str = "",
) -> FoundReviews:
    """Every ClaimReview of a source, found. HTML is told from JSON by its first character,
    not by what the server or the file name claims. `base_url` is where the source was read
    from: relative URLs resolve against it. `page_url` is the address of the page the source is
    (or was saved from): a ClaimReview without `url` is that page; an HTML source read from a
    URL is its own page."""
    if len(data) > max_bytes:
        raise SourceError(
            SourceErrorCode.TOO_LARGE, f"The source is larger than {max_bytes} bytes."
        )
    head = data.removeprefix(_BOM).lstrip()[:1]
    if not head:
        raise SourceError(SourceErrorCode.EMPTY, "The source is empty.")
    base_url = base_url or page_url
    if head == b"<":
        try:
            digest = read_page(data, url=base_url, content_type=content_type)
        except PageUnreadable as error:
            raise SourceError(SourceErrorCode.EMPTY, str(error)) from None
        found = extract_from_page(digest, page_url=page_url or base_url)
        source_format = Format.HTML_PAGE
    elif head in (b"{", b"["):
        source_format, found = extract_from_json(
            _load_json(data), base_url=base_url, page_url=page_url
        )
    else:
        raise SourceError(
            SourceErrorCode.UNSUPPORTED_FORMAT,
            "The source is neither JSON (JSON-LD, a DataFeed) nor an HTML page.",
        )
    if not found and source_format not in (Format.DATA_FEED, Format.FACT_CHECK_TOOLS):
        # An empty feed is a feed with nothing in it today; a page or document without any
        # ClaimReview is most likely the wrong URL or file.
        raise SourceError(SourceErrorCode.NO_CLAIM_REVIEWS, "No ClaimReview was found.")
    return FoundReviews(format=source_format, found=found)


def validate_found(found: Iterable["_Found"]) -> Iterator[Item]:
    """Each found node validated, in order, with duplicates of an earlier review URL rejected."""
    return reject_duplicates(
        _validate_found(entry, index=index) for index, entry in enumerate(found)
    )


def _load_json(data: bytes) -> Any:
    try:
        # Not `json.loads(bytes)`: it guesses UTF-16 and UTF-32 too; JSON in the wild is UTF-8.
        return json.loads(data.removeprefix(_BOM).decode("utf-8"))
    except UnicodeDecodeError as error:
        raise SourceError(
            SourceErrorCode.INVALID_JSON, f"The source is not UTF-8 text: {error.reason}."
        ) from None
    except ValueError as error:
        raise SourceError(
            SourceErrorCode.INVALID_JSON, f"The source is not JSON: {error}."
        ) from None
    except RecursionError:
        raise SourceError(SourceErrorCode.INVALID_JSON, "The JSON is nested too deeply.") from None


def extract_from_page(digest: PageDigest, *, page_url: str = "", prefix: str = "") -> list[_Found]:
    """ClaimReview nodes of a page, from its JSON-LD blocks and then its microdata, each with
    the page's facts to fall back on."""
    documents = [block["data"] for block in digest.blocks if "data" in block] + digest.microdata
    scope = _Scope(
        documents,
        base_url=digest.url or page_url,
        page_url=page_url or digest.url,
        facts=page_facts(digest),
    )
    found: list[_Found] = []
    for number, block in enumerate(digest.blocks, start=1):
        where = f"{prefix}JSON-LD block {number}: $"
        if "data" not in block:
            found.append(_Found(where, None, (RejectCode.INVALID_JSON_LD, block["error"])))
            continue
        found.extend(_walk(block["data"], where, scope))
    for number, item in enumerate(digest.microdata, start=1):
        found.extend(_walk(item, f"{prefix}microdata item {number}: $", scope))
    return found


def extract_from_json(
    document: Any, *, base_url: str = "", page_url: str = ""
) -> tuple[Format, list[_Found]]:
    """ClaimReview nodes of a JSON or JSON-LD document; a DataFeed is told by its type, Fact
    Check Tools' output by its `claims` list."""
    if _is_fact_check_tools(document):
        return Format.FACT_CHECK_TOOLS, list(_fact_check_tools_reviews(document))
    scope = _Scope([document], base_url=base_url, page_url=page_url)
    is_feed = any(_is_type(node, "DataFeed") for node in _top_nodes(document))
    found = list(_walk(document, "$", scope))
    return (Format.DATA_FEED if is_feed else Format.JSON_LD), found


def _top_nodes(document: Any) -> Iterator[dict]:
    nodes = document if isinstance(document, list) else [document]
    for node in nodes:
        if isinstance(node, dict):
            yield node
            graph = node.get("@graph")
            if isinstance(graph, list):
                yield from (entry for entry in graph if isinstance(entry, dict))


def _walk(document: Any, prefix: str, scope: _Scope) -> Iterator[_Found]:
    """Depth-first, in document order, without recursion (a source decides how deep it is)."""
    stack: list[tuple[Any, str, Any]] = [(document, prefix, None)]
    while stack:
        value, path, context = stack.pop()
        if isinstance(value, list):
            stack.extend((v, f"{path}[{i}]", context) for i, v in reversed(list(enumerate(value))))
            continue
        if not isinstance(value, dict):
            continue
        context = value.get("@context", context)
        if _is_claim_review(value, context):
            yield _Found(path, value, scope=scope)
        elif _is_type(value, "DataFeed", context):
            yield from _feed_elements(value, path, context, scope)
        else:
            stack.extend(
                (child, _member(path, key), context)
                for key, child in reversed(list(value.items()))
                if key != "@context" and isinstance(child, dict | list)
            )


def _feed_elements(feed: dict, path: str, context: Any, scope: _Scope) -> Iterator[_Found]:
    elements = feed.get("dataFeedElement", [])
    elements = elements if isinstance(elements, list) else [elements]
    for i, element in enumerate(elements):
        where = f"{path}.dataFeedElement[{i}]"
        if not isinstance(element, dict):
            yield _Found(where, None, _not_a_review(element))
            continue
        element_context = element.get("@context", context)
        if _is_claim_review(element, element_context):
            yield _Found(where, element, scope=scope)
            continue
        if "item" not in element:
            yield _Found(where, None, _not_a_review(element))
            continue
        items = element["item"]
        many = isinstance(items, list)
        for j, item in enumerate(items if many else [items]):
            item_where = f"{where}.item[{j}]" if many else f"{where}.item"
            if isinstance(item, dict) and _is_claim_review(
                item, item.get("@context", element_context)
            ):
                yield _Found(item_where, item, scope=scope, feed_item=element)
            else:
                yield _Found(item_where, None, _not_a_review(item))


def _not_a_review(value: Any) -> tuple[RejectCode, str]:
    if isinstance(value, dict):
        kind = value.get("@type", "an object without @type")
        what = f"a {kind}" if isinstance(kind, str) else repr(kind)
    else:
        what = f"a {type(value).__name__}"
    return RejectCode.NOT_A_CLAIM_REVIEW, f"Expected a ClaimReview, found {what}."


def _member(path: str, key: str) -> str:
    return f"{path}.{key}" if key.replace("@", "").isidentifier() else f"{path}[{key!r}]"


def _is_schema_context(context: Any) -> bool:
    """No context at all counts: plain JSON exports of ClaimReviews often leave it out."""
    if context is None:
        return True
    if isinstance(context, str):
        return context.strip().rstrip("/").lower() in _SCHEMA_CONTEXTS
    if isinstance(context, list):
        return any(_is_schema_context(entry) for entry in context if entry is not None)
    if isinstance(context, dict):
        vocab = context.get("@vocab")
        return isinstance(vocab, str) and _is_schema_context(vocab)
    return False


def _types(node: dict) -> list[str]:
    kind = node.get("@type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [entry for entry in kind if isinstance(entry, str)]
    return []


def _short_types(node: dict) -> set[str]:
    """The node's types without a schema.org prefix."""
    out = set()
    for kind in _types(node):
        for prefix in _SCHEMA_PREFIXES:
            if kind.startswith(prefix):
                kind = kind[len(prefix) :]
                break
        out.add(kind)
    return out


def _is_type(node: dict, name: str, context: Any = None) -> bool:
    for kind in _types(node):
        if kind == name and _is_schema_context(node.get("@context", context)):
            return True
        if any(kind == prefix + name for prefix in _SCHEMA_PREFIXES):
            return True
    return False


def _is_claim_review(node: dict, context: Any) -> bool:
    return _is_type(node, "ClaimReview", context)


# Google Fact Check Tools' claims:search output


def _is_fact_check_tools(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("claims"), list)
        and "@type" not in document
        and "@context" not in document
    )


def _fact_check_tools_reviews(document: dict) -> Iterator[_Found]:
    """Each `claims[i].claimReview[j]` as the ClaimReview it describes (Fact Check Tools builds
    them from ClaimReview markup, so the same validation applies)."""
    for i, claim in enumerate(document["claims"]):
        where = f"$.claims[{i}]"
        reviews = claim.get("claimReview") if isinstance(claim, dict) else None
        if not isinstance(reviews, list) or not reviews:
            yield _Found(
                where, None, (RejectCode.NOT_A_CLAIM_REVIEW, "The claim has no claimReview.")
            )
            continue
        for j, review in enumerate(reviews):
            if not isinstance(review, dict):
                yield _Found(f"{where}.claimReview[{j}]", None, _not_a_review(review))
                continue
            publisher = review.get("publisher") if isinstance(review.get("publisher"), dict) else {}
            site = publisher.get("site")
            node = {
                "@type": "ClaimReview",
                "url": review.get("url"),
                "claimReviewed": claim.get("text"),
                "headline": review.get("title"),
                "datePublished": review.get("reviewDate"),
                "inLanguage": review.get("languageCode"),
                "author": {
                    "@type": "Organization",
                    "name": publisher.get("name") or site,
                    "url": f"https://{site}/" if isinstance(site, str) and site else None,
                },
                "itemReviewed": {
                    "@type": "Claim",
                    "author": claim.get("claimant"),
                    "datePublished": claim.get("claimDate"),
                },
                "reviewRating": {"@type": "Rating", "alternateName": review.get("textualRating")},
            }
            yield _Found(f"{where}.claimReview[{j}]", node)


# Validation


def _validate_found(entry: _Found, *, index: int) -> Item:
    if entry.refusal is not None:
        code, message = entry.refusal
        return Rejection(index=index, location=entry.location, code=code, message=message)
    reader = _Reader(entry.scope, entry.feed_item)
    review_url = ""
    try:
        review_url = reader.review_url(entry.node)
        return reader.record(
            entry.node, index=index, location=entry.location, review_url=review_url
        )
    except _Invalid as invalid:
        return Rejection(
            index=index,
            location=entry.location,
            code=invalid.code,
            message=invalid.message,
            review_url=review_url,
        )


def validate_claim_review(
    node: dict, *, index: int = 0, location: str = "$", base_url: str = "", page_url: str = ""
) -> Item:
    """One ClaimReview node as a record, or why it cannot be one."""
    scope = _Scope([node], base_url=base_url or page_url, page_url=page_url)
    return _validate_found(_Found(location, node, scope=scope), index=index)


class _Reader:
    """Reads one ClaimReview, collecting a warning for everything it had to guess."""

    def __init__(self, scope: _Scope, feed_item: dict | None = None) -> None:
        self.scope = scope
        self.feed_item = feed_item
        self.warnings: dict[str, str] = {}

    def warn(self, code: WarnCode, message: str) -> None:
        # The first reason of a kind is the one shown; a record counts once per code.
        self.warnings.setdefault(code, message)

    # Values

    def resolve(self, value: Any) -> Any:
        """A node given as a bare `{"@id": ...}` reference is the node with that id."""
        if isinstance(value, dict) and "@id" in value and len(value.keys() - {"@type"}) == 1:
            key = value["@id"]
            if isinstance(key, str):
                return self.scope.ids.get(key, value)
        return value

    def values(self, value: Any) -> list[Any]:
        """JSON-LD allows any property to hold one value or a list."""
        # On the hot path of a 100,000-record feed: the common cases first, without a copy.
        if value is None:
            return []
        if isinstance(value, list):
            return [self.resolve(v) for v in value if v is not None]
        if isinstance(value, dict) and "@id" in value:
            return [self.resolve(value)]
        return [value]

    def one(self, value: Any) -> Any:
        values = self.values(value)
        return values[0] if values else None

    def literal(self, value: Any) -> Any:
        value = self.one(value)
        if isinstance(value, dict) and "@value" in value:
            return value["@value"]
        return value

    def text(self, node: dict, key: str, label: str | None = None) -> str:
        """A text property; anything else is left out with a warning."""
        for value in self.values(node.get(key)):
            if isinstance(value, dict) and "@value" in value:
                value = value["@value"]
            if isinstance(value, str):
                if value.strip():
                    return value.strip()
                continue
            self.warn(
                WarnCode.VALUE_IGNORED,
                f"{label or key} should be text, not {_json_type(value)}; it was left out.",
            )
        return ""

    def cut(self, text: str, limit: int, label: str) -> str:
        short = fit(text, limit)
        if short != text:
            self.warn(WarnCode.TEXT_CUT, f"{label} is longer than {limit} characters; it was cut.")
        return short

    def url_text(self, value: Any, label: str) -> str:
        """A URL given as text, or as a node with `@id` (JSON-LD) or `url`; "" otherwise."""
        for entry in self.values(value):
            if isinstance(entry, dict):
                entry = self.one(entry.get("url")) or entry.get("@id") or self.literal(entry)
                if isinstance(entry, dict):
                    entry = entry.get("@id") or entry.get("url")
            if isinstance(entry, str) and entry.strip():
                return entry.strip()
            if entry is not None:
                self.warn(
                    WarnCode.VALUE_IGNORED,
                    f"{label} should be a URL, not {_json_type(entry)}; it was left out.",
                )
        return ""

    def url(self, raw: str) -> str | None:
        """`raw` as an absolute http(s) URL, resolved the way a browser on the page would,
        except that `site.org/path` is the site, not a path below the page."""
        url, how = resolve_url(raw, base_url=self.scope.base_url)
        if url is not None and how is not None:
            message = {
                WarnCode.RELATIVE_URL: f"{_quote(raw)} was resolved against {self.scope.base_url}.",
                WarnCode.URL_SCHEME_ADDED: f"{_quote(raw)} has no scheme; read as {url}.",
            }[how]
            self.warn(how, message)
        return url

    # The review

    def review_url(self, node: dict) -> str:
        raw = self.url_text(node.get("url"), "url")
        if not raw:
            if not self.scope.page_url:
                given = self.one(node.get("url"))
                if given not in (None, ""):
                    raise _Invalid(
                        RejectCode.INVALID_URL, f"url should be a URL, not {_json_type(given)}."
                    )
                raise _Invalid(RejectCode.MISSING_URL, "The review has no url.")
            self.warn(WarnCode.URL_FROM_PAGE, "The review has no url; it is the page it is on.")
            raw = self.scope.page_url
        url = self.url(raw)
        if url is None:
            hint = ""
            if not _SCHEME.match(raw) and not self.scope.base_url:
                hint = " It is relative: give the address of the page it is from (page_url)."
            raise _Invalid(
                RejectCode.INVALID_URL,
                f"The review url {_quote(raw)} is not an http(s) URL.{hint}",
            )
        return url

    def record(
        self, node: dict, *, index: int, location: str, review_url: str
    ) -> ClaimReviewRecord:
        site = _site(review_url)
        reviewed = self.values(node.get("itemReviewed"))
        claims = [c for c in reviewed if isinstance(c, dict)]
        if len(claims) < len(reviewed):
            self.warn(
                WarnCode.VALUE_IGNORED,
                "itemReviewed should be a Claim or CreativeWork; text there was left out.",
            )
        claim = claims[0] if claims else {}
        claim_reviewed = self.text(node, "claimReviewed")
        if not claim_reviewed:
            claim_reviewed = self.text(claim, "text", "itemReviewed.text") or self.text(
                claim, "name", "itemReviewed.name"
            )
            if not claim_reviewed:
                raise _Invalid(
                    RejectCode.MISSING_CLAIM_REVIEWED, "The review has no claimReviewed."
                )
            self.warn(
                WarnCode.CLAIM_FROM_ITEM, "The review has no claimReviewed; itemReviewed's text."
            )
        claim_date = self.date(claim.get("datePublished"), "itemReviewed.datePublished")
        textual, value, best, worst, rating = self.rating(node)
        headline = self.text(node, "headline") or self.text(node, "name")
        explanation = self.text(
            rating, "ratingExplanation", "reviewRating.ratingExplanation"
        ) or self.text(node, "description")
        if not explanation and len(textual) > TEXTUAL_RATING_MAX:
            # A rating written as a paragraph is its own explanation: kept whole there.
            explanation = textual
        publisher_name, publisher_url = self.publisher(node, site)
        appearances, has_first = self.appearances(claims, review_url)
        return ClaimReviewRecord(
            index=index,
            location=location,
            review_url=review_url,
            claim_reviewed=claim_reviewed,
            claimant=self.cut(self.claimant(claim), CLAIMANT_MAX, "itemReviewed.author.name"),
            claim_date=claim_date.date() if claim_date else None,
            appearances=appearances,
            has_first_appearance=has_first,
            publisher_name=self.cut(publisher_name, PUBLISHER_NAME_MAX, "The publisher's name"),
            publisher_site=site,
            publisher_url=publisher_url,
            # In UTC: PostgreSQL refuses offsets beyond ±15:59, which Python accepts.
            date_published=self.date_published(node),
            headline=self.cut(headline, HEADLINE_MAX, "headline"),
            explanation=explanation,
            language=self.language(node, (claim_reviewed, headline, explanation)),
            textual_rating=self.cut(textual, TEXTUAL_RATING_MAX, "The textual rating"),
            rating_value=value,
            best_rating=best,
            worst_rating=worst,
            warnings=tuple(ImportWarningNote(c, m) for c, m in self.warnings.items()),
        )

    def date(self, value: Any, label: str) -> datetime | None:
        raw = self.literal(value)
        if raw is None or raw == "":
            return None
        try:
            return parse_date_value(raw)
        except ValueError as error:
            self.warn(WarnCode.INVALID_DATE, f"{label} {_quote(raw)} {error}; it was left out.")
            return None

    def date_published(self, node: dict) -> datetime | None:
        """datePublished, else the closest date the source gives, each fallback named."""
        candidates: list[tuple[str, Any, WarnCode | None]] = [
            ("datePublished", node.get("datePublished"), None),
            ("dateCreated", node.get("dateCreated"), WarnCode.DATE_FROM_OTHER_PROPERTY),
        ]
        candidates += [
            (label, raw, WarnCode.DATE_FROM_PAGE) for label, raw in self.scope.facts.dates
        ]
        candidates.append(
            ("dateModified", node.get("dateModified"), WarnCode.DATE_FROM_OTHER_PROPERTY)
        )
        if self.feed_item is not None:
            candidates.append(
                (
                    "the DataFeedItem's dateCreated",
                    self.feed_item.get("dateCreated"),
                    WarnCode.DATE_FROM_OTHER_PROPERTY,
                )
            )
        for label, raw, code in candidates:
            parsed = self.date(raw, label)
            if parsed is None:
                continue
            if code is not None:
                self.warn(code, f"The review has no readable datePublished; {label} was used.")
            return parsed.astimezone(UTC)
        self.warn(
            WarnCode.MISSING_DATE,
            "The review has no date; it was imported without one (the import's time stands in).",
        )
        return None

    def rating(self, node: dict) -> tuple[str, float | None, float | None, float | None, dict]:
        """(textual rating, value, best, worst, the Rating node). Numbers that cannot be read
        or do not fit together are dropped, the textual rating kept."""
        rating = self.one(node.get("reviewRating"))
        if isinstance(rating, str):
            # A rating written straight into reviewRating.
            return rating.strip(), None, None, None, {}
        if rating is not None and not isinstance(rating, dict):
            self.warn(
                WarnCode.VALUE_IGNORED,
                f"reviewRating should be a Rating, not {_json_type(rating)}; it was left out.",
            )
        rating = rating if isinstance(rating, dict) else {}
        textual = self.text(rating, "alternateName", "reviewRating.alternateName") or self.text(
            rating, "name", "reviewRating.name"
        )
        try:
            value, best, worst = (
                _number(self.literal(rating.get(key)), f"reviewRating.{key}")
                for key in ("ratingValue", "bestRating", "worstRating")
            )
            if value is not None and None in (best, worst):
                best = DEFAULT_BEST_RATING if best is None else best
                worst = DEFAULT_WORST_RATING if worst is None else worst
                self.warn(
                    WarnCode.RATING_SCALE_DEFAULT,
                    "reviewRating gives its value without both ends of its scale; schema.org's "
                    "defaults (best 5, worst 1) apply.",
                )
            _check_scale(value, best, worst)
        except ValueError as error:
            self.warn(WarnCode.RATING_NUMBERS_IGNORED, f"{error}; the numbers were left out.")
            value = best = worst = None
        return textual, value, best, worst, rating

    def organizations(self, value: Any) -> Iterator[tuple[str, str, bool]]:
        """(name, url, typed) of each named author or publisher that is not a Person; `typed`
        when its @type says it is an organization, not just a name."""
        for entry in self.values(value):
            if isinstance(entry, str):
                if entry.strip():
                    yield entry.strip(), "", False
                continue
            if not isinstance(entry, dict):
                self.warn(
                    WarnCode.VALUE_IGNORED,
                    f"An author or publisher should be an Organization, not {_json_type(entry)}; "
                    "it was left out.",
                )
                continue
            types = _short_types(entry)
            if types & _PERSON_TYPES:
                continue
            name = self.text(entry, "name", "the publisher's name") or self.text(
                entry, "legalName", "the publisher's legalName"
            )
            if name:
                url = normalize_url(self.url_text(entry.get("url"), "the publisher's url")) or ""
                yield name, url, bool(types)

    def publisher(self, node: dict, site: str) -> tuple[str, str]:
        """Who published the review: an Organization in `author`, else `publisher`, else the
        page's own publisher or site name, else an author given by name only, else the site.
        Never a Person: writers are named in `author` too."""
        authors = list(self.organizations(node.get("author")))
        for name, url, typed in authors:
            if typed:
                return name, url
        for name, url, _ in self.organizations(node.get("publisher")):
            return name, url
        for label, value in self.scope.facts.publishers:
            for name, url, _ in self.organizations(value):
                self.warn(
                    WarnCode.PUBLISHER_FROM_PAGE,
                    f"The review names no Organization as author or publisher; {label} was used.",
                )
                return name, url
        if authors:
            return authors[0][:2]
        self.warn(
            WarnCode.PUBLISHER_FROM_SITE,
            "The review names no Organization as author or publisher; the site's name was used.",
        )
        return site, ""

    def claimant(self, claim: dict) -> str:
        for author in self.values(claim.get("author")):
            if isinstance(author, str) and author.strip():
                return author.strip()
            if isinstance(author, dict):
                name = self.text(author, "name", "itemReviewed.author.name")
                if name:
                    return name
        return ""

    def appearances(self, claims: list[dict], review_url: str) -> tuple[tuple[str, ...], bool]:
        """Every URL where the markup says the claim was seen, first appearance first:
        `firstAppearance`, `appearance[]`, the reviewed item's own `url` (a CreativeWork's is
        the post; a Claim's often is), and the claimant's `sameAs` when it is a post rather
        than a profile. The review's own page is never one."""
        own = {_without_fragment(review_url), _without_fragment(self.scope.page_url)}
        urls: list[str] = []
        has_first = False
        for claim in claims:
            candidates = [(claim.get("firstAppearance"), "itemReviewed.firstAppearance")]
            candidates += [(claim.get("appearance"), "itemReviewed.appearance")]
            candidates += [(claim.get("url"), "itemReviewed.url")]
            for value, label in candidates:
                for entry in self.values(value):
                    url = self.appearance_url(entry, label)
                    if url and url not in urls and _without_fragment(url) not in own:
                        urls.append(url)
                        has_first = has_first or (
                            label.endswith("firstAppearance") and len(urls) == 1
                        )
            for author in self.values(claim.get("author")):
                if not isinstance(author, dict):
                    continue
                for entry in self.values(author.get("sameAs")):
                    url = self.appearance_url(entry, "itemReviewed.author.sameAs")
                    if (
                        url
                        and is_post_url(url)
                        and url not in urls
                        and _without_fragment(url) not in own
                    ):
                        urls.append(url)
        return tuple(urls[:APPEARANCES_MAX]), has_first

    def appearance_url(self, entry: Any, label: str) -> str | None:
        raw = self.url_text(entry, label)
        if not raw:
            return None
        url = self.url(raw)
        if url is None:
            self.warn(
                WarnCode.APPEARANCE_IGNORED,
                f"{label} {_quote(raw)} is not an http(s) URL; it was left out.",
            )
        return url

    def language(self, node: dict, texts: tuple[str, ...]) -> str:
        """inLanguage, else what the page says its language is, else detected from `texts`."""
        for value in self.values(node.get("inLanguage")):
            tag = self.language_tag(value, "inLanguage")
            if tag:
                return tag
        for label, value in self.scope.facts.languages:
            for entry in self.values(value):
                tag = self.language_tag(entry, label)
                if tag:
                    self.warn(
                        WarnCode.LANGUAGE_FROM_PAGE,
                        f"The review has no inLanguage; {label} was used.",
                    )
                    return tag
        detected = detect_language(" ".join(texts))
        if detected is not None:
            language, confidence = detected
            self.warn(
                WarnCode.LANGUAGE_DETECTED,
                f"The review and its page give no language; detected {language} "
                f"(confidence {confidence:.2f}).",
            )
            return language
        self.warn(
            WarnCode.LANGUAGE_UNKNOWN,
            "The review and its page give no language, and none was detected with confidence.",
        )
        return ""

    def language_tag(self, value: Any, label: str) -> str:
        """A BCP-47 tag in its usual case (zh-Hant-TW), from text or a Language node."""
        if isinstance(value, dict):
            value = self.literal(value.get("alternateName")) or self.literal(value.get("name"))
        if value is None or value == "":
            return ""
        if not isinstance(value, str):
            self.warn(
                WarnCode.INVALID_LANGUAGE,
                f"{label} should be a language tag, not {_json_type(value)}; it was left out.",
            )
            return ""
        tag = normalize_language(value)
        try:
            if len(tag) > LANGUAGE_MAX:
                raise ValidationError("too long")
            validate_language_tag(tag)
        except ValidationError:
            self.warn(
                WarnCode.INVALID_LANGUAGE,
                f"{label} {_quote(value)} is not a BCP-47 language tag; it was left out.",
            )
            return ""
        return tag


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def resolve_url(raw: str, *, base_url: str = "") -> tuple[str | None, WarnCode | None]:
    """`raw` as a normalized absolute URL, and how it was made absolute (None when it was):
    relative to `base_url`, or a host written without its scheme (`site.org/path`, as pages
    print links), read as https."""
    raw = raw.strip()
    if _SCHEME.match(raw) and not _HOST_LIKE.match(raw.split("/", 1)[0]):
        return normalize_url(raw), None
    if raw.startswith("//"):
        return normalize_url(urljoin(base_url or "https:", raw)), None
    first = re.split(r"[/?#]", raw, maxsplit=1)[0]
    match = _HOST_LIKE.match(first)
    if match and match.group(1).lower() not in _FILE_ENDINGS:
        url = normalize_url("https://" + raw)
        return url, (WarnCode.URL_SCHEME_ADDED if url else None)
    if not base_url:
        return None, None
    url = normalize_url(raw, base_url=base_url)
    return url, (WarnCode.RELATIVE_URL if url else None)


def normalize_url(raw: str, *, base_url: str = "") -> str | None:
    """The URL to store and to deduplicate on, or None when it is not a valid http(s) URL.

    Scheme and host are lower-cased and a default port dropped; path, query and fragment stay as
    they are (a page with several reviews tells them apart by fragment)."""
    raw = raw.strip()
    if base_url:
        raw = urljoin(base_url, raw)
    return _normalized(raw)


# A feed repeats its publishers' URLs on every record; Django's URL validation is the slow part.
@lru_cache(maxsize=4096)
def _normalized(raw: str) -> str | None:
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    if "@" in parts.netloc:
        return None
    url = urlunsplit((scheme, host, parts.path or "/", parts.query, parts.fragment))
    if len(url) > URL_MAX:
        return None
    try:
        validate_http_url(url)
    except ValidationError:
        return None
    return url


# Profiles, not posts: a claimant's sameAs there names who they are, not where they said it.
_REFERENCE_HOSTS = ("wikipedia.org", "wikidata.org", "dbpedia.org", "wikimedia.org")
_PROFILE_SEGMENTS = frozenset(
    "user users profile profiles u channel c people person author authors in about".split()  # noqa: SIM905
)
_POST_MARKERS = {
    "x.com": ("status",),
    "twitter.com": ("status",),
    "facebook.com": (
        "posts",
        "videos",
        "photos",
        "photo",
        "photo.php",
        "permalink.php",
        "story.php",
        "watch",
        "reel",
        "share",
        "events",
    ),
    "instagram.com": ("p", "reel", "reels", "tv"),
    "tiktok.com": ("video", "photo"),
    "youtube.com": ("watch", "shorts", "live", "embed"),
    "threads.net": ("post",),
    "threads.com": ("post",),
}


def is_post_url(url: str) -> bool:
    """Whether `url` points at one post, article or video rather than at who someone is (a
    profile, a channel, an encyclopedia entry, a site's home page). Social platforms are told
    by their URL shapes; elsewhere any path that is not a profile's counts as a page."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.").removeprefix("m.").removeprefix("mobile.")
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return host in ("fb.watch",) and bool(parts.query)
    if any(host == h or host.endswith("." + h) for h in _REFERENCE_HOSTS):
        return False
    for domain, markers in _POST_MARKERS.items():
        if host == domain or host.endswith("." + domain):
            return any(segment in markers for segment in segments) or (
                domain == "facebook.com" and "story_fbid" in parts.query
            )
    if host in ("youtu.be", "fb.watch", "vm.tiktok.com", "vt.tiktok.com"):
        return True
    if host in ("t.me", "telegram.me"):
        return len(segments) >= 2 and segments[-1].isdigit()
    if host.endswith("weibo.com") or host.endswith("weibo.cn"):
        return len(segments) >= 2
    if len(segments) == 1 and segments[0].startswith("@"):
        return False
    return segments[0].lower() not in _PROFILE_SEGMENTS


def _site(review_url: str) -> str:
    host = urlsplit(review_url).hostname or ""
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = ""
    host = host.rstrip(".").removeprefix("www.")
    if not _SITE.fullmatch(host):
        raise _Invalid(
            RejectCode.INVALID_PUBLISHER,
            f"The review's host {_quote(host)} is not a domain name, so its publisher is unknown.",
        )
    return host


# Dates

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            "january jan janvier janv enero ene janeiro",
            "february feb février févr fevrier febrero fevereiro fev",
            "march mar mars marzo março marco",
            "april apr avril avr abril abr",
            "may mai mayo maio",
            "june jun juin junio junho",
            "july jul juillet juil julio julho",
            "august aug août aout agosto ago",
            "september sep sept septembre septiembre setiembre setembro set",
            "october oct octobre octubre outubro out",
            "november nov novembre noviembre novembro",
            "december dec décembre decembre déc diciembre dic dezembro dez",
        ],
        start=1,
    )
    for name in names.split()
}
_WRITTEN_DAY_FIRST = re.compile(
    r"^(\d{1,2})(?:st|nd|rd|th)?\.? (?:de )?([^\W\d_]+)\.?,? (?:de )?(\d{4})$"
)
_WRITTEN_MONTH_FIRST = re.compile(
    r"^(?:[^\W\d_]+, )?([^\W\d_]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$"
)
_NUMERIC_YEAR_FIRST = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_NUMERIC_YEAR_LAST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_TRAILING_TIME = re.compile(
    r"[ T,]+(?:at )?\d{1,2}:\d{2}(?::\d{2})?(?: ?[ap]\.?m\.?)?(?: ?(?:utc|gmt|z))?$", re.I
)
_SPACED_OFFSET = re.compile(r"(\d) ([+-]\d{2}:?\d{2})$")
# 2001-09-09 in seconds: a smaller number is no timestamp of a fact-check.
_EPOCH_FLOOR = 1_000_000_000


def parse_date_value(value: Any) -> datetime:
    """A date in one of the shapes publishers write, as an aware datetime (a date alone, or a
    time without zone, is UTC). Raises ValueError, with what is wrong, for anything else:

    1. ISO 8601 date: `2024-12-24`, `20241224`;
    2. ISO 8601 date-time, with `T` or a space, any offset or none: `2024-12-24T08:30:00+05:30`;
    3. RFC 2822, as in feeds: `Tue, 24 Dec 2024 08:30:00 GMT`;
    4. a Unix timestamp, in seconds or milliseconds, as a number or as text;
    5. a written month (English, French, Spanish, Portuguese): `December 24, 2024`,
       `24 de dezembro de 2024`, `24 déc. 2024`, with or without a time after it;
    6. numbers with slashes or dots: `2024/12/24`, and `24/12/2024` or `12/24/2024` when the
       day is over 12 (`05/06/2024` could be either, and is refused as ambiguous).
    """
    if isinstance(value, bool):
        raise ValueError("is not a date")
    if isinstance(value, int) and len(str(value)) == 8:
        value = str(value)  # 20241224, shape 1 without its quotes
    elif isinstance(value, int | float):
        return _timestamp(value)
    if not isinstance(value, str):
        raise ValueError(f"should be a date, not {_json_type(value)}")
    text = " ".join(value.split())
    if not text:
        raise ValueError("is empty")
    if text.isdigit():
        if len(text) == 8:
            return _iso(f"{text[:4]}-{text[4:6]}-{text[6:]}")
        return _timestamp(int(text))
    try:
        return _iso(_SPACED_OFFSET.sub(r"\1\2", text))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is not None:
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return _loose_date(text)


def _iso(text: str) -> datetime:
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            if day is None:
                raise ValueError("is not a date")
            parsed = datetime.combine(day, time(0))
    except ValueError as error:
        message = str(error)
        raise ValueError(message if message == "is not a date" else "is not a valid date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _timestamp(number: float) -> datetime:
    if not math.isfinite(number) or number < _EPOCH_FLOOR:
        raise ValueError("is not a date")
    if number > _EPOCH_FLOOR * 1000:  # milliseconds
        number /= 1000
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=number)
    except OverflowError:
        raise ValueError("is not a date") from None


def _loose_date(text: str) -> datetime:
    """Shapes 5 and 6 of `parse_date_value`; the time of day, if any, is dropped."""
    day_text = _TRAILING_TIME.sub("", text).strip().rstrip(",").lower()
    year = month = day = None
    if match := _WRITTEN_DAY_FIRST.match(day_text):
        day, month, year = int(match[1]), _MONTHS.get(match[2]), int(match[3])
    elif match := _WRITTEN_MONTH_FIRST.match(day_text):
        month, day, year = _MONTHS.get(match[1]), int(match[2]), int(match[3])
    elif match := _NUMERIC_YEAR_FIRST.match(day_text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := _NUMERIC_YEAR_LAST.match(day_text):
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        if first > 12 >= second:
            day, month = first, second
        elif second > 12 >= first:
            month, day = first, second
        elif first == second:
            day = month = first
        else:
            raise ValueError("is ambiguous (day and month could be either)")
    if month is None or year is None:
        raise ValueError("is not a date")
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        raise ValueError("is not a valid date") from None


def _number(value: Any, label: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{label} should be a number, not {_json_type(value)}")
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")  # a decimal comma
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{label} {_quote(value)} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{label} is not a finite number")
    return number


def _check_scale(value: float | None, best: float | None, worst: float | None) -> None:
    if best is not None and worst is not None and best == worst:
        raise ValueError("bestRating and worstRating are equal")
    if None not in (value, best, worst) and not min(best, worst) <= value <= max(best, worst):
        raise ValueError(
            f"ratingValue {value:g} is not between worstRating {worst:g} and bestRating {best:g}"
        )


def normalize_language(value: str) -> str:
    """`EN_us` -> `en-US`, `zh-hant-tw` -> `zh-Hant-TW`: BCP-47's case conventions."""
    subtags = value.strip().replace("_", "-").split("-")
    out = [subtags[0].lower()]
    for subtag in subtags[1:]:
        if len(subtag) == 4 and subtag.isalpha():
            out.append(subtag.title())
        elif len(subtag) == 2 and subtag.isalpha():
            out.append(subtag.upper())
        else:
            out.append(subtag.lower())
    return "-".join(out)


def fit(text: str, limit: int) -> str:
    """`text` cut to `limit` characters at a word boundary, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def _quote(value: Any, limit: int = 80) -> str:
    return json.dumps(fit(str(value), limit), ensure_ascii=False)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


def reject_duplicates(items: Iterable[Item]) -> Iterator[Item]:
    """A review URL that an earlier record of the same source already has is rejected, so that
    the first one wins whatever order the batches run in."""
    seen: dict[str, int] = {}
    for item in items:
        if isinstance(item, ClaimReviewRecord):
            first = seen.setdefault(item.review_url, item.index)
            if first != item.index:
                item = Rejection(
                    index=item.index,
                    location=item.location,
                    code=RejectCode.DUPLICATE_REVIEW_URL,
                    message=f"Record {first} has the same review url.",
                    review_url=item.review_url,
                )
        yield item


def find_crawled_reviews(crawl: dict, *, pages_max: int) -> FoundReviews:
    """The reviews of a crawled sitemap (imports.crawl): each page's reviews with that page's
    own facts, a refused slot for each page that was not read or has no review, and one for the
    pages past `pages_max` that were not read at all."""
    found: list[_Found] = []
    for number, entry in enumerate(crawl["pages"], start=1):
        prefix = f"page {number} ({entry['url']}): "
        if "refusal" in entry:
            code, message = entry["refusal"]
            found.append(_Found(prefix + "$", None, (RejectCode(code), message)))
            continue
        digest = PageDigest.from_json(entry["digest"])
        reviews = extract_from_page(digest, page_url=entry["url"], prefix=prefix)
        if not reviews:
            message = "The page has no ClaimReview markup."
            reviews = [_Found(prefix + "$", None, (RejectCode.PAGE_WITHOUT_CLAIM_REVIEW, message))]
        found.extend(reviews)
    if crawl["listed"] > len(crawl["pages"]):
        message = (
            f"The sitemap lists {crawl['listed']:,} pages; the {pages_max:,} most recently "
            "modified were read."
        )
        found.append(_Found("$", None, (RejectCode.PAGES_OVER_CAP, message)))
    return FoundReviews(format=Format.SITEMAP, found=found)
