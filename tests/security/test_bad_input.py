"""Bad input that used to answer 500: each gets a clear 4xx (or, for a database that is down,
a 503 to retry), and nothing stored is lost or half-written."""

import http.client
import json
import logging
import threading
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client

from claims.models import Claim, Rating
from core.api.exceptions import exception_handler
from core.services.api_keys import api_key_create
from factchecktools.errors import translate
from imports.models import ImportJob
from imports.services import import_job_create, import_job_run
from media.models import MediaItem
from media.services import media as media_services
from tests.api.conftest import client_for
from tests.factories import ClaimFactory, RatingFactory, VerdictFactory, editor, jpeg_bytes
from tests.imports.factories import feed_bytes, newsroom_scale
from tests.security.gunicorn_server import gunicorn

pytestmark = pytest.mark.django_db


def unique_words(count: int) -> str:
    """Text whose tsvector is far over PostgreSQL's 1 MB: every word is a new lexeme."""
    return " ".join(f"w{n}" for n in range(count))


HUGE = unique_words(200_000)  # 1.3 MB of text, a 2.5 MB tsvector


@pytest.fixture
def big_bodies(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024


# Text over the tsvector limit


def test_a_claim_over_the_search_index_limit_is_stored_and_found(big_bodies):
    client = client_for("fact-checker")
    response = client.post("/api/v1/claims/", {"text": HUGE, "language": "en"}, format="json")
    assert response.status_code == 201, response.content[:500]
    claim = Claim.objects.get(pk=response.json()["id"])
    assert claim.text == HUGE  # the text is whole; only its index is capped
    found = client.get("/api/v1/claims/?q=w12345")
    assert [row["id"] for row in found.json()["results"]] == [claim.pk]


def test_a_claim_edit_over_the_search_index_limit_is_saved(big_bodies):
    client = client_for("fact-checker")
    claim = ClaimFactory()
    url = f"/api/v1/claims/{claim.pk}/"
    etag = client.get(url)["ETag"]
    response = client.patch(url, {"text": HUGE}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content[:500]


def test_a_verdict_over_the_search_index_limit_is_stored(big_bodies):
    verdict = VerdictFactory()
    client = client_for("fact-checker")
    url = f"/api/v1/verdicts/{verdict.pk}/"
    etag = client.get(url)["ETag"]
    response = client.patch(url, {"summary": HUGE}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content[:500]


def test_an_import_record_over_the_search_index_limit_fails_neither_its_batch_nor_resume(
    settings,
):
    settings.IMPORTS_BATCH_SIZE = 500
    newsroom_scale()
    reviews = json.loads(feed_bytes(3))
    reviews["dataFeedElement"][1]["item"]["claimReviewed"] = HUGE
    job = import_job_create(
        requested_by=None, file=ContentFile(json.dumps(reviews).encode(), name="f.json")
    )
    job = import_job_run(job_id=job.pk)
    assert (job.status, job.created_count, job.rejected_count) == (
        ImportJob.Status.SUCCEEDED,
        3,
        0,
    )


# Malformed JSON


@pytest.mark.parametrize(
    "body",
    [
        "[" * 1000 + "]" * 1000,
        '{"text": ' + "[" * 5000 + "]" * 5000 + ', "language": "en"}',
        '{"text": "a", "language": "en", "extra": ' + '{"a": ' * 200 + "1" + "}" * 200 + "}",
    ],
    ids=["array-1000", "value-5000", "object-200"],
)
def test_deeply_nested_json_is_400(body):
    response = client_for("fact-checker").post(
        "/api/v1/claims/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    "body",
    [
        '{"\\ud800": 1, "text": "A claim", "language": "en"}',
        '{"text": "A claim \\udfff", "language": "en"}',
        '{"text": "A claim", "language": "en", "topics": ["\\ud83d"]}',
    ],
    ids=["key", "value", "nested"],
)
def test_a_lone_surrogate_in_json_is_400(body):
    response = client_for("fact-checker").post(
        "/api/v1/claims/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "parse_error"
    assert not Claim.objects.exists()


def test_a_lone_surrogate_in_fact_check_tools_json_is_google_400():
    _, key = api_key_create(owner=editor(), name="cms", created_by=None)
    response = Client().post(
        "/v1alpha1/pages",
        '{"\\ud800": 1}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


# A body whose length is not given


@pytest.mark.parametrize("path", ["/api/v1/claims/", "/v1alpha1/pages", "/admin/login/"])
def test_a_chunked_body_is_refused_with_411(path):
    response = Client().generic(
        "POST", path, b"", content_type="application/json", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert response.status_code == 411


# Identical uploads at the same instant


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_identical_uploads_at_once_both_answer_with_the_one_item(monkeypatch):
    probe = media_services.media_probe

    def slow_probe(stream):
        # Holds each upload between its check for the bytes and its insert.
        time.sleep(0.5)
        return probe(stream)

    monkeypatch.setattr(media_services, "media_probe", slow_probe)
    data = jpeg_bytes((50, 40), (9, 90, 200))
    answers = []

    def upload():
        try:
            file = SimpleUploadedFile("same.jpg", data, "image/jpeg")
            client = client_for("fact-checker")
            answers.append(client.post("/api/v1/media/", {"file": file}, format="multipart"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
        # The second looks for the bytes before the first has committed them, and validates
        # its row after.
        time.sleep(0.25)
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 201], [a.content for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert MediaItem.objects.count() == 1


# The database down


@pytest.fixture
def database_down():
    """The default connection pointed at a port where nothing listens."""
    connection.close()
    port = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = "1"
    yield
    connection.close()
    connection.settings_dict["PORT"] = port


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/api/v1/claims/", "api"),
        ("/v1alpha1/claims:search?query=x&key=fck_some_key", "google"),
        ("/fact-checks/", "page"),
    ],
)
def test_the_database_down_is_503_with_retry_after(database_down, path, shape):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 503, response.content[:300]
    assert int(response["Retry-After"]) > 0
    if shape == "api":
        assert response.json()["code"] == "unavailable"
    elif shape == "google":
        assert response.json()["error"]["status"] == "UNAVAILABLE"


# Integrity errors: a conflict only when it is a constraint we name


def _integrity_error(statement) -> IntegrityError:
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        statement()
    return raised.value


def test_a_named_unique_constraint_is_a_409():
    rating = RatingFactory(label="False", value=1)
    error = _integrity_error(
        lambda: Rating.objects.bulk_create([Rating(scale=rating.scale, label="False", value=2)])
    )
    assert exception_handler(error, {}).status_code == 409
    assert translate(error).status == "ABORTED"


def test_any_other_integrity_error_is_a_logged_500(caplog):
    # A check that validation exists to catch: hitting it is a bug, not a conflict.
    error = _integrity_error(lambda: Claim.objects.bulk_create([Claim(text="", language="en")]))
    assert exception_handler(error, {}) is None  # DRF re-raises: Django logs it, answers 500
    with caplog.at_level(logging.ERROR):
        assert translate(error).status == "INTERNAL"
    assert caplog.records


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_chunked_body_is_refused_with_411_by_live_gunicorn(tmp_path):
    _, key = api_key_create(owner=editor(), name="desk", created_by=None)
    with gunicorn(tmp_path, args=("--workers", "1")) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.putrequest("POST", "/api/v1/claims/")
        connection.putheader("Authorization", f"Bearer {key}")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        body = b'{"text": "A claim sent in chunks", "language": "en"}'
        connection.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        response = connection.getresponse()
        assert response.status == 411, response.read()
        assert json.loads(response.read())["code"] == "length_required"
    assert not Claim.objects.exists()
