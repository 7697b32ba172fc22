"""A fetch that cannot succeed by asking again fails at once with the reason: too many
redirects, a TLS certificate that does not verify. Only what may pass (a timeout, a refused
connection, a 5xx) is retried."""

import shutil
import socket
import ssl
import subprocess
import threading

import pytest

from imports.models import ImportJob
from imports.services import import_job_create
from imports.tasks import run_import_job
from media.models import MediaItem, MediaJob
from media.services.media import media_item_request_url
from media.tasks import fetch_media_item
from tests.claims.conftest import Route, media_server  # noqa: F401
from tests.imports.conftest import Route as SourceRoute
from tests.imports.conftest import source_server  # noqa: F401
from tests.imports.factories import newsroom_scale

pytestmark = pytest.mark.django_db


@pytest.fixture
def tls_server(tmp_path, settings):
    """An https server on 127.0.0.1 whose certificate is self-signed: it never verifies.
    Counts the handshakes tried."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    settings.IMPORTS_ALLOW_LOOPBACK = True
    settings.MEDIA_FETCH_ALLOW_LOOPBACK = True
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    handshakes = []

    def serve():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            handshakes.append(1)
            try:
                context.wrap_socket(connection, server_side=True).close()
            except (ssl.SSLError, OSError):
                connection.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}/feed.json", handshakes
    listener.close()


def _redirect_loop(routes, route_class, hops: int = 7) -> None:
    for n in range(hops):
        routes[f"/loop{n}"] = route_class(status=302, headers={"Location": f"/loop{n + 1}"})


def test_an_import_behind_too_many_redirects_fails_at_once(source_server):  # noqa: F811
    newsroom_scale()
    _redirect_loop(source_server.routes, SourceRoute)
    job = import_job_create(requested_by=None, url=source_server.url("/loop0"))

    run_import_job.apply(args=[job.pk])

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "More than 5 redirects" in job.error
    assert len(source_server.requests) == 6  # one run: the URL and five redirects


def test_an_import_with_a_bad_certificate_fails_at_once(tls_server):
    newsroom_scale()
    url, handshakes = tls_server
    job = import_job_create(requested_by=None, url=url)

    run_import_job.apply(args=[job.pk])

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "CERTIFICATE_VERIFY_FAILED" in job.error
    assert len(handshakes) == 1


def test_media_with_a_bad_certificate_fails_at_once(tls_server, settings):
    url, handshakes = tls_server
    item = media_item_request_url(actor=None, url=url)

    # Once: a permanent error is not retried, whatever attempts are left.
    fetch_media_item.apply(args=[item.jobs.get(kind=MediaJob.Kind.FETCH).pk])

    item.refresh_from_db()
    assert item.status == MediaItem.Status.FAILED
    assert "CERTIFICATE_VERIFY_FAILED" in item.failure_reason
    assert len(handshakes) == 1


def test_media_behind_too_many_redirects_fails_at_once(media_server):  # noqa: F811
    _redirect_loop(media_server.routes, Route)
    item = media_item_request_url(actor=None, url=media_server.url("/loop0"))

    # Once: a permanent error is not retried, whatever attempts are left.
    fetch_media_item.apply(args=[item.jobs.get(kind=MediaJob.Kind.FETCH).pk])

    item.refresh_from_db()
    assert item.status == MediaItem.Status.FAILED
    assert item.failure_reason == "More than 5 redirects."
