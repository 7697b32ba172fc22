"""The imports API: editors import, the newsroom follows, nobody else sees a thing."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import RatingScale, Verdict
from imports.models import ImportJob
from imports.services import import_job_create, import_job_run
from tests.api.conftest import client_for
from tests.factories import editor
from tests.imports.factories import claim_review, data_feed, feed_bytes, feed_item, page

pytestmark = pytest.mark.usefixtures("scale")

ROLES = ["anonymous", "consumer", "fact-checker", "editor"]
FEED_URL = "https://checks.example.com/claimreview-feed.json"


def json_bytes(document) -> bytes:
    return json.dumps(document).encode()


def upload(data: bytes, name: str = "feed.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/json")


def finished_job(data: bytes | None = None) -> ImportJob:
    job = import_job_create(
        requested_by=editor(), file=upload(data or feed_bytes(3)), file_name="feed.json"
    )
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(("role", "expected"), list(zip(ROLES, [403, 403, 403, 202], strict=True)))
def test_only_editors_import(role, expected):
    response = client_for(role).post("/api/v1/imports/", {"url": FEED_URL}, format="json")

    assert response.status_code == expected, response.content
    assert ImportJob.objects.count() == (expected == 202)
    if expected == 403:
        assert response.json()["code"] in ("permission_denied", "not_authenticated")


def test_a_url_import_answers_202_with_the_queued_job(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for("editor").post("/api/v1/imports/", {"url": FEED_URL}, format="json")

    assert response.status_code == 202
    body = response.json()
    job = ImportJob.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/imports/{job.pk}/"
    assert response["ETag"]
    assert body | {"created_at": None} == {
        "id": job.pk,
        "source_kind": "url",
        "source_url": FEED_URL,
        "file_name": "",
        "page_url": "",
        "final_url": "",
        "format": "",
        "status": "queued",
        "progress": 0,
        "records_total": None,
        "records_done": 0,
        "created_count": 0,
        "updated_count": 0,
        "unchanged_count": 0,
        "rejected_count": 0,
        "rejected_by_code": {},
        "rejects": f"http://testserver/api/v1/imports/{job.pk}/rejects/",
        "warned_count": 0,
        "warnings_by_code": {},
        "warnings": f"http://testserver/api/v1/imports/{job.pk}/warnings/",
        "error_code": "",
        "error": "",
        "attempts": 0,
        "requested_by": job.requested_by.username,
        "created_at": None,
        "started_at": None,
        "heartbeat_at": None,
        "finished_at": None,
    }
    assert len(callbacks) == 1  # the task, sent once the job is committed


def test_a_file_import_answers_202():
    response = client_for("editor").post(
        "/api/v1/imports/", {"file": upload(feed_bytes(2), "their feed.json")}, format="multipart"
    )

    assert response.status_code == 202, response.content
    assert (response.json()["source_kind"], response.json()["file_name"]) == (
        "file",
        "their feed.json",
    )


def test_a_saved_page_is_imported_with_the_address_it_was_saved_from():
    html = page(claim_review(url="/fact-check/relative-3"))

    response = client_for("editor").post(
        "/api/v1/imports/",
        {
            "file": upload(html, "saved.html"),
            "page_url": "https://checks.example.com/fact-check/saved",
        },
        format="multipart",
    )

    assert response.status_code == 202, response.content
    assert response.json()["page_url"] == "https://checks.example.com/fact-check/saved"
    job = ImportJob.objects.get()
    import_job_run(job_id=job.pk)
    assert Verdict.objects.get().review_url == "https://checks.example.com/fact-check/relative-3"


def test_the_warnings_of_a_job_in_its_output_and_by_code():
    elements = [
        feed_item(claim_review(1, context=False, datePublished=None)),
        feed_item(claim_review(2, context=False, inLanguage="Klingon")),
    ]
    job = finished_job(json_bytes(data_feed(elements)))
    client = client_for("fact-checker")

    detail = client.get(f"/api/v1/imports/{job.pk}/").json()
    everything = client.get(detail["warnings"]).json()
    by_code = client.get(detail["warnings"] + "?code=invalid_language").json()

    assert (detail["warned_count"], detail["warnings_by_code"]) == (
        2,
        {"date_from_other_property": 1, "invalid_language": 1, "language_detected": 1},
    )
    assert [(w["index"], w["code"]) for w in everything["results"]] == [
        (0, "date_from_other_property"),
        (1, "invalid_language"),
        (1, "language_detected"),
    ]
    assert by_code["results"] == [
        {
            "index": 1,
            "location": "$.dataFeedElement[1].item",
            "review_url": "https://checks.example.com/fact-check/2",
            "code": "invalid_language",
            "message": 'inLanguage "Klingon" is not a BCP-47 language tag; it was left out.',
        }
    ]
    assert client_for("consumer").get(detail["warnings"]).status_code == 404


@pytest.mark.parametrize(
    ("body", "form", "status", "code"),
    [
        ({}, "json", 400, "validation_error"),
        (
            {"url": FEED_URL, "page_url": "https://checks.example.com/"},
            "json",
            400,
            "validation_error",
        ),
        ({"file": upload(b"{}"), "page_url": "not a url"}, "multipart", 400, "validation_error"),
        ({"url": FEED_URL, "file": upload(b"{}")}, "multipart", 400, "validation_error"),
        ({"url": FEED_URL, "feed": True}, "json", 400, "validation_error"),
        ({"url": 5}, "json", 400, "validation_error"),
        ({"url": "ftp://checks.example.com/feed"}, "json", 400, "validation_error"),
        ({"url": "not a url"}, "json", 400, "validation_error"),
        ({"url": "http://127.0.0.1:5432/"}, "json", 400, "unsafe_url"),
        ({"url": "http://169.254.169.254/latest/meta-data/"}, "json", 400, "unsafe_url"),
        ({"url": "x" * 3000}, "json", 400, "validation_error"),
        ({"file": upload(b"")}, "multipart", 400, "empty_source"),
        ({"file": upload(b"\x89PNG\r\n\x1a\n....")}, "multipart", 415, "unsupported_format"),
        ({"file": "not a file"}, "multipart", 400, "validation_error"),
    ],
)
def test_bad_input_is_a_clear_4xx(body, form, status, code):
    response = client_for("editor").post("/api/v1/imports/", body, format=form)

    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert set(response.json()) == {"code", "message", "details"}
    assert not ImportJob.objects.exists()


def test_a_file_or_a_url_is_required():
    response = client_for("editor").post("/api/v1/imports/", {}, format="json")

    assert response.json()["details"] == {
        "non_field_errors": [
            {"code": "file_or_url_required", "message": "Send either a file or a url."}
        ]
    }


def test_bad_url_errors_name_the_field():
    response = client_for("editor").post(
        "/api/v1/imports/", {"url": "ftp://checks.example.com/feed"}, format="json"
    )

    assert response.json()["details"] == {
        "url": [{"code": "invalid_url", "message": "Enter an http(s) URL."}]
    }


def test_malformed_json_is_a_400():
    response = client_for("editor").post(
        "/api/v1/imports/", data=b'{"url": ', content_type="application/json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "parse_error")


def test_a_file_over_the_limit_is_413(settings):
    settings.IMPORTS_MAX_BYTES = 1000

    small = client_for("editor").post(
        "/api/v1/imports/", {"file": upload(feed_bytes(3))}, format="multipart"
    )
    settings.IMPORTS_MAX_BYTES = 100
    large = client_for("editor").post(
        "/api/v1/imports/", {"file": upload(feed_bytes(300))}, format="multipart"
    )

    assert (small.status_code, small.json()["code"]) == (413, "payload_too_large")
    assert (large.status_code, large.json()["code"]) == (413, "payload_too_large")


def test_without_our_scale_importing_is_a_409():
    RatingScale.objects.update(name="Something else")

    response = client_for("editor").post("/api/v1/imports/", {"url": FEED_URL}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "no_rating_scale")


@pytest.mark.parametrize(
    ("role", "visible"), list(zip(ROLES, [False, False, True, True], strict=True))
)
def test_the_newsroom_follows_imports_and_nobody_else_sees_them(role, visible):
    job = finished_job()
    client = client_for(role)

    listed = client.get("/api/v1/imports/")
    detail = client.get(f"/api/v1/imports/{job.pk}/")
    rejects = client.get(f"/api/v1/imports/{job.pk}/rejects/")

    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == ([job.pk] if visible else [])
    assert detail.status_code == (200 if visible else 404)
    assert rejects.status_code == (200 if visible else 404)


def test_a_finished_job_shows_its_counts_and_progress():
    job = finished_job()

    body = client_for("fact-checker").get(f"/api/v1/imports/{job.pk}/").json()

    assert {key: body[key] for key in ("status", "progress", "records_total", "created_count")} == {
        "status": "succeeded",
        "progress": 100,
        "records_total": 3,
        "created_count": 3,
    }
    assert body["format"] == "data_feed"


def test_a_job_answers_304_until_it_moves():
    job = finished_job()
    client = client_for("editor")
    etag = client.get(f"/api/v1/imports/{job.pk}/")["ETag"]

    assert client.get(f"/api/v1/imports/{job.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_rejects_in_source_order_by_reason():
    elements = [feed_item(claim_review(n, context=False)) for n in range(1, 4)]
    elements += [{"@type": "Thing"}, feed_item(claim_review(9, context=False, url="no"))]
    elements += [{"@type": "Thing"}]
    job = finished_job(json_bytes(data_feed(elements)))
    client = client_for("editor")

    everything = client.get(f"/api/v1/imports/{job.pk}/rejects/").json()
    by_code = client.get(f"/api/v1/imports/{job.pk}/rejects/?code=not_a_claim_review").json()
    paged = client.get(f"/api/v1/imports/{job.pk}/rejects/?page_size=2").json()

    assert [(r["index"], r["code"]) for r in everything["results"]] == [
        (3, "not_a_claim_review"),
        (4, "invalid_url"),
        (5, "not_a_claim_review"),
    ]
    assert everything["results"][1] == {
        "index": 4,
        "location": "$.dataFeedElement[4].item",
        "review_url": "",
        "code": "invalid_url",
        "message": 'The review url "no" is not an http(s) URL. It is relative: give the '
        "address of the page it is from (page_url).",
    }
    assert [r["index"] for r in by_code["results"]] == [3, 5]
    following = client.get(paged["next"]).json()
    assert [r["index"] for r in paged["results"] + following["results"]] == [3, 4, 5]


def test_resume_is_for_editors_and_for_unfinished_jobs():
    failed = import_job_create(
        requested_by=None, file=upload(b'{"broken": '), file_name="broken.json"
    )
    import_job_run(job_id=failed.pk)
    done = finished_job()

    refused = client_for("fact-checker").post(f"/api/v1/imports/{failed.pk}/resume/")
    resumed = client_for("editor").post(f"/api/v1/imports/{failed.pk}/resume/")
    finished = client_for("editor").post(f"/api/v1/imports/{done.pk}/resume/")
    hidden = client_for("consumer").post(f"/api/v1/imports/{failed.pk}/resume/")

    assert refused.status_code == 403
    assert (resumed.status_code, resumed.json()["status"]) == (202, "queued")
    assert (finished.status_code, finished.json()["code"]) == (409, "invalid_transition")
    assert hidden.status_code == 404


def test_imports_cannot_be_edited_or_deleted():
    job = finished_job()
    client = client_for("editor")

    assert client.patch(f"/api/v1/imports/{job.pk}/", {}, format="json").status_code == 405
    assert client.delete(f"/api/v1/imports/{job.pk}/").status_code == 405


def test_the_list_costs_the_same_queries_for_one_job_and_for_many():
    client = client_for("editor")
    client.get("/api/v1/imports/")  # the role lookup is cached after the first request
    finished_job()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/imports/?page_size=50").status_code == 200
        return len(captured)

    one = queries()
    for _ in range(4):
        finished_job()
    assert queries() == one


def test_imported_verdicts_are_found_by_the_public_verdict_search():
    finished_job(json_bytes([claim_review(1, claimReviewed="The moon is made of green cheese")]))

    response = client_for("anonymous").get("/api/v1/verdicts/?q=cheese")

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["publisher"]["site"] == "checks.example.com"
    assert row["id"] == Verdict.objects.get().pk


def test_the_schema_documents_the_imports_api():
    schema = client_for("anonymous").get("/api/v1/schema/?format=json").json()

    assert {"/api/v1/imports/", "/api/v1/imports/{id}/", "/api/v1/imports/{id}/rejects/"} <= set(
        schema["paths"]
    )
    assert "202" in schema["paths"]["/api/v1/imports/"]["post"]["responses"]
