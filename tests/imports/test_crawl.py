"""Sitemaps of fact-check pages: each page fetched through the guard, politely, robots.txt
honoured, and read as a crawler reads it."""

import gzip
import threading
import time

import pytest
from django.core.files.base import ContentFile

from claims.models import Verdict
from imports import crawl
from imports.models import ImportJob
from imports.services import import_job_create, import_job_run
from tests.imports.conftest import Route
from tests.imports.factories import claim_review, page
from tests.imports.test_jobs import killed_with_its_worker

pytestmark = pytest.mark.usefixtures("scale")


@pytest.fixture
def site(source_server, fake_dns):
    """The source server under a domain name, as a publisher's site is."""
    fake_dns["checks.example.com"] = "127.0.0.1"
    return lambda path: f"http://checks.example.com:{source_server.port}{path}"


@pytest.fixture(autouse=True)
def no_pause(monkeypatch) -> list[float]:
    """The pauses the crawl takes, recorded instead of slept."""
    pauses: list[float] = []
    monkeypatch.setattr(crawl.time, "sleep", pauses.append)
    return pauses


def sitemap(*locs: str, index: bool = False, lastmods: list[str] | None = None) -> bytes:
    tag, item = ("sitemapindex", "sitemap") if index else ("urlset", "url")
    entries = ""
    for n, loc in enumerate(locs):
        lastmod = f"<lastmod>{lastmods[n]}</lastmod>" if lastmods else ""
        entries += f"<{item}><loc>{loc}</loc>{lastmod}</{item}>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<{tag} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</{tag}>'
    ).encode()


def requested(server) -> list[str]:
    return [path for path, _ in server.requests]


def test_a_sitemaps_pages_are_fetched_politely_and_imported(source_server, site, no_pause):
    url = site
    review = claim_review(
        1,
        url=None,
        inLanguage=None,
        claimReviewed="Vídeo mostra enchente em Porto Alegre em maio",
        headline="É falso que o vídeo mostra a enchente deste ano",
        reviewRating={"alternateName": "Falso"},
    )
    spanish = page(claim_review(2, url=None, inLanguage=None)).replace(
        b"<html>", b'<html lang="es">'
    )
    source_server.routes.update(
        {
            "/sitemap.xml": Route(
                body=sitemap(*(url(p) for p in ("/a", "/b", "/gone", "/private/c")))
            ),
            "/robots.txt": Route(body=b"User-agent: *\nDisallow: /private/\n"),
            "/a": Route(body=page(review), headers={"Content-Type": "text/html; charset=utf-8"}),
            "/b": Route(body=spanish),
        }
    )
    job = import_job_create(requested_by=None, url=url("/sitemap.xml"))

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.format, job.records_total, job.created_count) == (
        "succeeded",
        "sitemap",
        4,
        2,
    )
    assert job.rejected_by_code == {"page_not_fetched": 1, "robots_disallowed": 1}
    assert dict(Verdict.objects.values_list("review_url", "language")) == {
        url("/a"): "pt",
        url("/b"): "es",
    }
    assert requested(source_server) == ["/sitemap.xml", "/robots.txt", "/a", "/b", "/gone"]
    # A pause after every request to the host (the sitemap itself was fetched as the source).
    assert no_pause == [crawl.HOST_DELAY_SECONDS] * 4
    assert job.rejects.get(code="page_not_fetched").message == "Answered HTTP 404."
    assert job.rejects.get(code="robots_disallowed").location == (
        f"page 4 ({url('/private/c')}): $"
    )


def test_a_resumed_crawl_reads_the_kept_pages_without_fetching_them_again(source_server, site):
    url = site
    source_server.routes.update(
        {
            "/sitemap.xml": Route(body=sitemap(*(url(f"/{n}") for n in range(4)))),
            **{f"/{n}": Route(body=page(claim_review(n, url=None))) for n in range(4)},
        }
    )
    job = import_job_create(requested_by=None, url=url("/sitemap.xml"))

    def die(job):
        raise SystemExit("worker killed")

    with pytest.raises(SystemExit):
        import_job_run(job_id=job.pk, on_progress=die)
    killed_with_its_worker(job)
    fetched = len(source_server.requests)
    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.created_count) == ("succeeded", 4)
    assert len(source_server.requests) == fetched


def test_an_index_is_followed_and_the_newest_pages_are_read_up_to_the_cap(
    source_server, site, monkeypatch
):
    monkeypatch.setattr(crawl, "SITEMAP_PAGES_MAX", 2)
    url = site
    child = sitemap(
        url("/old"), url("/new"), url("/newer"), lastmods=["2023-01-01", "2024-05-01", "2024-06-01"]
    )
    source_server.routes.update(
        {
            "/index.xml": Route(body=sitemap(url("/child.xml.gz"), index=True)),
            "/child.xml.gz": Route(body=gzip.compress(child)),
            **{
                p: Route(body=page(claim_review(n, url=None)))
                for n, p in enumerate(["/new", "/newer"])
            },
        }
    )
    job = import_job_create(requested_by=None, url=url("/index.xml"))

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.created_count, job.rejected_by_code) == (
        "succeeded",
        2,
        {"pages_over_cap": 1},
    )
    assert "/old" not in requested(source_server)
    assert job.rejects.get().message == (
        "The sitemap lists 3 pages; the 2 most recently modified were read."
    )


@pytest.mark.parametrize(
    ("robots", "allowed"),
    [
        (Route(status=404), True),
        (Route(status=503), False),
        (Route(body=b"User-agent: factcheck\nDisallow: /\n\nUser-agent: *\nAllow: /\n"), False),
    ],
)
def test_robots_txt_is_honoured(source_server, site, robots, allowed):
    url = site
    source_server.routes.update(
        {
            "/sitemap.xml": Route(body=sitemap(url("/a"))),
            "/robots.txt": robots,
            "/a": Route(body=page(claim_review(1, url=None))),
        }
    )
    job = import_job_create(requested_by=None, url=url("/sitemap.xml"))

    import_job_run(job_id=job.pk)

    assert ("/a" in requested(source_server)) is allowed
    assert Verdict.objects.exists() is allowed


def test_a_crawl_delay_longer_than_ours_is_kept(source_server, no_pause):
    url = source_server.url
    source_server.routes.update(
        {
            "/robots.txt": Route(body=b"User-agent: *\nCrawl-delay: 7\n"),
            "/a": Route(body=page(claim_review(1, url=None))),
        }
    )
    crawler = crawl.Crawler(allow_loopback=True, heartbeat=lambda: None)

    assert crawler.allowed(url("/a"))
    crawler.get(url("/a"), max_bytes=1000, accept="*/*")

    assert no_pause == [crawl.HOST_DELAY_SECONDS, 7.0]


def test_a_host_another_worker_is_crawling_waits_for_its_turn(source_server, other_session):
    source_server.routes["/a"] = Route(body=b"ok")
    crawler = crawl.Crawler(allow_loopback=True, heartbeat=lambda: None)
    key = [crawl.HOST_LOCK_NAMESPACE, crawl.zlib.crc32(b"127.0.0.1") & 0x7FFFFFFF]
    other_session.execute("SELECT pg_advisory_lock(%s, %s)", key)
    release = threading.Timer(
        0.5, lambda: other_session.execute("SELECT pg_advisory_unlock(%s, %s)", key)
    )
    release.start()
    started = time.monotonic()

    crawler.get(source_server.url("/a"), max_bytes=100, accept="*/*")

    assert time.monotonic() - started >= 0.45
    assert requested(source_server) == ["/a"]
    release.join()


def test_a_sitemap_file_is_refused_with_the_reason(source_server):
    job = import_job_create(
        requested_by=None,
        file=ContentFile(sitemap(source_server.url("/a")), name="sitemap.xml"),
        file_name="sitemap.xml",
    )

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "unsupported_format")
    assert not source_server.requests
    assert ImportJob.objects.get().error.startswith("A sitemap is imported from its URL")


def test_a_sitemap_whose_pages_all_fail_succeeds_with_the_reasons(source_server):
    source_server.routes["/sitemap.xml"] = Route(body=sitemap(source_server.url("/gone")))
    job = import_job_create(requested_by=None, url=source_server.url("/sitemap.xml"))

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.rejected_by_code) == ("succeeded", {"page_not_fetched": 1})
