"""Every 4xx has one JSON shape; bad input of every kind is a 400 (or 413), never a 500."""

import json

import pytest

from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def checker():
    return client_for("fact-checker")


def test_error_shape_is_pinned(checker):
    response = checker.post(
        "/api/v1/claims/",
        {"text": "", "language": "English", "topics": ["no-such-topic"], "extra": 1},
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["message"].startswith("Invalid input: ")
    assert body["details"] == {
        "extra": [{"code": "unknown_field", "message": "Unknown field."}],
    }


def test_field_errors_have_codes_and_paths(checker):
    response = checker.post(
        "/api/v1/claims/",
        {"text": "A claim", "language": "en", "appearances": [{"url": "https://x.com/1"}, {}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["details"] == {
        "appearances.1.url": [{"code": "required", "message": "This field is required."}]
    }


def test_model_validation_errors_use_the_same_shape(checker):
    response = checker.post(
        "/api/v1/claims/",
        {"text": "A claim", "language": "Klingon", "appearances": [{"url": "ftp://x.org/v"}]},
        format="json",
    )
    assert response.status_code == 400
    details = response.json()["details"]
    assert details["language"][0]["code"] == "invalid_language"


@pytest.mark.parametrize(
    "body",
    [
        {"text": 5, "language": "en"},
        {"text": ["a"], "language": "en"},
        {"text": "A claim", "language": "en", "claim_date": "yesterday"},
        {"text": "A claim", "language": "en", "status": "maybe"},
        {"text": "A claim", "language": "en", "duplicate_of": "abc"},
        {"text": "A claim", "language": "en", "duplicate_of": 10**30},
        {"text": "A claim", "language": "en", "appearances": "not a list"},
        {
            "text": "A claim",
            "language": "en",
            "appearances": [{"url": "https://x.com", "posted_at": "soon"}],
        },
        {"text": "A claim", "language": "en", "first_seen_at": "2024-13-45T99:00:00Z"},
        [],
        "just a string",
    ],
)
def test_wrong_types_are_400(checker, body):
    response = checker.post("/api/v1/claims/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"


def test_malformed_json_is_400(checker):
    response = checker.post("/api/v1/claims/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_oversized_body_is_413(checker, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"text": "x" * 5000, "language": "en"})
    response = checker.post("/api/v1/claims/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_unsupported_media_type_is_415(checker):
    response = checker.post("/api/v1/claims/", "text=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "query",
    [
        "cursor=not-a-cursor",
        "cursor=cD0yMDI0",
        "page_size=0",
        "page_size=abc",
        "claim_date_after=31/12/2024",
        "published_before=tomorrow",
        "status=maybe",
        "platform=myspace",
        "ordering=text",
        "q=" + "x" * 400,
    ],
)
def test_bad_query_parameters_are_400(query):
    response = client_for("anonymous").get(f"/api/v1/claims/?{query}")
    if query.startswith("ordering="):
        # Unknown orderings are ignored by DRF's OrderingFilter, not an error.
        assert response.status_code == 200
        return
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"code", "message", "details"}


def test_bad_cursor_has_its_own_code():
    response = client_for("anonymous").get("/api/v1/verdicts/?cursor=%%%")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("path", ["/api/v1/claims/abc/", "/api/v1/claims/99999999999999999999/"])
def test_bad_ids_are_404(path):
    response = client_for("editor").get(path)
    assert response.status_code == 404


def test_bad_id_filters_are_400():
    response = client_for("editor").get("/api/v1/evidence/?claim=99999999999999999999999")
    assert response.status_code == 400
