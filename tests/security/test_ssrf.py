"""The address guard, through every intake that takes a URL from outside: media by URL (the
API's fetch, and the archive import's CSV), imports of ClaimReviews, webhook subscriptions and
claims:imageSearch. Every URL below must be refused, and no connection made: every connection
this process tries is recorded, and must not happen.

Names in `.rebind.example` resolve (here) to addresses that are not public, as a hostile DNS
server would answer; numeric forms (2130706433, 0x7f000001, 127.1) are resolved by the system
as they would be in production.
"""

import csv
import io
import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from core.services.api_keys import api_key_create
from imports.models import ImportJob
from imports.services import import_job_run
from media.models import MediaItem
from media.tasks import fetch_media_item
from tests.api.conftest import client_for
from tests.factories import UserFactory
from tests.imports.factories import newsroom_scale

pytestmark = pytest.mark.django_db

UNSAFE = [
    "http://127.0.0.1/x.jpg",
    "http://127.0.0.1:5432/",
    "http://localhost/x.jpg",
    "http://media.localhost/x.jpg",
    "http://[::1]/x.jpg",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/x.jpg",
    "http://10.0.0.5/x.jpg",
    "http://172.16.0.1/x.jpg",
    "http://192.168.1.1/x.jpg",
    "http://100.64.0.1/x.jpg",
    "http://0.0.0.0/x.jpg",
    "http://[::]/x.jpg",
    "http://[::ffff:127.0.0.1]/x.jpg",
    "http://[::ffff:169.254.169.254]/x.jpg",
    "http://[2002:a9fe:a9fe::]/x.jpg",
    "http://[fd00::1]/x.jpg",
    "http://224.0.0.1/x.jpg",
    "http://2130706433/x.jpg",
    "http://0x7f000001/x.jpg",
    "http://127.1/x.jpg",
    "http://metadata.rebind.example/latest/meta-data/",
    "http://intranet.rebind.example/x.jpg",
    "https://mixed.rebind.example/x.jpg",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "dict://127.0.0.1:11211/stats",
    "ftp://example.org/x.jpg",
    "http://user:secret@example.org/x.jpg",
]
FAKE_DNS = {
    "metadata.rebind.example": ["169.254.169.254"],
    "intranet.rebind.example": ["10.1.2.3", "::1"],
    # One public address is not enough when another is private.
    "mixed.rebind.example": ["93.184.215.14", "192.168.0.7"],
}


@pytest.fixture(autouse=True)
def guard(monkeypatch, settings):
    """Fake DNS for the names above, no other DNS, and every connection recorded and refused
    except to `allowed` ports on 127.0.0.1 (the redirecting server below)."""
    settings.API_RATE_LIMITS = {}
    real_getaddrinfo = socket.getaddrinfo
    real_create_connection = socket.create_connection
    attempts: list[tuple] = []
    allowed: set[int] = set()

    def getaddrinfo(host, port, *args, **kwargs):
        if host in FAKE_DNS:
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    socket.IPPROTO_TCP,
                    "",
                    (address, port, 0, 0) if ":" in address else (address, port),
                )
                for address in FAKE_DNS[host]
            ]
        try:
            ipaddress.ip_address(host)
        except ValueError:
            # Numeric forms the system resolves without asking anyone (2130706433, 127.1).
            return real_getaddrinfo(host, port, *args, flags=socket.AI_NUMERICHOST, **kwargs)
        return real_getaddrinfo(host, port, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        attempts.append(address)
        if address[0] == "127.0.0.1" and address[1] in allowed:
            return real_create_connection(address, *args, **kwargs)
        raise AssertionError(f"The guard let a connection to {address} through.")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    yield allowed
    assert [a for a in attempts if a[1] not in allowed] == []


@pytest.fixture
def redirect_to_metadata(guard, settings):
    """A server on 127.0.0.1 (loopback allowed for it alone) answering every GET with a
    redirect to the cloud metadata address."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    guard.add(server.server_port)
    settings.MEDIA_FETCH_ALLOW_LOOPBACK = True
    settings.IMPORTS_ALLOW_LOOPBACK = True
    yield f"http://127.0.0.1:{server.server_port}/x.jpg"
    server.shutdown()
    server.server_close()


def media_by_url(url: str) -> None:
    response = client_for("fact-checker").post("/api/v1/media/", {"url": url}, format="json")
    if response.status_code == 400:
        return
    assert response.status_code == 202, response.content
    item = MediaItem.objects.get(pk=response.json()["id"])
    fetch_media_item.apply(args=[item.jobs.get().pk])
    item.refresh_from_db()
    assert item.status == MediaItem.Status.FAILED, item.failure_reason
    assert not item.file


def claimreview_import(url: str) -> None:
    newsroom_scale()
    response = client_for("editor").post("/api/v1/imports/", {"url": url}, format="json")
    if response.status_code == 400:
        return
    assert response.status_code == 202, response.content
    job = import_job_run(job_id=response.json()["id"])
    assert job.status == ImportJob.Status.FAILED
    assert not job.file


def webhook_subscription(url: str) -> None:
    client = client_for("consumer")
    response = client.post(
        "/api/v1/webhooks/", {"url": url, "events": ["verdict.published"]}, format="json"
    )
    assert response.status_code == 400, response.content


def image_search(url: str) -> None:
    _, key = api_key_create(owner=UserFactory(), name="partner", created_by=None)
    response = APIClient().get(
        "/v1alpha1/claims:imageSearch", {"imageUri": url}, HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


def archive_csv(url: str, tmp_path) -> None:
    path = tmp_path / "archive.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["url", "publisher_name"])
        writer.writerow([url, "CCTV"])
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_archive", "--csv", str(path), stdout=out, stderr=err)
    except Exception as error:  # a CommandError for the failed row is fine
        err.write(str(error))
    assert not MediaItem.objects.exists()


INTAKES = {
    "media": media_by_url,
    "imports": claimreview_import,
    "webhooks": webhook_subscription,
    "image-search": image_search,
}


@pytest.mark.parametrize("intake", INTAKES)
@pytest.mark.parametrize("url", UNSAFE)
def test_unsafe_urls_are_refused(intake, url):
    INTAKES[intake](url)


@pytest.mark.parametrize("url", UNSAFE)
def test_unsafe_urls_are_refused_by_the_archive_import(url, tmp_path):
    archive_csv(url, tmp_path)


@pytest.mark.parametrize("intake", ["media", "imports", "image-search"])
def test_a_redirect_to_the_metadata_address_is_not_followed(intake, redirect_to_metadata):
    INTAKES[intake](redirect_to_metadata)


def test_a_redirect_to_the_metadata_address_is_not_followed_by_the_archive_import(
    redirect_to_metadata, tmp_path
):
    archive_csv(redirect_to_metadata, tmp_path)
