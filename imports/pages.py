"""What an HTML page holds for an import: its structured data, and what it says about itself.

A page is read once into a `PageDigest`: every JSON-LD block parsed on its own (a broken block is
kept as its error, not fatal to the others), the microdata items, and the page's own `<html lang>`,
`og:locale` and `og:site_name`. A digest is plain JSON, so that a crawl of many pages can be kept
with the job and read again on resume without fetching the pages again.

From the digest's blocks, `page_facts` collects what a ClaimReview on the page may leave out and
the page says elsewhere: the article's date, language and publisher, the site's name. These are
only ever fallbacks; the review's own properties come first (imports.parsing).
"""

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import extruct
from extruct.jsonld import JsonLdExtractor
from extruct.utils import parse_html
from lxml.etree import ParserError
from w3lib.encoding import html_to_unicode

# Walking a page's blocks for facts stops here: a page is not a feed.
NODES_MAX = 5000
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class PageUnreadable(Exception):
    """The bytes are no HTML with any content."""


@dataclass(frozen=True)
class PageDigest:
    """An HTML page reduced to what an import reads. `blocks` are the JSON-LD blocks in page
    order, each `{"data": ...}` or `{"error": "..."}`; `microdata` the items as extruct's
    uniform JSON-LD-like dicts."""

    url: str = ""
    html_lang: str = ""
    content_language: str = ""
    og_locale: str = ""
    og_site_name: str = ""
    blocks: list[dict] = field(default_factory=list)
    microdata: list[Any] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "PageDigest":
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


def read_page(html: bytes, *, url: str = "", content_type: str = "") -> PageDigest:
    """The digest of a page. Raises PageUnreadable when there is no document at all."""
    # The encoding from the Content-Type header, else the page's BOM or <meta>, else a guess;
    # lxml then reads the text as UTF-8 whatever the page declares.
    _, text = html_to_unicode(content_type or None, html)
    try:
        tree = parse_html(text.encode("utf-8"), encoding="UTF-8")
    except ParserError:
        raise PageUnreadable("The page has no content.") from None
    blocks: list[dict] = []
    extractor = JsonLdExtractor()
    for number, script in enumerate(JsonLdExtractor._xp_jsonld(tree), start=1):
        try:
            # One script node at a time: extruct's page-wide call loses every block to one bad one.
            data = extractor.extract_items(script)
        except (ValueError, RecursionError) as error:
            blocks.append({"error": f"JSON-LD block {number} is not valid JSON: {error}."})
            continue
        blocks.append({"data": data[0] if len(data) == 1 else data})
    microdata = extruct.extract(tree, base_url=url or None, syntaxes=["microdata"], uniform=True)
    root = tree.getroottree().getroot()
    return PageDigest(
        url=url,
        html_lang=(root.get("lang") or root.get(_XML_LANG) or "").strip(),
        content_language=_meta(root, "http-equiv", "content-language"),
        og_locale=_meta(root, "property", "og:locale"),
        og_site_name=_meta(root, "property", "og:site_name"),
        blocks=blocks,
        microdata=microdata.get("microdata", []),
    )


def _meta(root: Any, attribute: str, name: str) -> str:
    # Attribute values compared without case: `og:Locale` and `Content-Language` are seen.
    lower = "translate(@{0}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
    path = f"//meta[{lower.format(attribute)}=$name or {lower.format('name')}=$name]/@content"
    values = root.xpath(path, name=name)
    return str(values[0]).strip() if values else ""


@dataclass(frozen=True)
class PageFacts:
    """What the page says about itself, each entry `(where it was found, value)`, best first.
    Values are raw: the reader of a review validates them as it would its own."""

    languages: tuple[tuple[str, Any], ...] = ()
    publishers: tuple[tuple[str, Any], ...] = ()
    dates: tuple[tuple[str, Any], ...] = ()


def _types(node: dict) -> list[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    # A full IRI (`https://schema.org/NewsArticle`) counts by its last part.
    return [k.rsplit("/", 1)[-1].removeprefix("schema:") for k in kinds if isinstance(k, str)]


def _is_article(node: dict) -> bool:
    return any(k.endswith("Article") or k in ("BlogPosting", "Report") for k in _types(node))


def _is_web_page(node: dict) -> bool:
    return any(k.endswith("Page") for k in _types(node))


def _is_web_site(node: dict) -> bool:
    return "WebSite" in _types(node)


def typed_nodes(documents: list[Any], *, outside_reviews: bool = False) -> Iterator[dict]:
    """Every object of the documents, in document order, without recursion; at most NODES_MAX.
    `outside_reviews` leaves out what is inside a ClaimReview (a reviewed NewsArticle is
    another page's article, its date the claim's)."""
    stack: list[Any] = list(reversed(documents))
    seen = 0
    while stack and seen < NODES_MAX:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(reversed(value))
        elif isinstance(value, dict):
            seen += 1
            yield value
            if outside_reviews and "ClaimReview" in _types(value):
                continue
            stack.extend(v for v in reversed(list(value.values())) if isinstance(v, dict | list))


def page_facts(digest: PageDigest) -> PageFacts:
    documents = [block["data"] for block in digest.blocks if "data" in block]
    documents += digest.microdata
    articles, pages, sites = [], [], []
    for node in typed_nodes(documents, outside_reviews=True):
        if _is_article(node):
            articles.append(node)
        elif _is_web_page(node):
            pages.append(node)
        elif _is_web_site(node):
            sites.append(node)
    languages: list[tuple[str, Any]] = []
    publishers: list[tuple[str, Any]] = []
    dates: list[tuple[str, Any]] = []
    for label, nodes in (("article", articles), ("web page", pages)):
        for node in nodes[:1]:
            kind = (_types(node) or [label])[0]
            if node.get("inLanguage"):
                languages.append((f"the page's {kind} inLanguage", node["inLanguage"]))
            if node.get("publisher"):
                publishers.append((f"the page's {kind} publisher", node["publisher"]))
            for key in ("datePublished", "dateCreated"):
                if node.get(key):
                    dates.append((f"the page's {kind} {key}", node[key]))
    if digest.html_lang:
        languages.append(("the page's <html lang>", digest.html_lang))
    if digest.content_language:
        # Content-Language may list several; the first is the page's main one.
        languages.append(("the page's Content-Language", digest.content_language.split(",")[0]))
    if digest.og_locale:
        languages.append(("the page's og:locale", digest.og_locale))
    for site in sites[:1]:
        if site.get("inLanguage"):
            languages.append(("the page's WebSite inLanguage", site["inLanguage"]))
        if site.get("publisher"):
            publishers.append(("the page's WebSite publisher", site["publisher"]))
        if site.get("name"):
            publishers.append(
                ("the page's WebSite name", {"name": site["name"], "url": site.get("url")})
            )
    if digest.og_site_name:
        publishers.append(("the page's og:site_name", {"name": digest.og_site_name}))
    return PageFacts(tuple(languages), tuple(publishers), tuple(dates))
