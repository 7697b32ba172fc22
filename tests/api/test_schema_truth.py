"""The schema declares what the code enforces (issue 17): each rule is checked on both sides,
the behaviour and the declaration, so that they cannot drift apart."""

import re
import sys

import jsonschema_rs
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core import safe_http
from core.validators import validate_http_url
from tests.api.conftest import client_for
from tests.factories import ClaimFactory, jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/v1/schema/", {"format": "json"}).json()


def operation(schema, path, method):
    return schema["paths"][f"/api/v1{path}"][method]


def parameter(schema, path, method, name):
    return next(p for p in operation(schema, path, method)["parameters"] if p["name"] == name)


def request_component(schema, path, method, media_type="application/json"):
    body = operation(schema, path, method)["requestBody"]["content"][media_type]["schema"]
    return schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]


def test_page_size_below_one_is_refused_and_declared(schema):
    assert parameter(schema, "/claims/", "get", "page_size")["schema"]["minimum"] == 1
    response = client_for("editor").get("/api/v1/claims/", {"page_size": 0})
    assert response.status_code == 400


@pytest.mark.parametrize(("path", "name"), [("/evidence/", "claim"), ("/lookups/", "media_item")])
def test_id_filters_are_bounded_integers(schema, path, name):
    declared = parameter(schema, path, "get", name)["schema"]
    assert declared["type"] == "integer"
    assert declared["minimum"] == 1
    assert declared["maximum"] == 2**63 - 1
    for value in ("0", "1.5"):
        response = client_for("editor").get(f"/api/v1{path}", {name: value})
        assert response.status_code == 400, value


@pytest.mark.parametrize(
    ("path", "query"),
    [("/claims/", "status="), ("/claims/", "platform="), ("/media/", "in_archive=")],
)
def test_an_empty_value_of_a_closed_filter_is_refused(schema, path, query):
    name = query.split("=")[0]
    declared = parameter(schema, path, "get", name)["schema"]
    assert "" not in declared.get("enum", [])
    response = client_for("editor").get(f"/api/v1{path}?{query}")
    assert response.status_code == 400
    assert response.json()["details"][name][0]["code"] == "blank"


def test_edits_declare_the_if_match_they_need(schema):
    for path in ("/claims/{id}/", "/verdicts/{id}/", "/webhooks/{id}/", "/topics/{id}/"):
        patch = operation(schema, path, "patch")
        if_match = next(p for p in patch["parameters"] if p["name"] == "If-Match")
        assert if_match["in"] == "header"
        assert if_match["required"] is True
        assert {"412", "428"} <= set(patch["responses"])
    claim = ClaimFactory()
    response = client_for("editor").patch(
        f"/api/v1/claims/{claim.pk}/", {"claimant": "x"}, format="json"
    )
    assert response.status_code == 428


def test_request_bodies_that_refuse_unknown_keys_are_closed(schema):
    for path, method in [("/claims/", "post"), ("/claims/{id}/", "patch"), ("/webhooks/", "post")]:
        assert request_component(schema, path, method)["additionalProperties"] is False
    nested = schema["components"]["schemas"]["AppearanceInputRequest"]
    assert nested["additionalProperties"] is False


def test_webhook_events_need_at_least_one(schema):
    assert request_component(schema, "/webhooks/", "post")["properties"]["events"]["minItems"] == 1
    assert (
        request_component(schema, "/webhooks/{id}/", "patch")["properties"]["events"]["minItems"]
        == 1
    )


def test_check_this_needs_a_text_or_an_image(schema):
    form = request_component(schema, "/check/", "post", "multipart/form-data")
    assert [alternative["required"] for alternative in form["anyOf"]] == [["text"], ["image"]]
    assert all(alternative["additionalProperties"] is False for alternative in form["anyOf"])
    # JSON cannot carry the image.
    body = request_component(schema, "/check/", "post", "application/json")
    assert body["required"] == ["text"]
    assert "image" not in body["properties"]
    response = APIClient().post("/api/v1/check/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["details"]["text"][0]["code"] == "required"
    with_image = APIClient().post(
        "/api/v1/check/",
        {"image": SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg")},
        format="multipart",
    )
    assert with_image.status_code == 200


def test_an_empty_language_on_check_this_is_refused(schema):
    body = request_component(schema, "/check/", "post", "multipart/form-data")
    language = body["anyOf"][0]["properties"]["language"]
    assert language["minLength"] == 1
    assert "pattern" in language
    for form in ("multipart", "json"):
        response = APIClient().post(
            "/api/v1/check/", {"text": "vaccines cause autism", "language": ""}, format=form
        )
        assert response.status_code == 400, form
        assert response.json()["details"]["language"][0]["code"] == "blank"


def _url_schema(schema):
    return request_component(schema, "/webhooks/", "post")["properties"]["url"]


def test_a_url_the_schema_allows_is_one_the_validators_accept(schema):
    url_schema = _url_schema(schema)
    declared = jsonschema_rs.validator_for(url_schema, validate_formats=True)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(url_schema["pattern"]).map(str.strip).filter(declared.is_valid))
    def accepted(url):
        validate_http_url(url)
        safe_http.check_url_form(url)

    accepted()


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://a.localhost/",
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://user:secret@example.org/",
        "http://example/",
        "http://example.org:65536/",
        "ftp://example.org/",
    ],
)
def test_urls_the_validators_refuse_are_outside_the_pattern(schema, url):
    assert not re.search(_url_schema(schema)["pattern"], url)


def test_text_that_is_blank_once_trimmed_is_outside_the_pattern(schema):
    name = request_component(schema, "/topics/", "post")["properties"]["name"]
    declared = jsonschema_rs.validator_for(name)
    for code in range(sys.maxunicode + 1):
        text = chr(code) * 2
        if 0xD800 <= code <= 0xDFFF:
            continue  # not in JSON text
        assert declared.is_valid(text) == bool(text.strip()), hex(code)


def test_json_values_must_have_the_declared_type():
    claim = ClaimFactory()
    client = client_for("editor")
    response = client.post(
        "/api/v1/evidence/",
        {"claim": str(claim.pk), "kind": "document", "relation": "context", "title": "t"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["details"]["claim"][0]["code"] == "not_an_integer"
    response = client.post(
        "/api/v1/evidence/",
        {
            "claim": claim.pk,
            "kind": "document",
            "relation": "context",
            "title": "t",
            "is_public": "yes",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["details"]["is_public"][0]["code"] == "not_a_boolean"


def test_a_reference_to_nothing_is_404_and_declared(schema):
    assert "404" in operation(schema, "/evidence/", "post")["responses"]
    response = client_for("editor").post(
        "/api/v1/evidence/",
        {"claim": 2**40, "kind": "document", "relation": "context", "title": "t"},
        format="json",
    )
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert body["details"]["claim"][0]["code"] == "does_not_exist"


def test_public_reads_are_declared_anonymous_and_writes_are_not(schema):
    for path in ("/claims/", "/claims/{id}/", "/verdicts/", "/me/"):
        assert {} in operation(schema, path, "get")["security"], path
    for path, method in [("/claims/", "post"), ("/claims/{id}/", "patch"), ("/webhooks/", "get")]:
        assert {} not in operation(schema, path, method)["security"], path
    assert {} in operation(schema, "/check/", "post")["security"]


def test_every_error_status_carries_the_error_body(schema):
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in schema["paths"].items():
        for method, details in operations.items():
            for status_code in ("400", "403", "429"):
                response = details["responses"][status_code]
                assert response["content"]["application/json"]["schema"] == error, (
                    path,
                    method,
                    status_code,
                )
            if method in ("post", "patch") and "requestBody" in details:
                assert {"404", "413", "415"} <= set(details["responses"]), (path, method)


def test_links_lead_from_a_created_claim_to_its_read_edit_evidence_and_verdict(schema):
    links = operation(schema, "/claims/", "post")["responses"]["201"]["links"]
    assert links["claims_retrieve"]["parameters"] == {"path.id": "$response.body#/id"}
    assert links["claims_partial_update"]["parameters"] == {
        "path.id": "$response.body#/id",
        "header.If-Match": "$response.header.ETag",
    }
    assert links["claims_evidence_create"]["parameters"] == {"path.id": "$response.body#/id"}
    assert links["verdicts_create"]["requestBody"] == {"claim": "$response.body#/id"}
    verdict_links = operation(schema, "/verdicts/", "post")["responses"]["201"]["links"]
    assert "verdicts_submit_create" in verdict_links
    read_links = operation(schema, "/claims/{id}/", "get")["responses"]["200"]["links"]
    assert read_links["edit"]["parameters"]["header.If-Match"] == "$response.header.ETag"


@pytest.mark.parametrize("path", ["/claims/", "/verdicts/"])
def test_ordering_by_relevance_is_declared_and_needs_q(schema, path):
    assert "`relevance`" in parameter(schema, path, "get", "ordering")["description"]
    assert "400" in operation(schema, path, "get")["responses"]
    response = client_for("anonymous").get(f"/api/v1{path}", {"ordering": "relevance"})
    assert response.status_code == 400
    assert response.json()["details"]["ordering"][0]["code"] == "requires_q"
    assert "relevance" not in parameter(schema, "/topics/", "get", "ordering")["description"]
