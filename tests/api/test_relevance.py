"""`ordering=relevance` on the lists that take `q` (issue 13): best match first, on the same
document and through the same visibility rules as the `q` filter, paged without duplicates or
gaps, in a number of queries that does not grow with the page."""

from base64 import b64encode
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.models import Verdict
from claims.search import index_claim, index_verdict
from tests.api.conftest import client_for
from tests.factories import ClaimFactory, VerdictFactory

pytestmark = pytest.mark.django_db


def _verdict(headline: str, *, published: bool = True, summary: str = "Records show otherwise."):
    claim = ClaimFactory(text="A claim about something else.")
    index_claim(claim)
    _save_search_columns(claim)
    verdict = VerdictFactory(
        claim=claim,
        headline=headline,
        summary=summary,
        status=Verdict.Status.PUBLISHED if published else Verdict.Status.DRAFT,
        published_at=timezone.now() if published else None,
    )
    index_verdict(verdict)
    _save_search_columns(verdict)
    return verdict


def _save_search_columns(row) -> None:
    # As the services do; the factories skip them.
    type(row).objects.filter(pk=row.pk).update(
        search_text=row.search_text, search_document=row.search_document
    )


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _ranked(role: str, path: str, q: str, **params) -> list[int]:
    return _ids(client_for(role).get(path, {"q": q, "ordering": "relevance", **params}))


def test_a_headline_that_repeats_the_term_ranks_first():
    repeated = _verdict("Vaccine myths: this vaccine story is not what vaccine makers said")
    once = _verdict("A vaccine rumour")  # newer: first in the default order
    _verdict("Nothing to do with it")

    path = "/api/v1/verdicts/"
    assert _ids(client_for("anonymous").get(path, {"q": "vaccine"})) == [once.pk, repeated.pk]
    assert _ranked("anonymous", path, "vaccine") == [repeated.pk, once.pk]


def test_drafts_are_not_ranked_for_outsiders():
    published = _verdict("A vaccine rumour")
    draft = _verdict("Vaccine vaccine vaccine vaccine", published=False)

    assert _ranked("anonymous", "/api/v1/verdicts/", "vaccine") == [published.pk]
    assert _ranked("editor", "/api/v1/verdicts/", "vaccine") == [draft.pk, published.pk]


def test_claims_rank_by_their_own_text_or_their_verdicts():
    often = _verdict("Flood photo", summary="The flood photo shows another flood, not this flood.")
    plain = _verdict("Flood photo")

    ranked = _ranked("anonymous", "/api/v1/claims/", "flood")
    assert ranked == [often.claim_id, plain.claim_id]


def test_a_cjk_query_is_ordered_by_relevance():
    twice = _verdict("金永福国葬视频不实 金永福国葬另有其事")
    once = _verdict("朝鲜为金永福大将举行国葬")  # the run split: matches with a bigram missing
    _verdict("北韩发行新钞")

    assert _ranked("anonymous", "/api/v1/verdicts/", "金永福国葬") == [twice.pk, once.pk]


@pytest.mark.parametrize("q", [None, "", "   "])
def test_relevance_without_q_is_a_400(q):
    params = {"ordering": "relevance"} | ({"q": q} if q is not None else {})
    for path in ("/api/v1/verdicts/", "/api/v1/claims/"):
        response = client_for("anonymous").get(path, params)
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "validation_error"
        assert body["details"]["ordering"][0]["code"] == "requires_q"


def test_pages_follow_the_rank_without_duplicates_or_gaps():
    # Ranks tie in groups (same headline), and rows tie within a group only on created_at order.
    for repeats in (1, 3, 2, 1, 3, 1, 2, 1):
        _verdict(" ".join(["hoax"] * repeats) + " explained")
    path = "/api/v1/verdicts/"
    whole = _ranked("anonymous", path, "hoax", page_size=100)
    assert len(whole) == 8

    client = client_for("anonymous")
    page = client.get(path, {"q": "hoax", "ordering": "relevance", "page_size": 3}).json()
    assert page["previous"] is None
    pages = [[row["id"] for row in page["results"]]]
    while page["next"]:
        page = client.get(page["next"]).json()
        pages.append([row["id"] for row in page["results"]])
    assert [pk for ids in pages for pk in ids] == whole
    assert [len(ids) for ids in pages] == [3, 3, 2]

    # And back, from the last page to the first.
    back = []
    while page["previous"]:
        page = client.get(page["previous"]).json()
        back.insert(0, [row["id"] for row in page["results"]])
    assert back == pages[:-1]


@pytest.mark.parametrize(
    "position",
    [
        "1",  # a position of the default order: no rank in it
        "0.5|2026-01-01T00:00:00|1",  # no time zone
        "0.5|2026-01-01T00:00:00+00:00|99999999999999999999",  # beyond any id
        "0.5|yesterday|1",
    ],
)
def test_a_made_up_relevance_cursor_is_refused(position):
    _verdict("hoax")
    cursor = b64encode(urlencode({"p": position}).encode()).decode()
    response = client_for("anonymous").get(
        "/api/v1/verdicts/", {"q": "hoax", "ordering": "relevance", "cursor": cursor}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def _queries(role: str, path: str) -> tuple[int, int]:
    cache.clear()  # no row representation cached yet
    with CaptureQueriesContext(connection) as captured:
        ids = _ranked(role, path, "hoax", page_size=50)
    return len(captured), len(ids)


@pytest.mark.parametrize("path", ["/api/v1/verdicts/", "/api/v1/claims/"])
def test_queries_do_not_grow_with_rows(path):
    _verdict("hoax")
    _queries("anonymous", path)  # once per caller: the user's permissions
    few = _queries("anonymous", path)
    for repeats in range(1, 20):
        _verdict(" ".join(["hoax"] * repeats))
    many = _queries("anonymous", path)
    assert (few[1], many[1]) == (1, 20)
    assert few[0] == many[0]
