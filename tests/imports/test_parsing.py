"""Reading ClaimReviews out of pages, JSON-LD documents and DataFeeds, and validating each."""

import json
from datetime import UTC, date, datetime

import pytest

from imports.parsing import (
    ClaimReviewRecord,
    Format,
    Rejection,
    SourceError,
    fit,
    normalize_language,
    normalize_url,
    parse_source,
    validate_claim_review,
)
from tests.imports.factories import SCHEMA, claim_review, data_feed, feed_item, page

MAX = 10_000_000


def parse(data: bytes | dict | list, **kwargs):
    if not isinstance(data, bytes):
        data = json.dumps(data).encode()
    return parse_source(data, max_bytes=kwargs.pop("max_bytes", MAX), **kwargs)


def record(node: dict) -> ClaimReviewRecord:
    result = validate_claim_review(node)
    assert isinstance(result, ClaimReviewRecord), result
    return result


def rejection(node: dict) -> Rejection:
    result = validate_claim_review(node)
    assert isinstance(result, Rejection), result
    return result


# A complete record


def test_a_complete_claim_review_is_normalized():
    result = record(claim_review(7))

    assert result == ClaimReviewRecord(
        index=0,
        location="$",
        review_url="https://checks.example.com/fact-check/7",
        claim_reviewed="Claim number 7: the moon landing footage was filmed in 2015.",
        claimant="A viral account",
        claim_date=date(2024, 12, 20),
        appearances=("https://x.com/someone/status/1007", "https://www.youtube.com/watch?v=v7"),
        has_first_appearance=False,
        publisher_name="Example Checks",
        publisher_site="checks.example.com",
        publisher_url="https://checks.example.com/",
        date_published=datetime(2024, 12, 24, tzinfo=UTC),
        headline="No, claim 7 is not true",
        explanation="The footage is from 1969.",
        language="en",
        textual_rating="False",
        rating_value=1.0,
        best_rating=5.0,
        worst_rating=1.0,
    )


def test_first_appearance_comes_first_and_is_flagged():
    review = claim_review()
    review["itemReviewed"]["firstAppearance"] = {
        "@type": "CreativeWork",
        "url": "https://www.douyin.com/video/1",
    }
    review["itemReviewed"]["appearance"].append("https://x.com/someone/status/1001")

    result = record(review)

    assert result.appearances == (
        "https://www.douyin.com/video/1",
        "https://x.com/someone/status/1001",
        "https://www.youtube.com/watch?v=v1",
    )
    assert result.has_first_appearance


def test_appearance_urls_that_are_not_http_are_left_out_and_the_record_kept():
    review = claim_review()
    review["itemReviewed"]["appearance"] = ["javascript:alert(1)", {"url": "ftp://x.org/a"}, 42]

    result = record(review)

    assert result.appearances == ()
    assert codes(result) == {"appearance_ignored", "value_ignored"}


def test_optional_parts_may_be_missing():
    review = claim_review(
        itemReviewed=None,
        headline=None,
        inLanguage=None,
        author=None,
        reviewRating={"alternateName": "Faux"},
    )

    result = record(review)

    assert (result.claimant, result.claim_date, result.appearances) == ("", None, ())
    assert (result.headline, result.explanation) == ("", "")
    # Without an author, the publisher is named after the review's site.
    assert (result.publisher_name, result.publisher_site) == (
        "checks.example.com",
        "checks.example.com",
    )
    assert (result.textual_rating, result.rating_value) == ("Faux", None)
    # Without inLanguage or a page, the language is detected from the text.
    assert result.language == "en"
    assert codes(result) == {"publisher_from_site", "language_detected"}


def test_publisher_site_is_the_review_host_without_www():
    review = claim_review(url="https://WWW.Politifact.com/factchecks/2024/dec/1/x/")
    review["author"] = {
        "@type": "Organization",
        "name": "PolitiFact",
        "url": "https://twitter.com/politifact",
    }

    result = record(review)

    assert result.publisher_site == "politifact.com"
    assert result.review_url == "https://www.politifact.com/factchecks/2024/dec/1/x/"
    assert result.publisher_url == "https://twitter.com/politifact"


def test_publisher_falls_back_to_the_publisher_property():
    review = claim_review(author=None, publisher={"@type": "Organization", "name": "Desk"})

    assert record(review).publisher_name == "Desk"


def test_json_ld_value_objects_and_single_entry_lists_are_read():
    review = claim_review(
        url=[{"@id": "https://checks.example.com/fact-check/9"}],
        claimReviewed={"@value": "Value object claim"},
        inLanguage={"@type": "Language", "name": "English", "alternateName": "en-gb"},
        author=[
            {"@type": "Organization", "name": "First"},
            {"@type": "Organization", "name": "Second"},
        ],
    )

    result = record(review)

    assert result.review_url == "https://checks.example.com/fact-check/9"
    assert result.claim_reviewed == "Value object claim"
    assert result.language == "en-GB"
    assert result.publisher_name == "First"


def test_dates_in_the_forms_publishers_use():
    cases = {
        "2024-12-24": datetime(2024, 12, 24, tzinfo=UTC),
        "2024-12-24T08:30:00Z": datetime(2024, 12, 24, 8, 30, tzinfo=UTC),
        "2024-12-24T08:30:00+08:00": datetime(2024, 12, 24, 0, 30, tzinfo=UTC),
        "2024-12-24 08:30": datetime(2024, 12, 24, 8, 30, tzinfo=UTC),
        "Tue, 24 Dec 2024 08:30:00 +0000": datetime(2024, 12, 24, 8, 30, tzinfo=UTC),
    }
    for text, expected in cases.items():
        assert record(claim_review(datePublished=text)).date_published == expected, text


def test_the_claim_date_is_the_day_in_its_own_zone():
    review = claim_review()
    review["itemReviewed"]["datePublished"] = "2024-12-20T23:30:00-05:00"

    assert record(review).claim_date == date(2024, 12, 20)


def test_numeric_ratings_may_be_text():
    review = claim_review(
        reviewRating={"ratingValue": "2", "bestRating": "3", "worstRating": " 1 "}
    )

    result = record(review)

    assert (
        result.textual_rating,
        result.rating_value,
        result.best_rating,
        result.worst_rating,
    ) == (
        "",
        2.0,
        3.0,
        1.0,
    )


def test_the_rating_name_stands_in_for_a_missing_alternate_name():
    assert (
        record(claim_review(reviewRating={"name": "Pants on Fire"})).textual_rating
        == "Pants on Fire"
    )


def test_long_text_is_cut_to_the_field_at_a_word():
    long_rating = "This is incorrect. " * 20
    result = record(claim_review(reviewRating={"alternateName": long_rating}))

    assert len(result.textual_rating) <= 200
    assert result.textual_rating.endswith("…")
    assert long_rating.startswith(result.textual_rating[:-1])


# Refused records: no review URL or no claim text, nothing else


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"url": None}, "missing_url"),
        ({"url": ""}, "missing_url"),
        ({"url": "ftp://checks.example.com/1"}, "invalid_url"),
        ({"url": "javascript:alert(1)"}, "invalid_url"),
        ({"url": "/relative/path"}, "invalid_url"),
        ({"url": "https://user:pw@checks.example.com/1"}, "invalid_url"),
        ({"url": "https://checks.example.com/" + "a" * 2000}, "invalid_url"),
        ({"url": "https://exa mple.com/1"}, "invalid_url"),
        ({"url": 12}, "invalid_url"),
        ({"url": {"name": "no url here"}}, "invalid_url"),
        ({"url": "https://10.0.0.1/1"}, "invalid_publisher"),
        ({"claimReviewed": None}, "missing_claim_reviewed"),
        ({"claimReviewed": "   "}, "missing_claim_reviewed"),
        ({"claimReviewed": 42}, "missing_claim_reviewed"),
        ({"claimReviewed": {"text": "nested"}}, "missing_claim_reviewed"),
    ],
)
def test_a_review_without_url_or_claim_is_refused(overrides, code):
    result = rejection(claim_review(**overrides))

    assert result.code == code
    assert result.message


# Everything else is read as the wild writes it, and each guess is a named warning


def codes(result: ClaimReviewRecord) -> set[str]:
    return {warning.code for warning in result.warnings}


@pytest.mark.parametrize(
    ("overrides", "warnings"),
    [
        ({"datePublished": None}, {"missing_date"}),
        ({"datePublished": "yesterday"}, {"invalid_date", "missing_date"}),
        ({"datePublished": "2024-02-30"}, {"invalid_date", "missing_date"}),
        ({"datePublished": "2024-13-01T00:00:00Z"}, {"invalid_date", "missing_date"}),
        ({"datePublished": 20241224}, set()),
        ({"itemReviewed": {"datePublished": "05/06/2024"}}, {"invalid_date"}),
        ({"itemReviewed": "a claim"}, {"value_ignored"}),
        ({"inLanguage": "English"}, {"invalid_language", "language_detected"}),
        ({"inLanguage": "e"}, {"invalid_language", "language_detected"}),
        ({"inLanguage": "en-" + "x" * 40}, {"invalid_language", "language_detected"}),
        ({"inLanguage": ["en", "fr"]}, set()),
        ({"inLanguage": 7}, {"invalid_language", "language_detected"}),
        ({"reviewRating": None}, set()),  # the stand-in is decided against our scale
        ({"reviewRating": {"ratingValue": 1}}, {"rating_scale_default"}),
        ({"reviewRating": {"ratingValue": 1, "bestRating": 5}}, {"rating_scale_default"}),
        ({"reviewRating": "False"}, set()),
        ({"reviewRating": {"alternateName": ["False"]}}, set()),
        ({"reviewRating": {"alternateName": {"text": "x"}}}, {"value_ignored"}),
        (
            {"reviewRating": {"ratingValue": "one", "alternateName": "False"}},
            {"rating_numbers_ignored"},
        ),
        (
            {"reviewRating": {"ratingValue": True, "alternateName": "False"}},
            {"rating_numbers_ignored"},
        ),
        (
            {"reviewRating": {"ratingValue": 9, "bestRating": 5, "worstRating": 1}},
            {"rating_numbers_ignored"},
        ),
        (
            {"reviewRating": {"ratingValue": "NaN", "alternateName": "x"}},
            {"rating_numbers_ignored"},
        ),
        ({"author": 5}, {"value_ignored", "publisher_from_site"}),
        ({"author": {"name": ["a", "b"]}}, set()),
        ({"author": {"name": {"first": "x"}}}, {"value_ignored", "publisher_from_site"}),
        ({"headline": 3}, {"value_ignored"}),
    ],
)
def test_a_flawed_review_is_imported_with_what_was_guessed(overrides, warnings):
    result = record(claim_review(**overrides))

    assert codes(result) == warnings
    assert all(warning.message for warning in result.warnings)


def test_a_rating_explanation_as_a_number_is_left_out_not_fatal():
    """Issue 15: three BOOM pages were refused (`wrong_type`) for a numeric explanation."""
    review = claim_review(description="The video is from 2019, not from this year.")
    review["reviewRating"]["ratingExplanation"] = 3

    result = record(review)

    assert result.explanation == "The video is from 2019, not from this year."
    assert codes(result) == {"value_ignored"}
    assert "ratingExplanation" in result.warnings[0].message


def test_equal_best_and_worst_keep_the_textual_rating():
    """Issue 15: `bestRating` equal to `worstRating` refused a review that rates in words."""
    result = record(
        claim_review(
            reviewRating={
                "alternateName": "Falso",
                "ratingValue": 1,
                "bestRating": 1,
                "worstRating": 1,
            }
        )
    )

    assert (result.textual_rating, result.rating_value, result.best_rating) == (
        "Falso",
        None,
        None,
    )
    assert codes(result) == {"rating_numbers_ignored"}


def test_a_review_without_any_date_is_imported_without_one():
    """Issue 15: `datePublished` is recommended, not required (289 Snopes records lack it)."""
    result = record(claim_review(datePublished=None))

    assert result.date_published is None
    assert codes(result) == {"missing_date"}


def test_a_rejection_names_the_review_url_when_it_has_one():
    result = rejection(claim_review(3, claimReviewed=None))

    assert result.review_url == "https://checks.example.com/fact-check/3"
    assert result.message == "The review has no claimReviewed."


def test_a_reversed_numeric_scale_is_valid():
    result = record(
        claim_review(reviewRating={"ratingValue": 2, "bestRating": 1, "worstRating": 5})
    )

    assert (result.rating_value, result.best_rating, result.worst_rating) == (2, 1, 5)


# Finding ClaimReviews in documents


def test_a_single_json_ld_document():
    parsed = parse(claim_review())

    assert parsed.format == Format.JSON_LD
    assert [r.review_url for r in parsed.records] == ["https://checks.example.com/fact-check/1"]


def test_a_top_level_array_of_reviews_with_and_without_context():
    parsed = parse([claim_review(1), claim_review(2, context=False), {"@type": "WebSite"}])

    assert [r.index for r in parsed.records] == [0, 1]
    assert [r.location for r in parsed.records] == ["$[0]", "$[1]"]
    assert parsed.rejections == []


def test_graph_type_lists_and_http_context():
    review = claim_review(2, context=False)
    review["@type"] = ["ClaimReview", "Review"]
    document = {
        "@context": "http://schema.org/",
        "@graph": [{"@type": "WebPage", "name": "x"}, review, {"@type": "Organization"}],
    }

    parsed = parse(document)

    assert [(r.index, r.location) for r in parsed.records] == [(0, "$.@graph[1]")]


def test_reviews_nested_in_item_lists_and_main_entity():
    document = {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "item": claim_review(1, context=False)},
            {
                "@type": "ListItem",
                "position": 2,
                "item": {"@type": "WebPage", "mainEntity": claim_review(2, context=False)},
            },
        ],
    }

    parsed = parse(document)

    assert [r.location for r in parsed.records] == [
        "$.itemListElement[0].item",
        "$.itemListElement[1].item.mainEntity",
    ]


def test_full_iri_types_and_vocab_contexts_count():
    iri = claim_review(1, context=False)
    iri["@type"] = "http://schema.org/ClaimReview"
    vocab = claim_review(2, context=False)
    vocab["@context"] = {"@vocab": "https://schema.org/"}
    prefixed = claim_review(3, context=False)
    prefixed["@type"] = "schema:ClaimReview"

    assert len(parse([iri, vocab, prefixed]).records) == 3


def test_a_claim_review_of_another_vocabulary_is_not_one():
    foreign = claim_review(1)
    foreign["@context"] = "https://example.org/vocab"

    with pytest.raises(SourceError) as error:
        parse([foreign])
    assert error.value.code == "no_claim_reviews"


def test_a_data_feed_of_items_holding_one_or_several_reviews():
    feed = data_feed(
        [
            claim_review(1, context=False),
            feed_item(claim_review(2, context=False)),
            feed_item(claim_review(3, context=False), claim_review(4, context=False), many=True),
        ]
    )

    parsed = parse(feed)

    assert parsed.format == Format.DATA_FEED
    assert [(r.index, r.location) for r in parsed.records] == [
        (0, "$.dataFeedElement[0]"),
        (1, "$.dataFeedElement[1].item"),
        (2, "$.dataFeedElement[2].item[0]"),
        (3, "$.dataFeedElement[2].item[1]"),
    ]


def test_data_feed_elements_that_hold_no_review_are_rejected():
    feed = data_feed(
        [
            {"@type": "DataFeedItem", "dateCreated": "2024-01-01"},
            {"@type": "DataFeedItem", "item": {"@type": "MediaReview"}},
            {"@type": "DataFeedItem", "item": [claim_review(5, context=False), "text"]},
            "just text",
            7,
            {"@type": "Thing"},
        ]
    )

    parsed = parse(feed)

    assert [(item.index, item.code) for item in parsed.rejections] == [
        (0, "not_a_claim_review"),
        (1, "not_a_claim_review"),
        (3, "not_a_claim_review"),
        (4, "not_a_claim_review"),
        (5, "not_a_claim_review"),
        (6, "not_a_claim_review"),
    ]
    assert [r.index for r in parsed.records] == [2]
    assert parsed.rejections[1].message == "Expected a ClaimReview, found a MediaReview."
    assert parsed.rejections[1].location == "$.dataFeedElement[1].item"


def test_an_empty_data_feed_has_no_records_and_is_no_error():
    parsed = parse(data_feed([]))

    assert (parsed.format, parsed.items) == (Format.DATA_FEED, [])


def test_bad_records_never_stop_the_others():
    feed = data_feed(
        [
            claim_review(1, context=False, url=None),
            claim_review(2, context=False),
            claim_review(3, context=False, claimReviewed=None),
            claim_review(4, context=False),
        ]
    )

    parsed = parse(feed)

    assert [(type(item).__name__, item.index) for item in parsed.items] == [
        ("Rejection", 0),
        ("ClaimReviewRecord", 1),
        ("Rejection", 2),
        ("ClaimReviewRecord", 3),
    ]


def test_a_review_url_seen_earlier_in_the_source_is_rejected():
    parsed = parse([claim_review(1), claim_review(2), claim_review(1, headline="Again")])

    assert [r.index for r in parsed.records] == [0, 1]
    [duplicate] = parsed.rejections
    assert (duplicate.index, duplicate.code, duplicate.message) == (
        2,
        "duplicate_review_url",
        "Record 0 has the same review url.",
    )


def test_deep_nesting_is_no_crash():
    document: dict = {"@type": "Thing"}
    for _ in range(500):
        document = {"@type": "Thing", "hasPart": document}
    document["hasPart"]["review"] = claim_review()

    assert len(parse(document).records) == 1


# Pages


def test_a_page_with_json_ld_blocks_one_broken():
    html = page(
        {"@context": SCHEMA, "@type": "WebSite", "name": "Example Checks"},
        "{ this is not json",
        {"@context": SCHEMA, "@graph": [{"@type": "WebPage"}, claim_review(2, context=False)]},
    )

    parsed = parse(html, base_url="https://checks.example.com/fact-check/2")

    assert parsed.format == Format.HTML_PAGE
    [broken] = parsed.rejections
    assert (broken.index, broken.code, broken.location) == (
        0,
        "invalid_json_ld",
        "JSON-LD block 2: $",
    )
    assert [(r.index, r.location) for r in parsed.records] == [(1, "JSON-LD block 3: $.@graph[1]")]


def test_a_page_review_without_url_is_the_page_and_relative_urls_resolve():
    html = page(claim_review(url=None), body="")
    base = "https://checks.example.com/fact-check/article-1"

    [result] = parse(html, base_url=base).records
    assert result.review_url == base

    html = page(claim_review(url="/fact-check/relative"))
    [result] = parse(html, base_url=base).records
    assert result.review_url == "https://checks.example.com/fact-check/relative"


def test_microdata_on_a_page():
    body = """
    <article itemscope itemtype="https://schema.org/ClaimReview">
      <link itemprop="url" href="/fact-check/micro">
      <h1 itemprop="headline">Microdata check</h1>
      <p itemprop="claimReviewed">The bridge collapsed last week.</p>
      <meta itemprop="datePublished" content="2024-11-02">
      <meta itemprop="inLanguage" content="en">
      <div itemprop="itemReviewed" itemscope itemtype="https://schema.org/Claim">
        <span itemprop="author" itemscope itemtype="https://schema.org/Person">
          <span itemprop="name">Local blog</span></span>
        <div itemprop="appearance" itemscope itemtype="https://schema.org/CreativeWork">
          <link itemprop="url" href="https://t.me/channel/5"></div>
        <div itemprop="firstAppearance" itemscope itemtype="https://schema.org/CreativeWork">
          <link itemprop="url" href="https://www.facebook.com/post/1"></div>
      </div>
      <div itemprop="author" itemscope itemtype="https://schema.org/Organization">
        <span itemprop="name">Example Checks</span></div>
      <div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">
        <span itemprop="alternateName">Mostly false</span>
        <meta itemprop="ratingValue" content="2"><meta itemprop="bestRating" content="5">
        <meta itemprop="worstRating" content="1"></div>
    </article>
    """

    parsed = parse(page(body=body), base_url="https://checks.example.com/fact-check/micro")

    [result] = parsed.records
    assert result.location == "microdata item 1: $"
    assert result.review_url == "https://checks.example.com/fact-check/micro"
    assert (result.claim_reviewed, result.claimant) == (
        "The bridge collapsed last week.",
        "Local blog",
    )
    assert result.appearances == ("https://www.facebook.com/post/1", "https://t.me/channel/5")
    assert (result.textual_rating, result.rating_value) == ("Mostly false", 2.0)


def test_a_page_in_another_encoding():
    html = page(claim_review(claimReviewed="Café crème coûte 10 €"))
    latin = html.decode().replace('charset="utf-8"', 'charset="windows-1252"').encode("cp1252")

    [result] = parse(latin).records

    assert result.claim_reviewed == "Café crème coûte 10 €"


def test_the_content_type_charset_wins_over_the_page():
    latin = page(claim_review(claimReviewed="Ça va")).decode().encode("latin-1")

    [result] = parse(latin, content_type="text/html; charset=ISO-8859-1").records

    assert result.claim_reviewed == "Ça va"


# Sources that cannot be read at all


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_source"),
        (b"   \n\t ", "empty_source"),
        (b"\xef\xbb\xbf", "empty_source"),
        (b"{not json", "invalid_json"),
        (b'{"a": 1} trailing', "invalid_json"),
        (b'["\xff\xfe"]', "invalid_json"),
        (b"[" * 100_000 + b"]" * 100_000, "invalid_json"),
        (b"PK\x03\x04 a zip file", "unsupported_format"),
        (b"claimReviewed,url\nx,y", "unsupported_format"),
        (b'{"@type": "WebSite"}', "no_claim_reviews"),
        (b"[]", "no_claim_reviews"),
        (b"<html><body>No markup here</body></html>", "no_claim_reviews"),
    ],
)
def test_a_source_that_cannot_be_read(data, code):
    with pytest.raises(SourceError) as error:
        parse(data)

    assert error.value.code == code
    assert error.value.message


def test_a_source_over_the_limit_is_refused_before_it_is_read():
    with pytest.raises(SourceError) as error:
        parse(json.dumps(claim_review()).encode(), max_bytes=100)

    assert error.value.code == "too_large"


def test_a_json_file_with_a_byte_order_mark():
    data = b"\xef\xbb\xbf" + json.dumps(claim_review()).encode()

    assert len(parse(data).records) == 1


# Helpers


def test_normalize_url():
    assert (
        normalize_url("HTTPS://Example.COM:443/A/b?Q=1#Frag") == "https://example.com/A/b?Q=1#Frag"
    )
    assert normalize_url("http://example.com:8080") == "http://example.com:8080/"
    assert normalize_url("  https://example.com/x  ") == "https://example.com/x"
    assert normalize_url("https://example.com:99999/") is None
    assert normalize_url("mailto:a@example.com") is None
    assert normalize_url("x", base_url="https://example.com/a/b") == "https://example.com/a/x"


def test_normalize_language():
    assert normalize_language("EN_us") == "en-US"
    assert normalize_language("zh-hant-tw") == "zh-Hant-TW"
    assert normalize_language("es-419") == "es-419"


def test_fit():
    assert fit("short", 10) == "short"
    assert fit("one two three four", 10) == "one two…"
    assert fit("abcdefghijkl", 5) == "abcd…"


def test_dates_keep_their_instant_in_utc():
    result = record(claim_review(datePublished="2024-12-24T08:30:00+09:00"))
    odd = record(claim_review(datePublished="2024-12-24T08:30:00+23:00"))

    assert result.date_published == datetime(2024, 12, 23, 23, 30, tzinfo=UTC)
    assert result.date_published.tzinfo == UTC
    assert odd.date_published == datetime(2024, 12, 23, 9, 30, tzinfo=UTC)
