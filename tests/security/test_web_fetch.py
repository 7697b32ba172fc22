"""A fetch made for a web request (claims:imageSearch) has a total deadline well under
gunicorn's worker timeout, answers Google's error JSON when it expires, and a web process runs
no more of them at once than WEB_FETCHES_PER_PROCESS: a slow or silent `imageUri` can no longer
hold workers until gunicorn kills them, nor keep /healthz from answering."""

import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.db import connections
from django.test import Client

from core.services.api_keys import api_key_create
from tests.claims.conftest import Route, media_server  # noqa: F401
from tests.factories import UserFactory
from tests.security.gunicorn_server import gunicorn


@pytest.fixture
def silent_url(settings):
    """A URL on 127.0.0.1 whose server accepts connections and never answers."""
    settings.MEDIA_FETCH_ALLOW_LOOPBACK = True
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
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


def image_search(key: str, image_uri: str):
    return Client().get(
        "/v1alpha1/claims:imageSearch", {"imageUri": image_uri}, HTTP_AUTHORIZATION=f"Bearer {key}"
    )


@pytest.fixture
def key(db, settings):
    settings.API_RATE_LIMITS = {}
    # Bounds a run without the deadline (before the fix) to a few seconds.
    settings.MEDIA_FETCH_READ_TIMEOUT_SECONDS = 4
    settings.WEB_FETCH_TIMEOUT_SECONDS = 1
    return api_key_create(owner=UserFactory(), name="partner", created_by=None)[1]


def test_a_silent_image_uri_answers_deadline_exceeded_in_time(key, silent_url):
    started = time.monotonic()
    response = image_search(key, silent_url)
    assert time.monotonic() - started < 2.5
    assert response.status_code == 504, response.content
    assert response.json()["error"]["status"] == "DEADLINE_EXCEEDED"


def test_a_slow_body_behind_redirects_meets_one_deadline(key, media_server):  # noqa: F811
    media_server.routes["/a"] = Route(status=302, headers={"Location": "/b"})
    media_server.routes["/b"] = Route(status=302, headers={"Location": "/slow.jpg"})
    media_server.routes["/slow.jpg"] = Route(body=b"\xff" * 20 * 1024, pause=0.3)
    started = time.monotonic()
    response = image_search(key, media_server.url("/a"))
    assert time.monotonic() - started < 2.5
    assert response.json()["error"]["status"] == "DEADLINE_EXCEEDED"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_process_runs_no_more_fetches_at_once_than_allowed(key, silent_url, settings):
    settings.WEB_FETCH_TIMEOUT_SECONDS = 3
    settings.WEB_FETCHES_PER_PROCESS = 1

    def search_elsewhere():
        # A thread's database connection outlives it unless closed: the test database could
        # not be dropped at the end of the run ("being accessed by other users").
        try:
            image_search(key, silent_url)
        finally:
            connections.close_all()

    first = threading.Thread(target=search_elsewhere)
    first.start()
    time.sleep(0.5)  # the first is waiting for its answer
    started = time.monotonic()
    response = image_search(key, silent_url)
    assert time.monotonic() - started < 1
    assert response.status_code == 503, response.content
    assert response.json()["error"]["status"] == "UNAVAILABLE"
    assert int(response["Retry-After"]) >= 1
    first.join()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_live_gunicorn_stays_up_while_image_uris_hang(tmp_path, silent_url):
    _, key = api_key_create(owner=UserFactory(), name="partner", created_by=None)
    env = {
        "FACTCHECK_MEDIA_FETCH_ALLOW_LOOPBACK": "true",
        "FACTCHECK_WEB_FETCH_TIMEOUT_SECONDS": "2",
        "API_RATE_CONSUMER": "1000/min",
    }
    # As `./dev run` serves: 2 workers, gunicorn's default 30 s timeout.
    with gunicorn(tmp_path, args=("--workers", "2"), env=env) as server:
        url = server.url(f"/v1alpha1/claims:imageSearch?imageUri={silent_url}&key={key}")
        answers: list[tuple[int, str]] = []

        def search():
            try:
                with urllib.request.urlopen(url, timeout=40) as answer:
                    answers.append((answer.status, answer.read().decode()))
            except urllib.error.HTTPError as error:
                answers.append((error.code, error.read().decode()))

        searches = [threading.Thread(target=search) for _ in range(2)]
        for thread in searches:
            thread.start()
        time.sleep(0.5)
        started = time.monotonic()
        urllib.request.urlopen(server.url("/healthz"), timeout=40)
        healthz_seconds = time.monotonic() - started
        for thread in searches:
            thread.join()
    assert healthz_seconds < 3
    assert [status for status, _ in answers] == [504, 504]
    assert all('"DEADLINE_EXCEEDED"' in body for _, body in answers)
