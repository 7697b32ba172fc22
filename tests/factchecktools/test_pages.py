"""pages.*: ClaimReview markup pages mapped onto our claims and verdicts, through Django's test
client (the client-library round trip is in test_client_library.py)."""

import copy

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.claimreview import public_url
from claims.models import Claim, Correction, Verdict
from core.models import ApiKey, hash_key
from factchecktools.models import ClaimReviewMarkup, ClaimReviewPage
from tests.factchecktools.conftest import get
from tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    EvidenceFactory,
    RatingFactory,
    RatingScaleFactory,
)
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db

PAGES = "/v1alpha1/pages"
OUR_PAGE = f"https://{settings.FACTCHECK_PUBLISHER_SITE}/2024/12/kim-yong-bok-funeral"
AFP_PAGE = "https://factcheck.afp.com/doc.afp.com.36QW9Z4"


def markup(claim: str, rating: str = "False", **fields) -> dict:
    return {"claimReviewed": claim, "rating": {"textualRating": rating}, **fields}


def page(url: str = OUR_PAGE, *markups: dict, **fields) -> dict:
    return {
        "pageUrl": url,
        "claimReviewMarkups": list(markups) or [markup("A video shows a state funeral")],
        **fields,
    }


def researched(text: str, **fields) -> Claim:
    """A claim the newsroom has worked on (evidence, first appearance): what markup on our own
    site publishes."""
    claim = ClaimFactory(text=text, **fields)
    AppearanceFactory(claim=claim, is_first=True)
    EvidenceFactory(claim=claim)
    return claim


def send(method: str, path: str, key: str | None, body: dict | None = None):
    client = APIClient()
    url = f"{path}?key={key}" if key else path
    return getattr(client, method)(url, body, format="json")


def _error(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return response.json()["error"]


def _fields(response) -> list[str]:
    details = _error(response).get("details", [])
    return [
        violation.get("field") or violation.get("subject")
        for detail in details
        for violation in detail.get("fieldViolations", detail.get("violations", []))
    ]


@pytest.fixture
def subscription(db) -> WebhookSubscription:
    from tests.factories import UserFactory

    return WebhookSubscription.objects.create(
        owner=UserFactory(),
        url="https://hooks.example.org/factcheck",
        events=["verdict.published", "verdict.corrected", "verdict.retracted"],
        secret="whsec_test",
    )


def test_only_editors_write_pages_and_only_the_newsroom_reads_them(keys, scale, ours):
    researched("A video shows a state funeral")
    by_consumer = send("post", PAGES, keys.consumer, page())
    by_fact_checker = send("post", PAGES, keys.fact_checker, page())
    created = send("post", PAGES, keys.editor, page())
    name = created.json()["name"]

    assert (by_consumer.status_code, by_fact_checker.status_code, created.status_code) == (
        403,
        403,
        200,
    )
    assert _error(by_fact_checker)["status"] == "PERMISSION_DENIED"
    assert get(f"/v1alpha1/{name}", keys.fact_checker).status_code == 200
    assert get(f"/v1alpha1/{name}", keys.consumer).status_code == 403
    assert send("delete", f"/v1alpha1/{name}", keys.fact_checker).status_code == 403
    assert send("put", f"/v1alpha1/{name}", keys.fact_checker, page()).status_code == 403


def test_our_markup_publishes_our_verdict_on_our_scale(
    keys, scale, ours, subscription, django_capture_on_commit_callbacks
):
    claim = researched("A video shows the state funeral of general Kim Yong Bok")
    body = page(
        OUR_PAGE,
        markup(
            "A video shows the state funeral of general Kim Yong Bok",
            "false",
            claimAuthor={"name": "Douyin users"},
            claimDate="2024-12-23T08:00:00Z",
        ),
        publishDate="2024-12-26",
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = send("post", PAGES, keys.editor, body)

    assert response.status_code == 200, response.content
    verdict = Verdict.objects.get()
    # The newsroom's claim is published through review and its checks, now.
    assert verdict.claim == claim
    assert verdict.publisher == ours
    assert verdict.status == Verdict.Status.PUBLISHED
    assert verdict.rating == scale.ratings.get(label="False")
    assert [h.status for h in verdict.history.order_by("history_date")][-2:] == [
        "in_review",
        "published",
    ]
    assert verdict.editor == ApiKey.objects.get(key_hash=hash_key(keys.editor)).owner
    assert verdict.claim.claimant == "Douyin users"
    assert verdict.claim.claim_date.isoformat() == "2024-12-23"
    assert verdict.claim.status == Claim.Status.CHECKED
    assert WebhookDelivery.objects.get().event == "verdict.published"
    rating = response.json()["claimReviewMarkups"][0]["rating"]
    # Our step's numbers come with it, under its own label.
    assert rating == {
        "textualRating": "False",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
        "ratingExplanation": "false",
    }
    # Searches link to the page the markup is on, not to our own page of the verdict.
    review = get("/v1alpha1/claims:search", keys.consumer, query="funeral").json()
    assert review["claims"][0]["claimReview"][0]["url"] == OUR_PAGE
    assert public_url(verdict) != OUR_PAGE


def test_our_markup_must_use_a_rating_of_our_scales(keys, scale, ours):
    researched("Claim")
    researched("Other claim")
    other = RatingScaleFactory(name="Ten steps", best_value=10, worst_value=1)
    RatingFactory(scale=other, label="False", value=2)

    unknown = send("post", PAGES, keys.editor, page(OUR_PAGE, markup("Claim", "Pinocchio")))
    assert not Verdict.objects.exists()
    ambiguous_resolved = send("post", PAGES, keys.editor, page(OUR_PAGE, markup("Claim")))
    by_bounds = send(
        "post",
        PAGES,
        keys.editor,
        page(
            OUR_PAGE + "-2",
            {
                "claimReviewed": "Other claim",
                "rating": {"textualRating": "False", "bestRating": 10, "worstRating": 1},
            },
        ),
    )

    assert unknown.status_code == 400
    assert _error(unknown)["message"] == (
        '"Pinocchio" is not a rating of our scales (False, Misleading, True).'
    )
    assert _fields(unknown) == [
        "claim_review_markup_page.claim_review_markups[0].rating.textual_rating"
    ]
    # On two scales: the default scale decides, or the numbers do.
    assert ambiguous_resolved.status_code == 200
    assert by_bounds.status_code == 200
    assert sorted(Verdict.objects.values_list("rating_scale__name", flat=True)) == [
        scale.name,
        "Ten steps",
    ]


def test_our_markup_publishes_only_what_the_newsroom_has_researched(keys, scale, ours):
    unknown = send("post", PAGES, keys.editor, page(OUR_PAGE, markup("Never logged")))
    bare = ClaimFactory(text="Logged but not researched")
    unresearched = send("post", PAGES, keys.editor, page(OUR_PAGE, markup(bare.text)))

    assert (unknown.status_code, unresearched.status_code) == (400, 400)
    assert _error(unknown)["status"] == "FAILED_PRECONDITION"
    assert "no claim with this text" in _error(unknown)["message"]
    assert "evidence" in _error(unresearched)["message"]
    assert not Verdict.objects.exists()
    assert not ClaimReviewPage.objects.exists()


def test_other_publishers_markup_keeps_their_textual_rating(keys, scale, afp, subscription):
    response = send(
        "post",
        PAGES,
        keys.editor,
        page(AFP_PAGE, markup("Une vidéo montre les funérailles", "Faux"), markup("假的", "錯誤")),
    )

    assert response.status_code == 200, response.content
    french, chinese = Verdict.objects.order_by("id")
    assert (french.publisher, french.rating, french.textual_rating) == (afp, None, "Faux")
    assert french.rating_scale == scale
    assert (french.language, chinese.language) == (settings.LANGUAGE_CODE, "zh")
    # Subscribers follow our rulings only.
    assert not WebhookDelivery.objects.exists()


def test_a_page_must_be_on_a_known_publishers_site(keys, scale, afp):
    response = send("post", PAGES, keys.editor, page("https://www.politifact.com/factchecks/1"))

    assert response.status_code == 400
    assert _fields(response) == ["claim_review_markup_page.page_url"]
    assert "politifact.com" in _error(response)["message"]


def test_a_subdomain_and_www_belong_to_the_site(keys, scale, afp):
    afp.site = "afp.com"
    afp.save()

    response = send("post", PAGES, keys.editor, page("https://www.factcheck.afp.com/doc-1"))

    assert response.status_code == 200, response.content
    assert Verdict.objects.get().publisher == afp


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"claimReviewMarkups": [markup("Claim")]}, "page_url"),
        ({"pageUrl": "javascript:alert(1)", "claimReviewMarkups": [markup("C")]}, "page_url"),
        ({"pageUrl": AFP_PAGE, "claimReviewMarkups": []}, "claim_review_markups"),
        (
            {"pageUrl": AFP_PAGE, "claimReviewMarkups": [{"rating": {}}]},
            "claim_review_markups[0].claim_reviewed",
        ),
        (
            {"pageUrl": AFP_PAGE, "claimReviewMarkups": [markup("C", "")]},
            "claim_review_markups[0].rating.textual_rating",
        ),
        (
            {"pageUrl": AFP_PAGE, "claimReviewMarkups": [markup("C", claimDate="yesterday")]},
            "claim_review_markups[0].claim_date",
        ),
        (
            {
                "pageUrl": AFP_PAGE,
                "claimReviewMarkups": [markup("C", claimAppearances=["ftp://x.org/a"])],
            },
            "claim_review_markups[0].claim_appearances[0]",
        ),
        (
            {
                "pageUrl": AFP_PAGE,
                "claimReviewMarkups": [markup("C", url="https://elsewhere.org/a")],
            },
            "claim_review_markups[0].url",
        ),
        (
            {"pageUrl": AFP_PAGE, "claimReviewMarkups": [markup("C", colour="red")]},
            "claim_review_markups[0].colour",
        ),
        (
            {"pageUrl": AFP_PAGE, "claimReviewMarkups": [markup("C", claimAuthor="Kim")]},
            "claim_review_markups[0].claim_author",
        ),
        ({"pageUrl": AFP_PAGE, "claimReviewMarkups": [markup("C")] * 51}, "claim_review_markups"),
        (
            {"pageUrl": AFP_PAGE, "publishDate": "2999-01-01", "claimReviewMarkups": [markup("C")]},
            "publish_date",
        ),
        ({"pageUrl": 42, "claimReviewMarkups": [markup("C")]}, "page_url"),
    ],
)
def test_bad_bodies_name_the_member_at_fault(keys, scale, afp, body, field):
    response = send("post", PAGES, keys.editor, body)

    assert response.status_code == 400
    assert _error(response)["status"] == "INVALID_ARGUMENT"
    assert f"claim_review_markup_page.{field}" in _fields(response)
    assert not ClaimReviewPage.objects.exists()


def test_rating_numbers_must_be_consistent(keys, scale, afp):
    body = page(
        AFP_PAGE,
        {
            "claimReviewed": "C",
            "rating": {
                "textualRating": "Faux",
                "ratingValue": 9,
                "bestRating": 5,
                "worstRating": 1,
            },
        },
    )

    response = send("post", PAGES, keys.editor, body)

    assert response.status_code == 400
    assert _fields(response) == [
        "claim_review_markup_page.claim_review_markups[0].rating.rating_value"
    ]


def test_bodies_that_are_not_json_objects_are_invalid_arguments(keys):
    not_json = APIClient().generic(
        "POST", f"{PAGES}?key={keys.editor}", b"{not json", content_type="application/json"
    )
    a_list = send("post", PAGES, keys.editor, [page()])
    not_json_type = APIClient().generic(
        "POST", f"{PAGES}?key={keys.editor}", b"pageUrl=x", content_type="text/plain"
    )

    for response in (not_json, a_list, not_json_type):
        assert response.status_code == 400
        assert _error(response)["status"] == "INVALID_ARGUMENT"


def test_one_page_per_url_whatever_its_spelling(keys, scale, afp):
    assert send("post", PAGES, keys.editor, page(AFP_PAGE)).status_code == 200

    again = send(
        "post", PAGES, keys.editor, page("HTTPS://FactCheck.AFP.com:443/doc.afp.com.36QW9Z4#x")
    )

    assert again.status_code == 409
    assert _error(again)["status"] == "ALREADY_EXISTS"
    assert Verdict.objects.count() == 1


def test_list_by_url_or_organization_with_pages_of_results(keys, scale, afp, ours):
    for number in range(3):
        send("post", PAGES, keys.editor, page(f"{AFP_PAGE}-{number}"))
    send("post", PAGES, keys.editor, page(OUR_PAGE))

    by_url = get(PAGES, keys.fact_checker, url=f"{AFP_PAGE}-1#section").json()
    first = get(PAGES, keys.editor, organization="factcheck.afp.com", pageSize="2").json()
    second = get(
        PAGES,
        keys.editor,
        organization="factcheck.afp.com",
        pageSize="2",
        pageToken=first["nextPageToken"],
    ).json()
    both = get(PAGES, keys.editor, organization="afp.com", url=AFP_PAGE)
    unknown = get(PAGES, keys.editor, url="https://nowhere.example.org/")

    assert [p["pageUrl"] for p in by_url["claimReviewMarkupPages"]] == [f"{AFP_PAGE}-1"]
    listed = first["claimReviewMarkupPages"] + second["claimReviewMarkupPages"]
    assert [p["pageUrl"] for p in listed] == [f"{AFP_PAGE}-{n}" for n in (2, 1, 0)]
    assert "nextPageToken" not in second
    assert both.status_code == 400
    assert unknown.json() == {}


@pytest.mark.parametrize("name", ["pages/999999", "pages/abc", "pages/" + "9" * 30])
def test_a_page_that_does_not_exist_is_not_found(keys, name):
    response = get(f"/v1alpha1/{name}", keys.editor)

    assert response.status_code == 404
    assert _error(response)["status"] == "NOT_FOUND"


def _create(keys, body: dict) -> dict:
    response = send("post", PAGES, keys.editor, body)
    assert response.status_code == 200, response.content
    return response.json()


def test_update_corrects_a_changed_rating_in_the_open(
    keys, scale, ours, subscription, django_capture_on_commit_callbacks
):
    researched("Funeral video")
    with django_capture_on_commit_callbacks(execute=True):
        created = _create(keys, page(OUR_PAGE, markup("Funeral video", "False")))
    changed = copy.deepcopy(created)
    changed["claimReviewMarkups"][0]["rating"] = {
        "textualRating": "Misleading",
        "ratingExplanation": "The footage is real but from 2015.",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = send("put", f"/v1alpha1/{created['name']}", keys.editor, changed)

    assert response.status_code == 200, response.content
    verdict = Verdict.objects.get()
    assert verdict.rating.label == "Misleading"
    assert verdict.summary == "The footage is real but from 2015."
    correction = Correction.objects.get(verdict=verdict)
    assert correction.kind == "update"
    assert correction.note == "Rating updated in the ClaimReview markup of the fact-check's page."
    assert list(WebhookDelivery.objects.order_by("id").values_list("event", flat=True)) == [
        "verdict.published",
        "verdict.corrected",
    ]
    # Found by the new explanation.
    assert get("/v1alpha1/claims:search", keys.consumer, query="2015").json()["claims"]


def test_update_without_changes_changes_nothing(keys, scale, ours):
    researched("Funeral video")
    created = _create(keys, page(OUR_PAGE, markup("Funeral video")))

    response = send("put", f"/v1alpha1/{created['name']}", keys.editor, created)

    assert response.status_code == 200
    assert not Correction.objects.exists()
    assert response.json()["claimReviewMarkups"] == created["claimReviewMarkups"]


def test_update_replaces_appearances_and_markup_fields(keys, scale, afp):
    created = _create(
        keys,
        page(
            AFP_PAGE,
            markup(
                "Funeral video",
                "Faux",
                claimFirstAppearance="https://www.douyin.com/video/1",
                claimAppearances=["https://x.com/a/status/2"],
                claimLocation="Pyongyang",
            ),
        ),
    )
    changed = copy.deepcopy(created)
    changed["claimReviewMarkups"][0].update(
        claimFirstAppearance="https://x.com/a/status/2",
        claimAppearances=["https://youtube.com/watch?v=3"],
        claimLocation="",
    )

    updated = send("put", f"/v1alpha1/{created['name']}", keys.editor, changed).json()

    review = updated["claimReviewMarkups"][0]
    assert review["claimFirstAppearance"] == "https://x.com/a/status/2"
    assert review["claimAppearances"] == ["https://youtube.com/watch?v=3"]
    assert "claimLocation" not in review
    assert updated["versionId"] != created["versionId"]


def test_update_refuses_to_change_what_a_published_verdict_reviewed(keys, scale, ours):
    researched("Funeral video")
    created = _create(keys, page(OUR_PAGE, markup("Funeral video", claimAuthor={"name": "A"})))
    changed = copy.deepcopy(created)
    changed["claimReviewMarkups"][0]["claimAuthor"]["name"] = "B"

    response = send("put", f"/v1alpha1/{created['name']}", keys.editor, changed)

    assert response.status_code == 400
    assert _error(response)["status"] == "FAILED_PRECONDITION"
    assert _fields(response) == [
        "claim_review_markup_page.claim_review_markups[0].claim_author.name"
    ]
    assert Claim.objects.get().claimant == "A"


def test_update_with_a_stale_version_or_another_name_is_refused(keys, scale, ours):
    researched("Funeral video")
    created = _create(keys, page(OUR_PAGE, markup("Funeral video")))
    path = f"/v1alpha1/{created['name']}"
    newer = copy.deepcopy(created)
    newer["publishDate"] = "2024-12-27"
    assert send("put", path, keys.editor, newer).status_code == 200

    stale = send("put", path, keys.editor, created)
    renamed = send("put", path, keys.editor, {**newer, "name": "pages/1", "versionId": ""})
    unconditional = send("put", path, keys.editor, {**created, "versionId": ""})

    assert stale.status_code == 409
    assert _error(stale)["status"] == "ABORTED"
    assert renamed.status_code == 400
    assert _fields(renamed) == ["claim_review_markup_page.name"]
    assert unconditional.status_code == 200
    assert "publishDate" not in unconditional.json()


def test_removed_reviews_retract_ours_and_delete_others(
    keys, scale, ours, afp, subscription, django_capture_on_commit_callbacks
):
    researched("Our first claim")
    researched("Our second")
    ours_page = _create(keys, page(OUR_PAGE, markup("Our first claim"), markup("Our second")))
    afp_page = _create(keys, page(AFP_PAGE, markup("Their claim", "Faux"), markup("Kept", "Faux")))
    EvidenceFactory(claim=Claim.objects.get(text="Kept"))
    only_first = copy.deepcopy(ours_page)
    del only_first["claimReviewMarkups"][1]

    # Subscribers hear of the retraction once it has committed.
    with django_capture_on_commit_callbacks(execute=True):
        updated = send("put", f"/v1alpha1/{ours_page['name']}", keys.editor, only_first)
    assert updated.status_code == 200
    assert send("delete", f"/v1alpha1/{afp_page['name']}", keys.editor).json() == {}

    retracted = Verdict.objects.get(claim__text="Our second")
    assert retracted.status == Verdict.Status.RETRACTED
    assert retracted.corrections.get().kind == "retraction"
    assert "verdict.retracted" in WebhookDelivery.objects.values_list("event", flat=True)
    assert not Verdict.objects.filter(publisher=afp).exists()
    # Their claim goes with their verdict, unless the newsroom has worked on it since.
    assert list(
        Claim.objects.filter(text__in=["Their claim", "Kept"]).values_list("text", flat=True)
    ) == ["Kept"]
    assert ClaimReviewPage.objects.count() == 1
    assert ClaimReviewMarkup.objects.count() == 1


def test_deleting_our_page_retracts_its_verdicts_and_search_drops_them(keys, scale, ours):
    researched("Funeral video")
    created = _create(keys, page(OUR_PAGE, markup("Funeral video")))

    response = send("delete", f"/v1alpha1/{created['name']}", keys.editor)

    assert response.status_code == 200
    assert response.json() == {}
    assert Verdict.objects.get().status == Verdict.Status.RETRACTED
    assert get("/v1alpha1/claims:search", keys.consumer, query="funeral").json() == {}
    assert get(f"/v1alpha1/{created['name']}", keys.editor).status_code == 404


def test_listing_costs_the_same_queries_for_one_page_and_for_ten(keys, scale, afp):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = get(PAGES, keys.fact_checker, organization="factcheck.afp.com")
        assert response.status_code == 200
        return len(captured)

    _create(keys, page(f"{AFP_PAGE}-0", markup("Claim 0", claimAppearances=["https://x.com/0"])))
    queries()  # the key's first use is recorded, once a minute
    one = queries()
    for number in range(1, 10):
        _create(
            keys,
            page(
                f"{AFP_PAGE}-{number}",
                markup(f"Claim {number}", claimFirstAppearance=f"https://x.com/{number}"),
                markup(f"Other claim {number}", "False", claimAppearances=["https://x.com/a"]),
            ),
        )

    assert queries() == one
