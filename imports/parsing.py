"""Reading other publishers' ClaimReviews: pure functions, no database.

A source is an HTML page, a JSON or JSON-LD document, or a schema.org DataFeed. We read it the way
a crawler does: on a page, every `<script type="application/ld+json">` block on its own (a
broken block is reported and skipped, not fatal to the others) and the microdata items (extruct),
then every ClaimReview found anywhere in the resulting JSON: inside `@graph`, top-level arrays,
`itemListElement`, `mainEntity` or any other property. A DataFeed is stricter: each of its
`dataFeedElement` entries is a record slot and must be a ClaimReview or a DataFeedItem whose
`item` is one or a list of ClaimReviews, anything else is rejected.

Each ClaimReview is validated into a `ClaimReviewRecord`, or a `Rejection` with a stable reason
code (`RejectCode`) and a message. A bad record never stops the others; only a source that cannot
be read at all (not JSON, empty, too large) raises `SourceError`.
"""

import email.utils
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import extruct
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date, parse_datetime
from extruct.jsonld import JsonLdExtractor
from extruct.utils import parse_html
from lxml.etree import ParserError
from w3lib.encoding import html_to_unicode

from core.validators import validate_http_url, validate_language_tag

# Lengths of the fields the records end up in (claims.models); longer text is cut at a word.
CLAIMANT_MAX = 300
HEADLINE_MAX = 300
TEXTUAL_RATING_MAX = 200
PUBLISHER_NAME_MAX = 200
URL_MAX = 2000
LANGUAGE_MAX = 35
# Beyond this, a review's appearance list is noise, not evidence of where the claim was seen.
APPEARANCES_MAX = 50

_SCHEMA_CONTEXTS = frozenset({"http://schema.org", "https://schema.org"})
_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "schema:")
_SITE = re.compile(r"^[a-z0-9.-]+\.[a-z]{2,}$")
_BOM = b"\xef\xbb\xbf"


class Format(StrEnum):
    HTML_PAGE = "html_page"
    JSON_LD = "json_ld"
    DATA_FEED = "data_feed"


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
    WRONG_TYPE = "wrong_type"  # a property has a type that makes no sense for it
    MISSING_URL = "missing_url"
    INVALID_URL = "invalid_url"  # not http(s), malformed or too long
    MISSING_CLAIM_REVIEWED = "missing_claim_reviewed"
    MISSING_DATE = "missing_date"  # no datePublished: a published verdict needs its date
    INVALID_DATE = "invalid_date"
    INVALID_LANGUAGE = "invalid_language"
    MISSING_RATING = "missing_rating"  # neither a textual rating nor a full numeric one
    INVALID_RATING = "invalid_rating"
    INVALID_PUBLISHER = "invalid_publisher"  # the review's host is not a domain name
    DUPLICATE_REVIEW_URL = "duplicate_review_url"  # an earlier record has the same review URL
    # Decided when the record is saved, not here (imports.records):
    OWN_REVIEW = "own_review"
    UNMAPPED_RATING = "unmapped_rating"
    CONFLICT = "conflict"


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
    date_published: datetime  # in UTC; a date alone is midnight
    headline: str
    explanation: str  # reviewRating.ratingExplanation, else the review's description
    language: str  # a BCP-47 tag, or "" when the review does not say
    textual_rating: str
    rating_value: float | None
    best_rating: float | None
    worst_rating: float | None


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


@dataclass(frozen=True, slots=True)
class _Found:
    """A node found in the source: a ClaimReview to validate, or a slot already refused."""

    location: str
    node: dict | None
    refusal: tuple[RejectCode, str] | None = None


def parse_source(
    data: bytes, *, max_bytes: int, content_type: str = "", base_url: str = ""
) -> ParsedSource:
    """Every ClaimReview of a source, validated. HTML is told from JSON by its first character,
    not by what the server or the file name claims. `base_url` is the page's address: relative
    URLs resolve against it, and a page's ClaimReview without `url` is the page itself."""
    if len(data) > max_bytes:
        raise SourceError(
            SourceErrorCode.TOO_LARGE, f"The source is larger than {max_bytes} bytes."
        )
    head = data.removeprefix(_BOM).lstrip()[:1]
    if not head:
        raise SourceError(SourceErrorCode.EMPTY, "The source is empty.")
    if head == b"<":
        found = extract_from_html(data, base_url=base_url, content_type=content_type)
        source_format = Format.HTML_PAGE
    elif head in (b"{", b"["):
        source_format, found = extract_from_json(_load_json(data))
    else:
        raise SourceError(
            SourceErrorCode.UNSUPPORTED_FORMAT,
            "The source is neither JSON (JSON-LD, a DataFeed) nor an HTML page.",
        )
    page_url = base_url if source_format == Format.HTML_PAGE else ""
    items = [
        _validate_found(entry, index=index, base_url=base_url, page_url=page_url)
        for index, entry in enumerate(found)
    ]
    if not items and source_format != Format.DATA_FEED:
        # An empty DataFeed is a feed with nothing in it today; a page or document without any
        # ClaimReview is most likely the wrong URL or file.
        raise SourceError(SourceErrorCode.NO_CLAIM_REVIEWS, "No ClaimReview was found.")
    return ParsedSource(format=source_format, items=reject_duplicates(items))


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


def extract_from_html(html: bytes, *, base_url: str = "", content_type: str = "") -> list[_Found]:
    """ClaimReview nodes of a page, from its JSON-LD blocks and then its microdata."""
    # The encoding from the Content-Type header, else the page's BOM or <meta>, else a guess;
    # lxml then reads the text as UTF-8 whatever the page declares.
    _, text = html_to_unicode(content_type or None, html)
    try:
        tree = parse_html(text.encode("utf-8"), encoding="UTF-8")
    except ParserError:
        raise SourceError(SourceErrorCode.EMPTY, "The page has no content.") from None
    found: list[_Found] = []
    extractor = JsonLdExtractor()
    for number, script in enumerate(JsonLdExtractor._xp_jsonld(tree), start=1):
        prefix = f"JSON-LD block {number}: $"
        try:
            # One script node at a time: extruct's page-wide call loses every block to one bad one.
            data = extractor.extract_items(script)
        except (ValueError, RecursionError) as error:
            message = f"JSON-LD block {number} is not valid JSON: {error}."
            found.append(_Found(prefix, None, (RejectCode.INVALID_JSON_LD, message)))
            continue
        document = data[0] if len(data) == 1 else data
        found.extend(_walk(document, prefix))
    microdata = extruct.extract(
        tree, base_url=base_url or None, syntaxes=["microdata"], uniform=True
    )
    for number, item in enumerate(microdata.get("microdata", []), start=1):
        found.extend(_walk(item, f"microdata item {number}: $"))
    return found


def extract_from_json(document: Any) -> tuple[Format, list[_Found]]:
    """ClaimReview nodes of a JSON or JSON-LD document; a DataFeed is told by its type."""
    is_feed = any(_is_type(node, "DataFeed") for node in _top_nodes(document))
    found = list(_walk(document, "$"))
    return (Format.DATA_FEED if is_feed else Format.JSON_LD), found


def _top_nodes(document: Any) -> Iterator[dict]:
    nodes = document if isinstance(document, list) else [document]
    for node in nodes:
        if isinstance(node, dict):
            yield node
            graph = node.get("@graph")
            if isinstance(graph, list):
                yield from (entry for entry in graph if isinstance(entry, dict))


def _walk(document: Any, prefix: str) -> Iterator[_Found]:
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
            yield _Found(path, value)
        elif _is_type(value, "DataFeed", context):
            yield from _feed_elements(value, path, context)
        else:
            stack.extend(
                (child, _member(path, key), context)
                for key, child in reversed(list(value.items()))
                if key != "@context" and isinstance(child, dict | list)
            )


def _feed_elements(feed: dict, path: str, context: Any) -> Iterator[_Found]:
    elements = feed.get("dataFeedElement", [])
    elements = elements if isinstance(elements, list) else [elements]
    for i, element in enumerate(elements):
        where = f"{path}.dataFeedElement[{i}]"
        if not isinstance(element, dict):
            yield _Found(where, None, _not_a_review(element))
            continue
        element_context = element.get("@context", context)
        if _is_claim_review(element, element_context):
            yield _Found(where, element)
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
                yield _Found(item_where, item)
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


def _is_type(node: dict, name: str, context: Any = None) -> bool:
    for kind in _types(node):
        if kind == name and _is_schema_context(node.get("@context", context)):
            return True
        if any(kind == prefix + name for prefix in _SCHEMA_PREFIXES):
            return True
    return False


def _is_claim_review(node: dict, context: Any) -> bool:
    return _is_type(node, "ClaimReview", context)


# Validation


def _validate_found(entry: _Found, *, index: int, base_url: str, page_url: str) -> Item:
    if entry.refusal is not None:
        code, message = entry.refusal
        return Rejection(index=index, location=entry.location, code=code, message=message)
    review_url = ""
    try:
        review_url = _review_url(entry.node, base_url=base_url, page_url=page_url)
        return _record(entry.node, index=index, location=entry.location, review_url=review_url)
    except _Invalid as invalid:
        return Rejection(
            index=index,
            location=entry.location,
            code=invalid.code,
            message=invalid.message,
            review_url=review_url,
        )


def validate_claim_review(node: dict, *, index: int = 0, location: str = "$") -> Item:
    """One ClaimReview node as a record, or why it cannot be one."""
    return _validate_found(_Found(location, node), index=index, base_url="", page_url="")


def _review_url(node: dict, *, base_url: str, page_url: str) -> str:
    raw = _url_value(node.get("url"), "url")
    if not raw:
        if not page_url:
            raise _Invalid(RejectCode.MISSING_URL, "The review has no url.")
        raw = page_url  # markup on a page describes that page
    url = normalize_url(raw, base_url=base_url)
    if url is None:
        raise _Invalid(
            RejectCode.INVALID_URL, f"The review url {_quote(raw)} is not an http(s) URL."
        )
    return url


def _record(node: dict, *, index: int, location: str, review_url: str) -> ClaimReviewRecord:
    claim_reviewed = _text(node, "claimReviewed")
    if not claim_reviewed:
        raise _Invalid(RejectCode.MISSING_CLAIM_REVIEWED, "The review has no claimReviewed.")
    date_published = _date_time(node.get("datePublished"), "datePublished")
    if date_published is None:
        raise _Invalid(RejectCode.MISSING_DATE, "The review has no datePublished.")
    claim = _one(node.get("itemReviewed"))
    if claim is None:
        claim = {}
    elif not isinstance(claim, dict):
        raise _wrong_type("itemReviewed", "an object (the Claim)", claim)
    claim_date = _date_time(claim.get("datePublished"), "itemReviewed.datePublished")
    appearances, has_first = _appearances(claim)
    rating = _one(node.get("reviewRating"))
    if rating is None:
        raise _Invalid(RejectCode.MISSING_RATING, "The review has no reviewRating.")
    if not isinstance(rating, dict):
        raise _wrong_type("reviewRating", "an object (a Rating)", rating)
    textual = _text(rating, "alternateName", "reviewRating.alternateName") or _text(
        rating, "name", "reviewRating.name"
    )
    value, best, worst = (
        _number(rating.get(key), f"reviewRating.{key}")
        for key in ("ratingValue", "bestRating", "worstRating")
    )
    _check_scale(value, best, worst)
    if not textual and None in (value, best, worst):
        raise _Invalid(
            RejectCode.MISSING_RATING,
            "reviewRating has no alternateName, and no ratingValue with bestRating and "
            "worstRating.",
        )
    author = _organization(node.get("author"), "author")
    publisher = _organization(node.get("publisher"), "publisher")
    name = author[0] or publisher[0]
    site = _site(review_url)
    return ClaimReviewRecord(
        index=index,
        location=location,
        review_url=review_url,
        claim_reviewed=claim_reviewed,
        claimant=fit(_name(claim.get("author"), "itemReviewed.author"), CLAIMANT_MAX),
        claim_date=claim_date.date() if claim_date else None,
        appearances=appearances,
        has_first_appearance=has_first,
        publisher_name=fit(name or site, PUBLISHER_NAME_MAX),
        publisher_site=site,
        publisher_url=author[1] or publisher[1],
        # In UTC: PostgreSQL refuses offsets beyond ±15:59, which Python accepts.
        date_published=date_published.astimezone(UTC),
        headline=fit(_text(node, "headline") or _text(node, "name"), HEADLINE_MAX),
        explanation=_text(rating, "ratingExplanation", "reviewRating.ratingExplanation")
        or _text(node, "description"),
        language=_language(node.get("inLanguage")),
        textual_rating=fit(textual, TEXTUAL_RATING_MAX),
        rating_value=value,
        best_rating=best,
        worst_rating=worst,
    )


def _one(value: Any) -> Any:
    """JSON-LD allows any value to be a list; a property we read once takes the first entry."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _literal(value: Any) -> Any:
    value = _one(value)
    if isinstance(value, dict) and "@value" in value:
        return value["@value"]
    return value


def _text(node: dict, key: str, label: str | None = None) -> str:
    value = _literal(node.get(key))
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _wrong_type(label or key, "text", value)
    return value.strip()


def _url_value(value: Any, label: str) -> str:
    """A URL given as text, or as a node with `@id` (JSON-LD) or `url`."""
    value = _one(value)
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url") or _literal(value)
        value = _one(value)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _wrong_type(label, "a URL", value)
    return value.strip()


def normalize_url(raw: str, *, base_url: str = "") -> str | None:
    """The URL to store and to deduplicate on, or None when it is not a valid http(s) URL.

    Scheme and host are lower-cased and a default port dropped; path, query and fragment stay as
    they are (a page with several reviews tells them apart by fragment)."""
    raw = raw.strip()
    if base_url:
        raw = urljoin(base_url, raw)
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


def _organization(value: Any, label: str) -> tuple[str, str]:
    """(name, url) of an author or publisher given as a node or as a bare name."""
    value = _one(value)
    if value is None:
        return "", ""
    if isinstance(value, str):
        return value.strip(), ""
    if not isinstance(value, dict):
        raise _wrong_type(label, "an Organization or a name", value)
    url = normalize_url(_url_value(value.get("url"), f"{label}.url")) or ""
    return _text(value, "name", f"{label}.name"), url


def _name(value: Any, label: str) -> str:
    return _organization(value, label)[0]


def _appearances(claim: dict) -> tuple[tuple[str, ...], bool]:
    """The appearance URLs, first appearance first. URLs that are not http(s) are left out:
    a bad link to where a claim was seen does not make the review itself bad."""
    first = normalize_url(_url_value(claim.get("firstAppearance"), "itemReviewed.firstAppearance"))
    listed = claim.get("appearance")
    listed = listed if isinstance(listed, list) else [listed]
    urls = [first] if first else []
    for entry in listed:
        url = normalize_url(_url_value(entry, "itemReviewed.appearance"))
        if url and url not in urls:
            urls.append(url)
    return tuple(urls[:APPEARANCES_MAX]), first is not None


def _date_time(value: Any, label: str) -> datetime | None:
    """ISO 8601 date or date-time (a date alone, or a time without zone, is UTC), or RFC 2822."""
    value = _literal(value)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _wrong_type(label, "a date", value)
    text = value.strip()
    parsed: datetime | None = None
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            parsed = datetime.combine(day, time(0), tzinfo=UTC) if day else None
    except ValueError:  # well formed, but no such day (2024-02-30) or offset
        parsed = None
    if parsed is None:
        try:
            parsed = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        raise _Invalid(RejectCode.INVALID_DATE, f"{label} {_quote(text)} is not a date.")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _number(value: Any, label: str) -> float | None:
    value = _literal(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _wrong_type(label, "a number", value)
    try:
        number = float(value)
    except ValueError:
        raise _Invalid(
            RejectCode.INVALID_RATING, f"{label} {_quote(value)} is not a number."
        ) from None
    if not math.isfinite(number):
        raise _Invalid(RejectCode.INVALID_RATING, f"{label} is not a finite number.")
    return number


def _check_scale(value: float | None, best: float | None, worst: float | None) -> None:
    if best is not None and worst is not None and best == worst:
        raise _Invalid(RejectCode.INVALID_RATING, "bestRating and worstRating are equal.")
    if None not in (value, best, worst) and not min(best, worst) <= value <= max(best, worst):
        raise _Invalid(
            RejectCode.INVALID_RATING,
            f"ratingValue {value:g} is not between worstRating {worst:g} and bestRating {best:g}.",
        )


def _language(value: Any) -> str:
    """A BCP-47 tag in its usual case (zh-Hant-TW), from text or a Language node."""
    value = _one(value)
    if isinstance(value, dict):
        value = _literal(value.get("alternateName")) or _literal(value.get("name"))
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise _wrong_type("inLanguage", "a language tag", value)
    tag = normalize_language(value)
    try:
        if len(tag) > LANGUAGE_MAX:
            raise ValidationError("too long")
        validate_language_tag(tag)
    except ValidationError:
        raise _Invalid(
            RejectCode.INVALID_LANGUAGE, f"inLanguage {_quote(value)} is not a BCP-47 language tag."
        ) from None
    return tag


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


def _wrong_type(label: str, expected: str, value: Any) -> _Invalid:
    return _Invalid(
        RejectCode.WRONG_TYPE, f"{label} should be {expected}, not {_json_type(value)}."
    )


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


def reject_duplicates(items: list[Item]) -> list[Item]:
    """A review URL that an earlier record of the same source already has is rejected, so that
    the first one wins whatever order the batches run in."""
    seen: dict[str, int] = {}
    out: list[Item] = []
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
        out.append(item)
    return out
