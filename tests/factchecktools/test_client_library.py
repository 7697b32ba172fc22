"""Google's own client library (google-api-python-client), unchanged, against this server: the
static discovery document it ships, `developerKey` and `api_endpoint` are all a consumer sets."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import build_http

from claims.models import Correction, Verdict
from tests.factchecktools.conftest import publish

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def factchecktools(live_server):
    """Google's client for this server, with `key` as its developer key (None: no key)."""
    connections = []

    def build_client(key: str | None):
        # Our own HTTP client, closed after the test: the server's request threads hold a
        # database connection for as long as a kept-alive client connection stays open.
        http = build_http()
        connections.append(http)
        return build(
            "factchecktools",
            "v1alpha1",
            developerKey=key,
            client_options={"api_endpoint": live_server.url},
            static_discovery=True,
            cache_discovery=False,
            http=http,
        )

    yield build_client
    for http in connections:
        http.close()


def _error(raised: pytest.ExceptionInfo) -> dict:
    return json.loads(raised.value.content)["error"]


def test_search_pages_through_every_match_with_next_page_tokens(
    factchecktools, keys, scale, ours, afp
):
    now = timezone.now()
    for day in range(23):
        publish(
            f"Video {day} shows a state funeral in Pyongyang",
            publisher=ours if day % 2 else afp,
            scale=scale,
            published_at=now - timedelta(days=day),
        )
    publish("A photo shows a flooded airport", publisher=ours, scale=scale)
    claims = factchecktools(keys.consumer).claims()

    request = claims.search(query="funeral", pageSize=10)
    texts, pages = [], 0
    while request is not None:
        response = request.execute()
        pages += 1
        texts += [claim["text"] for claim in response["claims"]]
        request = claims.search_next(request, response)

    assert pages == 3
    # Equal relevance: the most recently reviewed first.
    assert texts == [f"Video {day} shows a state funeral in Pyongyang" for day in range(23)]


def test_search_filters_by_language_publisher_site_and_age(factchecktools, keys, scale, ours, afp):
    now = timezone.now()
    publish("Funeral video, English review", publisher=ours, scale=scale, language="en-GB")
    publish("Funeral video, French review", publisher=afp, scale=scale, language="fr")
    publish(
        "Funeral video, old review of a recent claim",
        publisher=afp,
        scale=scale,
        language="fr",
        published_at=now - timedelta(days=400),
        claim_date=date.today() - timedelta(days=3),
    )
    publish(
        "Funeral video, old review",
        publisher=ours,
        scale=scale,
        published_at=now - timedelta(days=400),
    )
    claims = factchecktools(keys.consumer).claims()

    def texts(**params) -> set[str]:
        return {c["text"] for c in claims.search(**params).execute().get("claims", [])}

    assert texts(query="funeral", languageCode="en-US") == {
        "Funeral video, English review",
        "Funeral video, old review",
    }
    assert texts(reviewPublisherSiteFilter="afp.com") == {
        "Funeral video, French review",
        "Funeral video, old review of a recent claim",
    }
    assert texts(query="funeral", maxAgeDays=30) == {
        "Funeral video, English review",
        "Funeral video, French review",
        "Funeral video, old review of a recent claim",
    }
    # The second French review in recency order.
    assert texts(query="funeral", languageCode="fr", maxAgeDays=30, offset=1, pageSize=1) == {
        "Funeral video, old review of a recent claim",
    }


def test_errors_reach_the_client_as_http_errors_in_googles_shape(factchecktools, keys, scale, ours):
    publish("Funeral video", publisher=ours, scale=scale)

    with pytest.raises(HttpError) as missing:
        factchecktools(None).claims().search(query="funeral").execute()
    with pytest.raises(HttpError) as invalid:
        factchecktools("fck_nothing_here").claims().search(query="x").execute()
    search = factchecktools(keys.consumer).claims().search
    with pytest.raises(HttpError) as bad_token:
        search(query="funeral", pageToken="forged").execute()

    assert missing.value.status_code == 403
    assert _error(missing) == {
        "code": 403,
        "message": "The request is missing a valid API key.",
        "status": "PERMISSION_DENIED",
    }
    assert invalid.value.status_code == 400
    assert invalid.value.reason == "API key not valid. Please pass a valid API key."
    assert invalid.value.error_details[0]["reason"] == "API_KEY_INVALID"
    assert bad_token.value.status_code == 400
    assert _error(bad_token)["status"] == "INVALID_ARGUMENT"
    assert bad_token.value.error_details[0]["fieldViolations"][0]["field"] == "page_token"


PAGE = {
    "pageUrl": "https://factcheck.afp.com/doc.afp.com.36QW9Z4",
    "publishDate": "2024-12-26",
    "claimReviewAuthor": {"name": "AFP Fact Check"},
    "claimReviewMarkups": [
        {
            "claimReviewed": "Video shows the state funeral of general Kim Yong Bok",
            "claimDate": "2024-12-23",
            "claimAuthor": {"name": "Douyin users", "jobTitle": "Commenters"},
            "claimFirstAppearance": "https://www.douyin.com/video/7452",
            "claimAppearances": ["https://x.com/someone/status/1871"],
            "rating": {"textualRating": "Faux", "ratingExplanation": "Footage from 2015."},
        },
        {
            "url": "https://factcheck.afp.com/doc.afp.com.36QW9Z4#second",
            "claimReviewed": "The funeral was broadcast live on KCTV",
            "rating": {
                "textualRating": "False",
                "ratingValue": 1,
                "bestRating": 5,
                "worstRating": 1,
            },
        },
    ],
}


def test_pages_create_get_list_update_and_delete_through_the_client(
    factchecktools, keys, scale, ours, afp
):
    pages = factchecktools(keys.editor).pages()

    created = pages.create(body=PAGE).execute()
    name = created["name"]
    assert name.startswith("pages/")
    assert created["pageUrl"] == PAGE["pageUrl"]
    assert created["publishDate"] == "2024-12-26"
    assert created["claimReviewMarkups"][0] == {
        "claimReviewed": "Video shows the state funeral of general Kim Yong Bok",
        "claimDate": "2024-12-23",
        "claimAuthor": {"name": "Douyin users", "jobTitle": "Commenters"},
        "claimFirstAppearance": "https://www.douyin.com/video/7452",
        "claimAppearances": ["https://x.com/someone/status/1871"],
        "rating": {"textualRating": "Faux", "ratingExplanation": "Footage from 2015."},
    }
    assert created["claimReviewMarkups"][1]["rating"]["ratingValue"] == 1
    assert pages.get(name=name).execute() == created
    assert pages.list(url=PAGE["pageUrl"]).execute()["claimReviewMarkupPages"] == [created]
    assert pages.list(organization="factcheck.afp.com").execute()["claimReviewMarkupPages"] == [
        created
    ]
    assert pages.list(organization="politifact.com").execute() == {}

    # The markup is searchable at once, with the page's URLs.
    search = factchecktools(keys.consumer).claims().search
    found = search(query="KCTV").execute()["claims"][0]["claimReview"][0]
    assert found["url"] == "https://factcheck.afp.com/doc.afp.com.36QW9Z4#second"
    assert found["textualRating"] == "False"

    changed = json.loads(json.dumps(created))
    changed["claimReviewMarkups"][0]["rating"]["textualRating"] = "Trompeur"
    del changed["claimReviewMarkups"][1]
    updated = pages.update(name=name, body=changed).execute()
    assert updated["versionId"] != created["versionId"]
    assert [m["rating"]["textualRating"] for m in updated["claimReviewMarkups"]] == ["Trompeur"]
    kept = Verdict.objects.get(claim__text=PAGE["claimReviewMarkups"][0]["claimReviewed"])
    assert Correction.objects.filter(verdict=kept, kind="update").count() == 1
    assert search(query="KCTV").execute() == {}

    with pytest.raises(HttpError) as stale:
        pages.update(name=name, body=created).execute()
    assert stale.value.status_code == 409
    assert _error(stale)["status"] == "ABORTED"

    assert pages.delete(name=name).execute() == {}
    with pytest.raises(HttpError) as gone:
        pages.get(name=name).execute()
    assert gone.value.status_code == 404
    assert _error(gone)["status"] == "NOT_FOUND"
    assert search(query="funeral").execute() == {}


def test_consumers_cannot_read_or_write_markup_pages(factchecktools, keys, afp, scale):
    pages = factchecktools(keys.consumer).pages()

    with pytest.raises(HttpError) as write:
        pages.create(body=PAGE).execute()
    with pytest.raises(HttpError) as read:
        pages.list(organization="factcheck.afp.com").execute()

    assert (write.value.status_code, read.value.status_code) == (403, 403)
    assert _error(write)["status"] == _error(read)["status"] == "PERMISSION_DENIED"
