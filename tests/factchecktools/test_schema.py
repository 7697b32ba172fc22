"""The /v1alpha1/schema/ describes the Fact Check Tools API as Google's discovery document does
for the methods we serve, and what the resource builders make (real responses) conforms to it."""

from datetime import date

import pytest
from jsonschema import Draft4Validator
from rest_framework.test import APIClient

from claims.models import Claim
from factchecktools.resources import claim_resource
from factchecktools.selectors import claims_with_reviews, live_reviews
from tests.factchecktools.conftest import get, publish
from tests.factchecktools.test_pages import AFP_PAGE, OUR_PAGE, markup, page, send

pytestmark = pytest.mark.django_db

GOOGLE = "GoogleFactcheckingFactchecktoolsV1alpha1"
PAGES = "/v1alpha1/pages"


def fetch_schema() -> dict:
    response = APIClient().get("/v1alpha1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _inline(node, schemas: dict):
    """The schema with its `$ref`s replaced by what they name (none is recursive)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(schemas[node["$ref"].rsplit("/", 1)[1]], schemas)
        return {name: _inline(value, schemas) for name, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, schemas) for item in node]
    return node


def response_schema(schema: dict, path: str, method: str, status: int) -> dict:
    response = schema["paths"][path][method]["responses"][str(status)]
    content = response["content"]["application/json"]["schema"]
    return _inline(content, schema["components"]["schemas"])


def validate(instance, schema: dict) -> None:
    # These schemas use nothing of OpenAPI 3.0 beyond JSON Schema draft 4 (no `nullable`).
    Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).validate(instance)


def assert_conforms(schema: dict, path: str, method: str, response) -> None:
    validate(response.json(), response_schema(schema, path, method, response.status_code))


def test_the_schema_has_googles_methods_and_resources_and_nothing_of_api_v1():
    schema = fetch_schema()
    api_v1 = APIClient().get("/api/v1/schema/", {"format": "json"}).json()

    operations = {
        (path, method): operation["operationId"]
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    assert operations == {
        ("/v1alpha1/claims:search", "get"): "claims.search",
        ("/v1alpha1/claims:imageSearch", "get"): "claims.imageSearch",
        ("/v1alpha1/pages", "get"): "pages.list",
        ("/v1alpha1/pages", "post"): "pages.create",
        ("/v1alpha1/pages/{page_id}", "get"): "pages.get",
        ("/v1alpha1/pages/{page_id}", "put"): "pages.update",
        ("/v1alpha1/pages/{page_id}", "delete"): "pages.delete",
    }
    assert not [path for path in api_v1["paths"] if not path.startswith("/api/v1/")]
    search = schema["paths"]["/v1alpha1/claims:search"]["get"]
    assert [p["name"] for p in search["parameters"]] == [
        "languageCode",
        "maxAgeDays",
        "offset",
        "pageSize",
        "pageToken",
        "query",
        "reviewPublisherSiteFilter",
    ]
    assert {"QueryKey": []} in search["security"]
    assert {} not in search["security"]
    claim = schema["components"]["schemas"][f"{GOOGLE}Claim"]
    assert set(claim["properties"]) == {"text", "claimant", "claimDate", "claimReview"}
    review = schema["components"]["schemas"][f"{GOOGLE}ClaimReview"]
    assert set(review["properties"]) == {
        *("publisher", "url", "title", "reviewDate", "textualRating", "languageCode"),
    }


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/v1alpha1/claims:search", "get", {"200", "400", "403", "429", "503"}),
        ("/v1alpha1/claims:imageSearch", "get", {"200", "400", "403", "429", "503", "504"}),
        ("/v1alpha1/pages", "post", {"200", "400", "403", "409", "429", "503"}),
        ("/v1alpha1/pages/{page_id}", "put", {"200", "400", "403", "404", "409", "429", "503"}),
    ],
)
def test_every_error_status_is_declared_in_googles_error_shape(path, method, statuses):
    schema = fetch_schema()
    responses = schema["paths"][path][method]["responses"]

    assert set(responses) == statuses
    for status in statuses - {"200"}:
        assert responses[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


def test_search_and_image_search_results_conform(keys, scale, ours, afp):
    publish(
        "A video shows the state funeral of general Kim Yong Bok.",
        publisher=ours,
        scale=scale,
        claimant="Social media users",
        claim_date=date(2024, 12, 23),
    )
    publish("Kim Yong Bok died in 2024.", publisher=afp, scale=scale, textual_rating="Faux")
    schema = fetch_schema()

    found = get("/v1alpha1/claims:search", keys.consumer, query="Kim Yong Bok", pageSize="1")
    bad = get("/v1alpha1/claims:search", keys.consumer, query="Kim", pageSize="x")
    anonymous = get("/v1alpha1/claims:search", None, query="Kim")

    assert found.status_code == 200
    assert found.json()["claims"][0]["claimReview"]
    assert "nextPageToken" in found.json()
    assert_conforms(schema, "/v1alpha1/claims:search", "get", found)
    assert_conforms(schema, "/v1alpha1/claims:search", "get", bad)
    assert_conforms(schema, "/v1alpha1/claims:search", "get", anonymous)
    # claims:imageSearch wraps the same resource; its matching needs images (test_image_search).
    reviews = live_reviews(language="")
    claims = claims_with_reviews(list(Claim.objects.values_list("pk", flat=True)), reviews=reviews)
    results = {"results": [{"claim": claim_resource(c, c.live_reviews)} for c in claims]}
    validate(results, response_schema(schema, "/v1alpha1/claims:imageSearch", "get", 200))


def test_pages_conform(keys, scale, afp, ours):
    schema = fetch_schema()
    created = send(
        "post",
        PAGES,
        keys.editor,
        page(
            AFP_PAGE,
            markup(
                "A video shows a state funeral",
                claimAuthor={"name": "Users", "jobTitle": "Posters"},
                claimDate="2024-12-23",
                claimAppearances=["https://example.org/post"],
            ),
            publishDate="2024-12-26",
            claimReviewAuthor={"name": "AFP"},
        ),
    )
    name = created.json()["name"]
    read = get(f"/v1alpha1/{name}", keys.fact_checker)
    listed = get(PAGES, keys.fact_checker, organization="factcheck.afp.com")
    again = send("post", PAGES, keys.editor, page(AFP_PAGE))
    forbidden = send("post", PAGES, keys.consumer, page(OUR_PAGE))
    missing = get("/v1alpha1/pages/999999", keys.editor)
    deleted = send("delete", f"/v1alpha1/{name}", keys.editor)

    assert (created.status_code, read.status_code, listed.status_code) == (200, 200, 200)
    assert (again.status_code, forbidden.status_code, missing.status_code) == (409, 403, 404)
    assert deleted.status_code == 200
    assert_conforms(schema, PAGES, "post", created)
    assert_conforms(schema, PAGES, "post", again)
    assert_conforms(schema, PAGES, "post", forbidden)
    assert_conforms(schema, "/v1alpha1/pages/{page_id}", "get", read)
    assert_conforms(schema, "/v1alpha1/pages/{page_id}", "get", missing)
    assert_conforms(schema, PAGES, "get", listed)
    assert_conforms(schema, "/v1alpha1/pages/{page_id}", "delete", deleted)
