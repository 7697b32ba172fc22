"""The published fact-check pages, their ClaimReview/MediaReview markup, and the feeds."""

import json
from html import escape
from xml.etree import ElementTree

import extruct
import pytest
from django.utils import timezone

import public.views
from claims.models import Verdict
from claims.services.demo import demo_load
from claims.services.workflow import (
    verdict_correct,
    verdict_publish,
    verdict_retract,
    verdict_submit,
)
from tests.factories import editor

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_demo(settings):
    settings.FACTCHECK_PUBLIC_BASE_URL = "https://factcheck.example.org"
    demo = demo_load(actor=None)
    chief = editor(first_name="Mei", last_name="Lin")
    verdict = verdict_submit(verdict=demo.funeral_verdict, actor=chief)
    return verdict_publish(verdict=verdict, actor=chief), chief


def _json_ld(html: str) -> dict[str, dict]:
    data = extruct.extract(html, syntaxes=["json-ld"], uniform=True)["json-ld"]
    return {item["@type"]: item for item in data}


def test_drafts_and_reviews_are_never_public(client):
    demo = demo_load(actor=None)
    url = f"/fact-checks/{demo.funeral_verdict.slug}/"
    assert client.get(url).status_code == 404
    verdict_submit(verdict=demo.funeral_verdict, actor=editor())
    assert client.get(url).status_code == 404
    assert demo.funeral_verdict.headline not in client.get("/fact-checks/").content.decode()


def test_published_page_shows_the_ruling(client, published_demo):
    verdict, _chief = published_demo
    response = client.get(f"/fact-checks/{verdict.slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in [
        escape(verdict.headline),
        "state funeral of North Korean general Kim Yong Bok",
        "朝鲜为金永福大将举行国葬的视频",
        ">False<",
        verdict.summary,
        "archived copy",
        "first appearance",
        "CCTV report of marshal Ri Ul Sol",
        "The earliest known source",
        "First published by CCTV on 9 November 2015",
        "How we checked",
        "reverse image searches",
        "Mei Lin",
    ]:
        assert text in page, text
    assert "<script src" not in page  # no JavaScript needed
    assert response["Last-Modified"]


def test_claimreview_markup_of_the_demo_case(client, published_demo):
    verdict, _ = published_demo
    markup = _json_ld(client.get(f"/fact-checks/{verdict.slug}/").content.decode())

    review = markup["ClaimReview"]
    assert review["url"] == f"https://factcheck.example.org/fact-checks/{verdict.slug}/"
    assert len(review["claimReviewed"]) <= 75
    assert review["claimReviewed"].startswith("A video shows the state funeral")
    assert review["author"] == {
        "@type": "Organization",
        "name": "Demo Fact Check Desk",
        "url": "https://factcheck.example.org/",
    }
    assert review["datePublished"] == verdict.published_at.date().isoformat()
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating"
    assert (
        rating["alternateName"],
        rating["ratingValue"],
        rating["bestRating"],
        rating["worstRating"],
    ) == ("False", 1, 5, 1)
    claim = review["itemReviewed"]
    assert claim["@type"] == "Claim"
    assert claim["author"]["name"] == "Chinese-language social media users"
    assert claim["datePublished"] == "2024-12-23"
    assert next(a["url"] for a in claim["appearance"]).startswith("https://x.com/")
    assert len(claim["appearance"]) == 3
    assert claim["firstAppearance"]["url"].startswith("https://x.com/")

    media = markup["MediaReview"]
    assert media["mediaAuthenticityCategory"] == "DecontextualizedContent"
    assert media["originalMediaLink"].startswith("https://tv.cctv.com/2015/")
    assert "2015-11-09" in media["originalMediaContextDescription"]
    appearances = media["itemReviewed"]["mediaItemAppearance"]
    assert {a["@type"] for a in appearances} == {"VideoObject"}
    assert len(appearances) == 3


def test_corrections_update_date_modified_and_the_log(client, published_demo):
    verdict, chief = published_demo
    before = _json_ld(client.get(f"/fact-checks/{verdict.slug}/").content.decode())
    verdict_correct(verdict=verdict, actor=chief, kind="update", note="Added the 2020 upload date.")
    response = client.get(f"/fact-checks/{verdict.slug}/")
    after = _json_ld(response.content.decode())
    assert after["ClaimReview"]["dateModified"] > before["ClaimReview"]["dateModified"]
    assert "Added the 2020 upload date." in response.content.decode()


def test_retracted_page_stays_and_says_why(client, published_demo):
    verdict, chief = published_demo
    verdict_retract(verdict=verdict, actor=chief, reason="The footage was misidentified.")
    response = client.get(f"/fact-checks/{verdict.slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "This fact check was retracted" in page
    assert "The footage was misidentified." in page
    assert _json_ld(page)["ClaimReview"]["creativeWorkStatus"] == "Retracted"


def test_list_is_searchable_and_paginated(client, published_demo):
    verdict, _ = published_demo
    headline = escape(verdict.headline)
    assert headline in client.get("/fact-checks/").content.decode()
    assert headline in client.get("/fact-checks/", {"q": "国葬"}).content.decode()
    assert headline not in client.get("/fact-checks/", {"q": "banknotes"}).content.decode()
    assert client.get("/fact-checks/", {"page": "zzz"}).status_code == 200


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feeds_carry_published_and_corrected_verdicts(client, published_demo, kind):
    verdict, chief = published_demo
    verdict_correct(verdict=verdict, actor=chief, kind="correction", note="Fixed the date.")
    response = client.get(f"/fact-checks/feed/{kind}/")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    text = ElementTree.tostring(root, encoding="unicode")
    assert f"False: {verdict.headline}" in text
    assert "Fixed the date." in text
    assert f"https://factcheck.example.org/fact-checks/{verdict.slug}/" in text


def test_claimreview_data_feed_is_paginated(client, published_demo, settings):

    verdict, _chief = published_demo
    response = client.get("/fact-checks/feed/claimreview.json")
    assert response["Content-Type"].startswith("application/ld+json")
    feed = json.loads(response.content)
    assert (feed["@context"], feed["@type"]) == ("https://schema.org", "DataFeed")
    [element] = feed["dataFeedElement"]
    assert element["item"]["@type"] == "ClaimReview"
    assert element["item"]["reviewRating"]["alternateName"] == "False"

    page_size = public.views.FEED_PAGE_SIZE
    public.views.FEED_PAGE_SIZE = 1
    try:
        from tests.factories import VerdictFactory

        VerdictFactory(publisher=verdict.publisher, status="published", published_at=timezone.now())
        first = client.get("/fact-checks/feed/claimreview.json")
        assert 'rel="next"' in first["Link"]
        second = client.get("/fact-checks/feed/claimreview.json?page=2")
        assert len(json.loads(second.content)["dataFeedElement"]) == 1
        assert client.get("/fact-checks/feed/claimreview.json?page=9").status_code == 404
        assert client.get("/fact-checks/feed/claimreview.json?page=x").status_code == 400
    finally:
        public.views.FEED_PAGE_SIZE = page_size


def test_other_publishers_imported_verdicts_have_no_page_here(client):
    from tests.factories import VerdictFactory

    theirs = VerdictFactory(status=Verdict.Status.PUBLISHED, published_at=timezone.now())
    assert client.get(f"/fact-checks/{theirs.slug}/").status_code == 404


def test_evidence_reads_for_people_with_the_technical_detail_folded(client, settings):
    from claims.services.evidence import evidence_from_match
    from media.models import LookupJob
    from media.services.lookups import earliest_match
    from media.tasks import run_lookup

    settings.FACTCHECK_PUBLIC_BASE_URL = "https://factcheck.example.org"
    demo = demo_load(actor=None)
    job = LookupJob.objects.get(media_item__claim_media__claim=demo.funeral_claim)
    run_lookup(job.pk)
    evidence_from_match(match=earliest_match(job), actor=None, relation="refutes")
    chief = editor()
    verdict = verdict_publish(
        verdict=verdict_submit(verdict=demo.funeral_verdict, actor=chief), actor=chief
    )
    page = client.get(f"/fact-checks/{verdict.slug}/").content.decode()
    assert "An earlier copy of this video published by CCTV on 9 November 2015" in page
    folded = page.split("<details>")
    assert all("of 256 bits" not in part.split("</details>")[-1] for part in folded)
    assert "of 256 bits" in page
    assert " s)" not in page
    assert "at 8 s" not in page


def test_the_earliest_source_video_has_a_poster_frame_anyone_may_load(client, published_demo):
    verdict, _ = published_demo
    page = client.get(f"/fact-checks/{verdict.slug}/").content.decode()
    poster = page.split('poster="', 1)[1].split('"', 1)[0]
    assert poster.startswith("/frames/")
    response = client.get(poster)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


def test_search_takes_a_whole_post_and_finds_by_meaning(client, published_demo):
    from retrieval.services import passages_embed_pending

    verdict, _ = published_demo
    passages_embed_pending()
    headline = escape(verdict.headline)
    post = "😱 North Korea held a state funeral for a general!! https://t.co/x1 @someone #DPRK"

    assert headline in client.get("/fact-checks/", {"q": post}).content.decode()
    assert headline in client.get("/fact-checks/", {"q": "북한 장군 국장 영상"}).content.decode()
    assert (
        headline not in client.get("/fact-checks/", {"q": "moon landing studio"}).content.decode()
    )
    assert client.get("/fact-checks/", {"q": "😀\x00"}).status_code == 200
