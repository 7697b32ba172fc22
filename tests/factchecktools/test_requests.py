"""Parameters, page tokens, keys, rate limits and paths of /v1alpha1/, as Google's front end
answers them: bad input is a 4xx in Google's error JSON, never HTML and never a 500."""

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiKey
from core.services.api_keys import api_key_create, api_key_revoke
from factchecktools import paging
from tests.factchecktools.conftest import get, publish
from tests.factories import UserFactory, VerdictFactory

pytestmark = pytest.mark.django_db

SEARCH = "/v1alpha1/claims:search"


def _error(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return response.json()["error"]


def _violations(response) -> list[dict]:
    details = _error(response)["details"]
    return next(d for d in details if d["@type"].endswith("BadRequest"))["fieldViolations"]


def test_a_bad_integer_is_refused_as_google_refuses_it(keys):
    response = get(SEARCH, keys.consumer, query="funeral", pageSize="ten")

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": 400,
            "message": "Invalid value at 'page_size' (TYPE_INT32), \"ten\"",
            "status": "INVALID_ARGUMENT",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [
                        {
                            "field": "page_size",
                            "description": "Invalid value at 'page_size' (TYPE_INT32), \"ten\"",
                        }
                    ],
                }
            ],
        }
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"query": "x", "pageSize": "-1"}, "page_size"),
        ({"query": "x", "pageSize": "2147483648"}, "page_size"),  # beyond int32
        ({"query": "x", "pageSize": "1.5"}, "page_size"),
        ({"query": "x", "offset": "-1"}, "offset"),
        ({"query": "x", "offset": "10001"}, "offset"),
        ({"query": "x", "maxAgeDays": "soon"}, "max_age_days"),
        ({"query": "x", "maxAgeDays": "-3"}, "max_age_days"),
        ({"query": "x", "languageCode": "english!"}, "language_code"),
        (
            {"query": "x", "reviewPublisherSiteFilter": "https://afp.com/"},
            "review_publisher_site_filter",
        ),
        ({"languageCode": "en"}, "query"),  # neither a query nor a site
        ({"query": "x" * 10_001}, "query"),
        ({"query": "x", "pageToken": "forged"}, "page_token"),
        ({"query": "x", "callback": "handle"}, "callback"),
        ({"query": "x", "alt": "proto"}, "alt"),
        ({"query": "x", "prettyPrint": "yes"}, "prettyPrint"),
        ({"query": "x", "fields": "claims(text"}, "fields"),
        ({"query": "x", "page_size": "2", "pageSize": "3"}, "page_size"),  # given twice
    ],
)
def test_bad_search_parameters_name_the_field(keys, params, field):
    response = get(SEARCH, keys.consumer, **params)

    assert response.status_code == 400
    assert _error(response)["status"] == "INVALID_ARGUMENT"
    assert field in [violation.get("field") for violation in _violations(response)]


def test_an_unknown_parameter_cannot_be_bound(keys):
    response = get(SEARCH, keys.consumer, query="x", sort="date")

    assert response.status_code == 400
    assert _violations(response) == [
        {
            "description": 'Invalid JSON payload received. Unknown name "sort": Cannot bind '
            "query parameter. Field 'sort' could not be found in request message."
        }
    ]


def test_proto_field_names_and_system_parameters_are_accepted(keys, scale, ours):
    publish("Funeral video", publisher=ours, scale=scale)

    response = get(
        SEARCH,
        keys.consumer,
        query="funeral",
        page_size="1",
        alt="json",
        quotaUser="desk-7",
        **{"$.xgafv": "2"},
    )

    assert response.status_code == 200
    assert len(response.json()["claims"]) == 1


def test_page_size_defaults_to_10_and_is_capped(keys, scale, ours, monkeypatch):
    for number in range(12):
        publish(f"Funeral video {number}", publisher=ours, scale=scale)

    default = get(SEARCH, keys.consumer, query="funeral").json()
    monkeypatch.setattr(paging, "MAX_PAGE_SIZE", 3)
    capped = get(SEARCH, keys.consumer, query="funeral", pageSize="500").json()

    assert len(default["claims"]) == 10
    assert "nextPageToken" in default
    assert len(capped["claims"]) == 3


def test_offset_starts_later_and_a_token_overrides_it(keys, scale, ours):
    for number in range(5):
        publish(f"Funeral video {number}", publisher=ours, scale=scale)
    everything = [c["text"] for c in get(SEARCH, keys.consumer, query="funeral").json()["claims"]]

    first = get(SEARCH, keys.consumer, query="funeral", pageSize="2", offset="1").json()
    second = get(
        SEARCH,
        keys.consumer,
        query="funeral",
        pageSize="2",
        offset="0",
        pageToken=first["nextPageToken"],
    ).json()

    assert [c["text"] for c in first["claims"] + second["claims"]] == everything[1:5]
    assert "nextPageToken" not in second


def test_a_page_token_is_refused_when_altered_or_used_with_other_parameters(keys, scale, ours):
    for number in range(3):
        publish(f"Funeral video {number}", publisher=ours, scale=scale)
    token = get(SEARCH, keys.consumer, query="funeral", pageSize="1").json()["nextPageToken"]
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    pages_token = paging.next_page_token(
        paging.Window(start=0, size=1), has_more=True, method="pages.list", filters={}
    )

    tampered = get(SEARCH, keys.consumer, query="funeral", pageToken=altered)
    other_query = get(SEARCH, keys.consumer, query="video", pageToken=token)
    other_method = get(SEARCH, keys.consumer, query="funeral", pageToken=pages_token)
    same = get(SEARCH, keys.consumer, query="funeral", pageSize="1", pageToken=token)

    for refused in (tampered, other_query, other_method):
        assert refused.status_code == 400
        assert _violations(refused)[0]["field"] == "page_token"
    assert "other parameters" in _error(other_query)["message"]
    assert same.status_code == 200


def test_fields_selects_a_partial_response(keys, scale, ours, afp):
    publish("Funeral video", publisher=ours, scale=scale)
    publish("Funeral photo", publisher=afp, scale=scale)

    body = get(
        SEARCH,
        keys.consumer,
        query="funeral",
        pageSize="1",
        fields="claims(text,claimReview(publisher/site,textualRating)),nextPageToken",
    ).json()

    assert set(body) == {"claims", "nextPageToken"}
    assert body["claims"] == [
        {
            "text": "Funeral photo",
            "claimReview": [{"publisher": {"site": afp.site}, "textualRating": "False"}],
        }
    ]


def test_responses_are_indented_unless_pretty_print_is_off(keys, scale, ours):
    publish("Funeral video", publisher=ours, scale=scale)

    pretty = get(SEARCH, keys.consumer, query="funeral").content.decode()
    compact = get(SEARCH, keys.consumer, query="funeral", prettyPrint="false").content.decode()

    assert pretty.startswith('{\n  "claims"')
    assert "\n" not in compact
    assert json.loads(pretty) == json.loads(compact)


def test_missing_and_invalid_keys_are_answered_as_google_answers_them(keys):
    revoked_key, revoked = api_key_create(owner=UserFactory(), name="old", created_by=None)
    api_key_revoke(api_key=revoked_key)
    owner_gone_key, owner_gone = api_key_create(owner=UserFactory(), name="gone", created_by=None)
    owner_gone_key.owner.is_active = False
    owner_gone_key.owner.save()

    missing = get(SEARCH, None, query="funeral")
    invalid = [get(SEARCH, key, query="funeral") for key in ("fck_bad", revoked, owner_gone)]

    assert missing.status_code == 403
    assert missing.json() == {
        "error": {
            "code": 403,
            "message": "The request is missing a valid API key.",
            "status": "PERMISSION_DENIED",
        }
    }
    for response in invalid:
        assert response.status_code == 400
        assert response.json() == {
            "error": {
                "code": 400,
                "message": "API key not valid. Please pass a valid API key.",
                "status": "INVALID_ARGUMENT",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "API_KEY_INVALID",
                        "domain": "googleapis.com",
                        "metadata": {"service": "factchecktools.googleapis.com"},
                    }
                ],
            }
        }


def test_a_key_may_also_come_as_a_bearer_token(keys):
    response = APIClient().get(
        SEARCH, {"query": "funeral"}, HTTP_AUTHORIZATION=f"Bearer {keys.consumer}"
    )

    assert response.status_code == 200


def test_each_key_is_rate_limited_with_the_rest_api_in_one_budget(settings):
    settings.API_RATE_LIMITS = {"consumer": "3/min"}
    cache.clear()
    _, key = api_key_create(owner=UserFactory(), name="partner", created_by=None)

    statuses = [get(SEARCH, key, query="funeral").status_code for _ in range(2)]
    statuses.append(get("/api/v1/topics/", key).status_code)
    refused = get(SEARCH, key, query="funeral")

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    error = _error(refused)
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    retry = error["details"][1]
    assert retry["@type"] == "type.googleapis.com/google.rpc.RetryInfo"
    assert retry["retryDelay"] == f"{refused['Retry-After']}s"
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_a_key_records_its_use(keys):
    get(SEARCH, keys.consumer, query="funeral")

    assert ApiKey.objects.filter(last_used_at__isnull=False).count() == 1


@pytest.mark.parametrize(
    "path",
    ["/v1alpha1/claims:translate", "/v1alpha1/", "/v1alpha1/pages/1/markups"],
)
def test_unknown_paths_are_googles_404(keys, path):
    response = get(path, keys.consumer)

    assert response.status_code == 404
    assert _error(response)["status"] == "NOT_FOUND"


def test_other_methods_are_405_in_googles_shape(keys):
    post = APIClient().post(f"{SEARCH}?key={keys.consumer}", {}, format="json")
    options = APIClient().options(f"{SEARCH}?key={keys.consumer}")

    for response in (post, options):
        assert response.status_code == 405
        assert _error(response)["status"] == "UNIMPLEMENTED"
    assert "GET" in post["Allow"]


def test_json_is_the_answer_whatever_the_client_accepts(keys):
    response = APIClient().get(
        SEARCH, {"query": "x", "key": keys.consumer}, HTTP_ACCEPT="text/html"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_an_unexpected_failure_is_googles_internal_error(keys, monkeypatch):
    from factchecktools import views

    def broken(**kwargs):
        raise RuntimeError("the search index is on fire")

    monkeypatch.setattr(views, "claim_search", broken)

    response = get(SEARCH, keys.consumer, query="funeral")

    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}
    }


def test_a_search_costs_the_same_queries_for_one_claim_and_for_fifty(keys, scale, ours, afp):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = get(SEARCH, keys.consumer, query="funeral", pageSize="50")
        assert response.status_code == 200
        return len(captured)

    publish("Funeral video 0", publisher=ours, scale=scale)
    queries()  # the key's first use is recorded, once a minute
    one = queries()
    for number in range(1, 50):
        verdict = publish(f"Funeral video {number}", publisher=ours, scale=scale)
        VerdictFactory(
            claim=verdict.claim,
            publisher=afp,
            rating=scale.ratings.first(),
            status="published",
            published_at=timezone.now(),
        )

    assert queries() == one
