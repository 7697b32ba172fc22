"""Importing a sitemap of fact-check pages: every page fetched politely and read as a crawler
reads it.

A sitemap (or a sitemap index, one level deep) lists the pages; the `SITEMAP_PAGES_MAX` most
recently modified are read. Every request goes through the public-internet guard
(claims.integrations.safe_http), and politely:

- one request at a time per host, across all workers: a PostgreSQL advisory lock on the host is
  held for the request and the pause after it;
- a pause of `HOST_DELAY_SECONDS` after each request, or the host's robots.txt Crawl-delay when
  it asks for more;
- robots.txt honoured (RFC 9309, through the standard library's parser fed with the guarded
  fetch): a robots.txt that answers 4xx allows everything, one that cannot be read (5xx, no
  answer) forbids the host;
- a time budget per sitemap (`CRAWL_BUDGET_SECONDS`), so that a long Crawl-delay ends in fewer
  pages, reported, not in a job that runs for hours.

The result is a crawl: for each page its digest (imports.pages) or why it was not read. It is kept
as the job's file, so that a resumed job reads the same pages without fetching them again.
"""

import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from django.db import connection
from lxml import etree

from core import safe_http
from imports.pages import PageUnreadable, read_page
from imports.parsing import RejectCode, normalize_url, parse_date_value

SITEMAP_PAGES_MAX = 500
# Child sitemaps of an index read at most (each may list 50,000 pages).
SITEMAPS_MAX = 20
HOST_DELAY_SECONDS = 1.0
CRAWL_BUDGET_SECONDS = 1800
PAGE_MAX_BYTES = 5 * 1024 * 1024
# The sitemaps protocol's own limit, uncompressed.
SITEMAP_MAX_BYTES = 50 * 1024 * 1024
# What Google reads of a robots.txt.
ROBOTS_MAX_BYTES = 500 * 1024
TIMEOUT = safe_http.Timeout(connect=10, read=60)
ROBOT_NAME = safe_http.USER_AGENT.split("/")[0]
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
# First key of the two-key advisory locks of hosts being crawled (the second is a hash).
HOST_LOCK_NAMESPACE = 0x1F0D
_SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})


class SitemapUnreadable(Exception):
    """The bytes look like a sitemap but cannot be read as one."""


@dataclass(frozen=True)
class _Entry:
    url: str
    lastmod: datetime | None


def _xml(data: bytes) -> bytes:
    """The XML of a sitemap, gunzipped (bounded: a small file may inflate to gigabytes)."""
    if data[:2] == b"\x1f\x8b":
        reader = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            data = reader.decompress(data, SITEMAP_MAX_BYTES)
        except zlib.error:
            return b""
    return data


def _root(data: bytes) -> etree._Element | None:
    # No entities, no network, no DTD: a sitemap is data, not instructions.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(_xml(data), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def is_sitemap(data: bytes) -> bool:
    """Whether `data` is a sitemap or sitemap index (plain or gzipped), by its root element."""
    head = data[:2]
    if head != b"\x1f\x8b" and not data.lstrip().startswith(b"<"):
        return False
    root = _root(data)
    return root is not None and etree.QName(root).localname in _SITEMAP_ROOTS


def sitemap_entries(data: bytes) -> tuple[list[_Entry], list[_Entry]]:
    """(pages, child sitemaps) listed, each newest first (by lastmod; undated ones last)."""
    root = _root(data)
    if root is None or etree.QName(root).localname not in _SITEMAP_ROOTS:
        raise SitemapUnreadable("The sitemap is not valid XML of the sitemaps protocol.")
    entries = []
    for element in root:
        if not isinstance(element.tag, str):
            continue
        loc = element.findtext("{*}loc") or ""
        lastmod = None
        with suppress(ValueError):
            lastmod = parse_date_value(element.findtext("{*}lastmod") or "")
        if loc.strip():
            entries.append(_Entry(loc.strip(), lastmod))
    oldest = datetime.min.replace(tzinfo=UTC)
    entries.sort(key=lambda entry: entry.lastmod or oldest, reverse=True)
    if etree.QName(root).localname == "sitemapindex":
        return [], entries
    return entries, []


class Crawler:
    """Polite fetching for one crawl: the robots.txt of each host read once, one request per
    host at a time across workers, and a pause after each."""

    def __init__(self, *, allow_loopback: bool, heartbeat: Callable[[], None]) -> None:
        self.allow_loopback = allow_loopback
        self.heartbeat = heartbeat
        self.robots: dict[str, RobotFileParser] = {}

    def get(self, url: str, *, max_bytes: int, accept: str) -> safe_http.Response:
        """One GET, after the host's previous request and pause. Raises what safe_http
        raises."""
        host = urlsplit(url).hostname or ""
        with self._turn(host, url):
            response = safe_http.request(
                "GET",
                url,
                timeout=TIMEOUT,
                max_bytes=max_bytes,
                truncate=True,
                max_redirects=safe_http.MAX_REDIRECTS,
                headers={"Accept": accept},
                allow_loopback=self.allow_loopback,
            )
        self.heartbeat()
        return response

    def allowed(self, url: str) -> bool:
        return self._robots(url).can_fetch(ROBOT_NAME, url)

    def delay(self, url: str) -> float:
        parser = self.robots.get(_origin(url))
        asked = parser.crawl_delay(ROBOT_NAME) if parser is not None else None
        return max(HOST_DELAY_SECONDS, float(asked or 0))

    def _robots(self, url: str) -> RobotFileParser:
        origin = _origin(url)
        if origin not in self.robots:
            parser = RobotFileParser(origin + "/robots.txt")
            try:
                response = self.get(
                    origin + "/robots.txt", max_bytes=ROBOTS_MAX_BYTES, accept="*/*"
                )
            except (safe_http.RequestFailed, safe_http.UnsafeUrl):
                parser.disallow_all = True
            else:
                if response.status == 200:
                    parser.parse(response.body.decode("utf-8", errors="replace").splitlines())
                elif 400 <= response.status < 500:
                    parser.allow_all = True
                else:
                    parser.disallow_all = True
            self.robots[origin] = parser
        return self.robots[origin]

    @contextmanager
    def _turn(self, host: str, url: str) -> Iterator[None]:
        """Hold the host for a request and the pause after it: another worker crawling the
        same host waits for its turn."""
        key = [HOST_LOCK_NAMESPACE, zlib.crc32(host.encode()) & 0x7FFFFFFF]
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
        try:
            yield
        finally:
            time.sleep(self.delay(url))
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def crawl_sitemap(
    data: bytes, *, sitemap_url: str, allow_loopback: bool, heartbeat: Callable[[], None]
) -> dict:
    """Read the sitemap's pages; returns the crawl as JSON-ready data:
    `{"sitemap", "listed", "pages": [{"url", "digest"} | {"url", "refusal": [code, message]}]}`.
    Raises SitemapUnreadable for a sitemap that is not one."""
    started = time.monotonic()
    crawler = Crawler(allow_loopback=allow_loopback, heartbeat=heartbeat)
    pages, children = sitemap_entries(data)
    for child in children[:SITEMAPS_MAX]:
        if len(pages) >= SITEMAP_PAGES_MAX:
            break
        pages += _child_pages(crawler, child.url)
    listed = len(pages)
    pages = pages[:SITEMAP_PAGES_MAX]
    crawl: list[dict] = []
    for entry in pages:
        if time.monotonic() - started > CRAWL_BUDGET_SECONDS:
            message = (
                f"Not fetched: the crawl's time budget ({CRAWL_BUDGET_SECONDS} s) was spent; "
                "import the sitemap again to read the rest."
            )
            crawl.append({"url": entry.url, "refusal": [RejectCode.PAGE_NOT_FETCHED, message]})
            continue
        crawl.append(_page(crawler, entry.url))
    return {"sitemap": sitemap_url, "listed": listed, "pages": crawl}


def _child_pages(crawler: Crawler, url: str) -> list[_Entry]:
    """The pages of a child sitemap; one that cannot be fetched or read lists none."""
    target = normalize_url(url)
    if target is None or not crawler.allowed(target):
        return []
    try:
        response = crawler.get(target, max_bytes=SITEMAP_MAX_BYTES, accept="*/*")
        pages, _ = sitemap_entries(response.body) if response.status == 200 else ([], [])
    except (safe_http.RequestFailed, safe_http.UnsafeUrl, SitemapUnreadable):
        return []
    return pages


def _page(crawler: Crawler, loc: str) -> dict:
    url = normalize_url(loc)
    if url is None:
        return {"url": loc, "refusal": [RejectCode.PAGE_NOT_FETCHED, "Not an http(s) URL."]}
    if not crawler.allowed(url):
        message = f"robots.txt of {urlsplit(url).netloc} does not allow {ROBOT_NAME} to read it."
        return {"url": url, "refusal": [RejectCode.ROBOTS_DISALLOWED, message]}
    try:
        response = crawler.get(url, max_bytes=PAGE_MAX_BYTES, accept=PAGE_ACCEPT)
    except (safe_http.RequestFailed, safe_http.UnsafeUrl) as error:
        return {"url": url, "refusal": [RejectCode.PAGE_NOT_FETCHED, str(error)]}
    if response.status != 200:
        message = f"Answered HTTP {response.status}."
        return {"url": url, "refusal": [RejectCode.PAGE_NOT_FETCHED, message]}
    final = normalize_url(response.url) or url
    try:
        digest = read_page(
            response.body, url=final, content_type=response.headers.get("content-type", "")
        )
    except PageUnreadable as error:
        return {"url": url, "refusal": [RejectCode.PAGE_NOT_FETCHED, str(error)]}
    return {"url": final, "digest": digest.to_json()}
