"""Reviews as publishers' pages really write them (issue 15): read leniently, stored strictly,
and every guess named."""

import json
from datetime import UTC, datetime

import pytest

from imports.parsing import ClaimReviewRecord, is_post_url, parse_date_value, parse_source
from tests.imports.factories import SCHEMA, claim_review, page

MAX = 10_000_000


def records(data: bytes | dict | list, **kwargs) -> list[ClaimReviewRecord]:
    if not isinstance(data, bytes):
        data = json.dumps(data).encode()
    parsed = parse_source(data, max_bytes=MAX, **kwargs)
    assert not parsed.rejections, parsed.rejections
    return parsed.records


def codes(record: ClaimReviewRecord) -> set[str]:
    return {warning.code for warning in record.warnings}


def html_page(*blocks, lang: str | None = None, head: str = "") -> bytes:
    html = page(*blocks).decode()
    if lang is not None:
        html = html.replace("<html>", f'<html lang="{lang}">', 1)
    return html.replace("<head>", "<head>" + head, 1).encode()


# Review URLs


def test_a_scheme_less_review_url_is_its_site_not_a_path_below_the_page():
    review = claim_review(url="aosfatos.org/noticias/e-falso-que-video-mostra-enchente/")

    [result] = records(
        html_page(review), base_url="https://www.aosfatos.org/noticias/outra-pagina/"
    )

    assert result.review_url == "https://aosfatos.org/noticias/e-falso-que-video-mostra-enchente/"
    assert codes(result) == {"url_scheme_added"}


def test_a_relative_review_url_in_a_file_resolves_against_its_page_url():
    review = claim_review(url="/fact-check/relative-1")

    [result] = records(review, page_url="https://checks.example.com/fact-check/saved")

    assert result.review_url == "https://checks.example.com/fact-check/relative-1"
    assert codes(result) == {"relative_url"}


def test_a_relative_link_to_a_file_is_not_taken_for_a_host():
    review = claim_review(url="check-42.html")

    [result] = records(review, page_url="https://checks.example.com/2024/index.html")

    assert result.review_url == "https://checks.example.com/2024/check-42.html"


# Dates


def test_a_review_without_a_date_takes_the_page_articles():
    review = claim_review(datePublished=None)
    article = {
        "@context": SCHEMA,
        "@type": "NewsArticle",
        "headline": "Fact check",
        "datePublished": "2024-03-05T10:00:00+01:00",
    }

    [result] = records(html_page(article, review), base_url="https://checks.example.com/fc/1")

    assert result.date_published == datetime(2024, 3, 5, 9, 0, tzinfo=UTC)
    assert codes(result) == {"date_from_page"}
    assert "NewsArticle datePublished" in result.warnings[0].message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-12-24", datetime(2024, 12, 24, tzinfo=UTC)),
        ("20241224", datetime(2024, 12, 24, tzinfo=UTC)),
        ("2024-12-24T08:30:00+05:30", datetime(2024, 12, 24, 3, 0, tzinfo=UTC)),
        ("2024-12-24 08:30:00 +0000", datetime(2024, 12, 24, 8, 30, tzinfo=UTC)),
        ("2024-12-24T08:30:00.123Z", datetime(2024, 12, 24, 8, 30, 0, 123000, tzinfo=UTC)),
        ("Tue, 24 Dec 2024 08:30:00 GMT", datetime(2024, 12, 24, 8, 30, tzinfo=UTC)),
        (1735029000, datetime(2024, 12, 24, 8, 30, tzinfo=UTC)),
        ("1735029000000", datetime(2024, 12, 24, 8, 30, tzinfo=UTC)),
        ("December 24, 2024", datetime(2024, 12, 24, tzinfo=UTC)),
        ("Dec. 24, 2024 at 8:30 am", datetime(2024, 12, 24, tzinfo=UTC)),
        ("24 de dezembro de 2024", datetime(2024, 12, 24, tzinfo=UTC)),
        ("24 décembre 2024", datetime(2024, 12, 24, tzinfo=UTC)),
        ("2024/12/24", datetime(2024, 12, 24, tzinfo=UTC)),
        ("24/12/2024", datetime(2024, 12, 24, tzinfo=UTC)),
        ("12/24/2024", datetime(2024, 12, 24, tzinfo=UTC)),
        ("24.12.2024", datetime(2024, 12, 24, tzinfo=UTC)),
    ],
)
def test_dates_in_six_shapes(value, expected):
    assert parse_date_value(value) == expected


@pytest.mark.parametrize("value", ["05/06/2024", "soon", "2024-02-30", "31 Smarch 2024", 12, True])
def test_what_is_no_date_says_why(value):
    with pytest.raises(ValueError, match=r"\w"):
        parse_date_value(value)


# Publishers


def test_the_publisher_is_the_organization_never_the_writer():
    review = claim_review(
        url="https://africacheck.org/fact-checks/reports/x",
        author=[
            {"@type": "Person", "name": "Jane Writer", "url": "https://africacheck.org/jane"},
            {"@type": "Organization", "name": "Africa Check", "url": "https://africacheck.org/"},
        ],
    )

    [result] = records(review)

    assert (result.publisher_name, result.publisher_url) == (
        "Africa Check",
        "https://africacheck.org/",
    )
    assert codes(result) == set()


def test_a_person_author_yields_to_the_pages_publisher_through_graph_references():
    graph = {
        "@context": SCHEMA,
        "@graph": [
            {
                "@type": "Organization",
                "@id": "https://africacheck.org/#organization",
                "name": "Africa Check",
                "url": "https://africacheck.org/",
            },
            {"@type": "Person", "@id": "https://africacheck.org/#/person/1", "name": "J. Writer"},
            {
                "@type": ["Article", "NewsArticle"],
                "publisher": {"@id": "https://africacheck.org/#organization"},
                "inLanguage": "en-ZA",
            },
            claim_review(
                url="https://africacheck.org/fact-checks/reports/y",
                context=False,
                inLanguage=None,
                author={"@id": "https://africacheck.org/#/person/1"},
            ),
        ],
    }

    [result] = records(html_page(graph), base_url="https://africacheck.org/fact-checks/reports/y")

    assert result.publisher_name == "Africa Check"
    assert result.language == "en-ZA"
    assert codes(result) == {"publisher_from_page", "language_from_page"}


def test_og_site_name_names_the_publisher_when_nothing_else_does():
    review = claim_review(author={"@type": "Person", "name": "A Writer"})
    head = '<meta property="og:site_name" content="Example Checks Desk">'

    [result] = records(html_page(review, head=head), base_url="https://checks.example.com/a")

    assert result.publisher_name == "Example Checks Desk"
    assert codes(result) == {"publisher_from_page"}


# Languages


def test_the_pages_html_lang_is_the_reviews_language():
    review = claim_review(inLanguage=None, claimReviewed="El Gobierno subirá el IVA")

    [result] = records(html_page(review, lang="es"), base_url="https://www.newtral.es/x/")

    assert result.language == "es"
    assert codes(result) == {"language_from_page"}


def test_og_locale_when_the_page_has_no_lang():
    review = claim_review(inLanguage=None)
    head = '<meta property="og:locale" content="pt_BR">'

    [result] = records(html_page(review, head=head), base_url="https://lupa.uol.com.br/x")

    assert result.language == "pt-BR"


def test_the_language_is_detected_when_nothing_says_it():
    review = claim_review(
        inLanguage=None,
        claimReviewed="Emmanuel Macron a annoncé la fin des retraites à 62 ans",
        headline="Non, Emmanuel Macron n'a pas annoncé la fin des retraites",
    )

    [result] = records(review)

    assert result.language == "fr"
    assert codes(result) == {"language_detected"}


def test_too_little_text_stays_undetermined():
    review = claim_review(
        inLanguage=None, claimReviewed="5G", headline=None, reviewRating={"alternateName": "x"}
    )

    [result] = records(review)

    assert result.language == ""
    assert codes(result) == {"language_unknown"}


# Appearances


def test_every_url_the_markup_gives_is_an_appearance():
    review = claim_review()
    review["itemReviewed"] = {
        "@type": "Claim",
        "url": "https://www.facebook.com/somepage/posts/123",
        "firstAppearance": "https://t.me/somechannel/77",
        "appearance": [{"@type": "CreativeWork", "url": "twitter.com/someone/status/5"}],
        "author": {
            "@type": "Person",
            "name": "Someone",
            "sameAs": [
                "https://en.wikipedia.org/wiki/Someone",
                "https://x.com/someone",
                "https://www.youtube.com/watch?v=abc",
            ],
        },
    }

    [result] = records(review)

    assert result.appearances == (
        "https://t.me/somechannel/77",
        "https://twitter.com/someone/status/5",
        "https://www.facebook.com/somepage/posts/123",
        "https://www.youtube.com/watch?v=abc",
    )
    assert result.has_first_appearance
    assert codes(result) == {"url_scheme_added"}


def test_a_reviewed_creative_work_is_where_the_claim_appeared():
    review = claim_review()
    review["itemReviewed"] = {
        "@type": "CreativeWork",
        "url": "https://www.tiktok.com/@someone/video/7300000000",
        "author": {"@type": "Person", "name": "someone"},
    }

    [result] = records(review)

    assert result.appearances == ("https://www.tiktok.com/@someone/video/7300000000",)
    assert result.claimant == "someone"


def test_the_review_itself_is_no_appearance():
    review = claim_review()
    review["itemReviewed"]["url"] = review["url"] + "#claim"

    [result] = records(review)

    assert review["url"] not in " ".join(result.appearances)


@pytest.mark.parametrize(
    ("url", "post"),
    [
        ("https://x.com/someone/status/1", True),
        ("https://x.com/someone", False),
        ("https://www.facebook.com/somepage", False),
        ("https://www.facebook.com/permalink.php?story_fbid=1&id=2", True),
        ("https://www.instagram.com/p/Cx1/", True),
        ("https://www.instagram.com/someone/", False),
        ("https://www.youtube.com/@channel", False),
        ("https://youtu.be/abc", True),
        ("https://t.me/channel", False),
        ("https://t.me/channel/12", True),
        ("https://en.wikipedia.org/wiki/Someone", False),
        ("https://www.wikidata.org/wiki/Q1", False),
        ("https://example-news.com/", False),
        ("https://example-news.com/2024/05/article", True),
        ("https://mastodon.social/@someone", False),
        ("https://example-news.com/author/someone", False),
    ],
)
def test_a_post_is_told_from_a_profile(url, post):
    assert is_post_url(url) is post


# Other substitutions, each named


def test_the_claim_text_may_come_from_the_reviewed_item():
    review = claim_review(claimReviewed=None)
    review["itemReviewed"]["text"] = "The bridge was closed for a year"

    [result] = records(review)

    assert result.claim_reviewed == "The bridge was closed for a year"
    assert codes(result) == {"claim_from_item"}


def test_a_feed_items_date_stands_in_for_a_reviews():
    feed = {
        "@context": SCHEMA,
        "@type": "DataFeed",
        "dataFeedElement": [
            {
                "@type": "DataFeedItem",
                "dateCreated": "2024-06-01T12:00:00Z",
                "item": claim_review(context=False, datePublished=None),
            }
        ],
    }

    [result] = records(feed)

    assert result.date_published == datetime(2024, 6, 1, 12, tzinfo=UTC)
    assert codes(result) == {"date_from_other_property"}
    assert "DataFeedItem's dateCreated" in result.warnings[0].message


def test_a_rating_written_as_a_paragraph_is_cut_and_kept_whole_as_the_explanation():
    sentence = (
        "Falso. " + "O vídeo foi gravado em outra cidade, anos antes do que diz a legenda. " * 4
    )
    review = claim_review(description=None, reviewRating={"alternateName": sentence.strip()})

    [result] = records(review)

    assert len(result.textual_rating) <= 200
    assert result.explanation == sentence.strip()
    assert codes(result) == {"text_cut"}


def test_a_reviewed_article_is_not_the_pages_article():
    review = claim_review(datePublished=None)
    review["itemReviewed"] = {
        "@type": "NewsArticle",
        "url": "https://news.example.net/2024/01/02/story",
        "datePublished": "2024-01-02",
    }

    [result] = records(html_page(review), base_url="https://checks.example.com/fc/9")

    assert result.date_published is None
    assert result.appearances == ("https://news.example.net/2024/01/02/story",)
    assert "date_from_page" not in codes(result)


def test_short_english_is_not_taken_for_a_language_no_review_is_written_in():
    review = claim_review(
        inLanguage=None,
        claimReviewed="Further terrorist attacks were planned for 22 September 2001.",
        headline="22 September 2001 Terrorist Attack",
        reviewRating={"alternateName": "False"},
    )

    [result] = records(review)

    assert result.language == "en"
