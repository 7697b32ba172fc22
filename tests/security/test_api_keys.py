"""API keys never reach a log, and are never echoed back: every spelling of the `key` query
parameter that authenticates, in the request line, the query string and the Referer, in
gunicorn's access and error logs; and never in `next` links or the browsable API."""

import contextlib
import socket
import threading
import urllib.request

import pytest
from django.utils import timezone

from claims.models import Verdict
from core.redaction import redact
from core.services.api_keys import api_key_create
from tests.factories import PublisherFactory, RatingFactory, UserFactory, VerdictFactory
from tests.security.gunicorn_server import gunicorn

SECRET = "fck_SECRET0123456789"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET /v1alpha1/claims:search?query=x&key={SECRET} HTTP/1.1", "key=[redacted]"),
        (f"GET /v1alpha1/claims:search?%6Bey={SECRET} HTTP/1.1", "%6Bey=[redacted]"),
        (f"GET /v1alpha1/claims:search?k%65%79={SECRET}&q=1 HTTP/1.1", "k%65%79=[redacted]"),
        (f"GET /api/v1/claims/?KEY={SECRET} HTTP/1.1", "KEY=[redacted]"),
        (f"key={SECRET}", "key=[redacted]"),
        (f"https://factcheck.example.org/v1alpha1/pages?%6b%65y={SECRET}", "=[redacted]"),
    ],
)
def test_every_spelling_of_the_key_is_redacted(line, expected):
    assert SECRET not in redact(line)
    assert expected in redact(line)


def test_other_parameters_are_left_alone():
    assert redact("GET /?monkey=1&q=key HTTP/1.1") == "GET /?monkey=1&q=key HTTP/1.1"


@pytest.fixture
def consumer_key(db) -> str:
    return api_key_create(owner=UserFactory(), name="partner", created_by=None)[1]


@pytest.fixture
def two_public_claims(db):
    ours = PublisherFactory(is_self=True)
    rating = RatingFactory()
    for _ in range(2):
        VerdictFactory(
            publisher=ours,
            rating=rating,
            status=Verdict.Status.PUBLISHED,
            published_at=timezone.now(),
        )


@pytest.mark.parametrize("name", ["key", "%6Bey"])
def test_next_links_carry_no_key(client, consumer_key, two_public_claims, name, settings):
    settings.API_RATE_LIMITS = {}
    response = client.get(f"/api/v1/claims/?page_size=1&{name}={consumer_key}")
    assert response.status_code == 200
    assert response.json()["next"]
    assert consumer_key not in response.content.decode()


def test_the_browsable_api_is_not_offered_to_a_key_in_the_url(client, consumer_key, settings):
    settings.API_RATE_LIMITS = {}
    response = client.get(f"/api/v1/topics/?key={consumer_key}", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert consumer_key not in response.content.decode()


@pytest.fixture
def silent_server():
    """Accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []

    def accept():
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/picture.jpg"
    listener.close()
    for connection in held:
        connection.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_gunicorn_logs_carry_no_key_when_it_aborts_a_request(tmp_path, silent_server):
    _, key = api_key_create(owner=UserFactory(), name="partner", created_by=None)
    env = {
        "FACTCHECK_MEDIA_FETCH_ALLOW_LOOPBACK": "true",
        # Longer than gunicorn's timeout: gunicorn aborts the request, as it did in production.
        "FACTCHECK_WEB_FETCH_TIMEOUT_SECONDS": "30",
        "API_RATE_CONSUMER": "1000/min",
    }
    with gunicorn(tmp_path, args=("--workers", "1", "--timeout", "2"), env=env) as server:
        request = urllib.request.Request(
            server.url(f"/v1alpha1/claims:imageSearch?imageUri={silent_server}&key={key}"),
            headers={"Referer": f"https://partner.example/search?%6Bey={key}"},
        )
        # The worker is killed: gunicorn's own 500, or no answer at all.
        with contextlib.suppress(OSError):
            urllib.request.urlopen(request, timeout=20)
        # The next worker answers, and logs the request line with a differently spelled key.
        urllib.request.urlopen(server.url(f"/healthz?%6Bey={key}"), timeout=20)
        error_log = server.error_log.read_text()
        access_log = server.access_log.read_text()
    assert "WORKER TIMEOUT" in error_log
    assert "claims:imageSearch" in error_log  # the aborted request's line was logged ...
    assert key not in error_log  # ... without the key
    assert "/healthz" in access_log
    assert key not in access_log
