"""The pieces without a request: error translation, field selections, page URLs."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError

from core.exceptions import InvalidTransition
from factchecktools import fields
from factchecktools.errors import GoogleApiError, translate
from factchecktools.services import MarkupInvalid, canonical_page_url


@pytest.mark.parametrize(
    ("exc", "http_status", "status"),
    [
        (ProtectedError("in use", set()), 400, "FAILED_PRECONDITION"),
        # A conflict only names one of our uniqueness constraints (tests/security/
        # test_bad_input.py); an integrity error without one is a bug.
        (IntegrityError("duplicate key"), 500, "INTERNAL"),
        (DataError("value too long"), 400, "INVALID_ARGUMENT"),
        (KeyError("surprise"), 500, "INTERNAL"),
    ],
)
def test_database_and_unexpected_errors_translate_to_canonical_codes(exc, http_status, status):
    error = translate(exc)

    assert (error.http_status, error.status) == (http_status, status)


def test_model_validation_errors_name_their_fields():
    error = translate(ValidationError({"url": ["Enter a valid URL."], "__all__": ["Clash."]}))

    assert error.body()["error"]["details"][0]["fieldViolations"] == [
        {"field": "url", "description": "Enter a valid URL."},
        {"description": "Clash."},
    ]


def test_a_state_conflict_is_a_failed_precondition_about_its_field():
    error = translate(InvalidTransition("Published.", extra={"field": "page.claim_date"}))

    assert error.body() == {
        "error": {
            "code": 400,
            "message": "Published.",
            "status": "FAILED_PRECONDITION",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.PreconditionFailure",
                    "violations": [
                        {"type": "STATE", "description": "Published.", "subject": "page.claim_date"}
                    ],
                }
            ],
        }
    }


def test_a_google_error_passes_through():
    error = GoogleApiError("NOT_FOUND", "Gone.")

    assert translate(error) is error
    assert error.http_status == 404


DATA = {
    "claims": [
        {"text": "a", "claimant": "x", "claimReview": [{"url": "u", "publisher": {"site": "s"}}]},
        {"text": "b", "claimReview": []},
    ],
    "nextPageToken": "t",
}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("nextPageToken", {"nextPageToken": "t"}),
        ("claims/text", {"claims": [{"text": "a"}, {"text": "b"}]}),
        (
            "claims(text,claimReview/publisher/site)",
            {
                "claims": [
                    {"text": "a", "claimReview": [{"publisher": {"site": "s"}}]},
                    {"text": "b", "claimReview": []},
                ]
            },
        ),
        # A whole member and a part of it: the whole member.
        ("claims/text,claims", {"claims": DATA["claims"]}),
        (
            "claims(claimReview(*))",
            {"claims": [{"claimReview": DATA["claims"][0]["claimReview"]}, {"claimReview": []}]},
        ),
        ("unknown", {}),
    ],
)
def test_fields_select_members(spec, expected):
    assert fields.select(DATA, fields.parse(spec)) == expected


@pytest.mark.parametrize("spec", ["", "claims(", "claims)", "claims(text", ",", "a//b", "a(b))"])
def test_malformed_field_selections_are_invalid_arguments(spec):
    with pytest.raises(GoogleApiError) as raised:
        fields.parse(spec)

    assert raised.value.status == "INVALID_ARGUMENT"


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://FactCheck.AFP.com:443/Doc?id=1#part", "https://factcheck.afp.com/Doc?id=1"),
        ("http://example.org", "http://example.org/"),
        ("http://example.org:8080/a", "http://example.org:8080/a"),
    ],
)
def test_page_urls_are_compared_in_canonical_form(url, canonical):
    assert canonical_page_url(url) == canonical


def test_a_page_url_with_an_impossible_port_is_invalid():
    with pytest.raises(MarkupInvalid):
        canonical_page_url("https://example.org:99999/")
