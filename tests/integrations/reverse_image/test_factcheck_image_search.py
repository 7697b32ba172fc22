from datetime import UTC, datetime

import pytest

from media.integrations.reverse_image.base import (
    ClaimReview,
    ExternalMatch,
    ImageQuery,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderError,
    ProviderRateLimited,
    ProviderTransientError,
    QueryNotSupported,
)
from media.integrations.reverse_image.factcheck_image_search import FactCheckImageSearchProvider
from tests.integrations.reverse_image.fake_engines import (
    AFCL_REVIEW,
    API_KEY,
    CLIP_BYTES,
    CLIP_URL,
    SHORT_TIMEOUT,
    TIMEOUT,
    WIRE_REVIEW,
    Reply,
    error_info,
    factcheck_claim,
    google_error,
    retry_info,
)

CLIP = ImageQuery(url=CLIP_URL, language="zh")
FUNERAL_CLAIM = "朝鲜为金永福大将举行国葬的视频。"


def factcheck(engine, **options) -> FactCheckImageSearchProvider:
    options.setdefault("timeout", TIMEOUT)
    return FactCheckImageSearchProvider(api_key=API_KEY, base_url=engine.url, **options)


def two_pages() -> list[Reply]:
    first = {
        "results": [
            factcheck_claim(FUNERAL_CLAIM, "2024-12-23T00:00:00Z", AFCL_REVIEW, WIRE_REVIEW)
        ],
        "nextPageToken": "CAoSBmRlbW8tMg",
    }
    second = {
        "results": [
            factcheck_claim("Footage shows Kim Yong Bok's funeral procession.", "", WIRE_REVIEW)
        ]
    }
    return [Reply(json=first), Reply(json=second)]


def test_search_sends_the_documented_query_and_follows_the_page_token(engine):
    engine.reply(*two_pages())

    factcheck(engine, page_size=5).search(CLIP)

    first, second = engine.requests
    expected = {
        "imageUri": [CLIP_URL],
        "languageCode": ["zh"],
        "pageSize": ["5"],
        "key": [API_KEY],
    }
    assert (first.method, first.path, first.body) == ("GET", "/v1alpha1/claims:imageSearch", b"")
    assert first.query == expected
    assert (second.method, second.path) == ("GET", "/v1alpha1/claims:imageSearch")
    assert second.query == {**expected, "pageToken": ["CAoSBmRlbW8tMg"]}


def test_language_is_left_out_when_the_query_has_none(engine):
    engine.reply(Reply(json={}))

    factcheck(engine).search(ImageQuery(url=CLIP_URL))

    assert "languageCode" not in engine.requests[0].query


def test_each_review_of_each_claim_is_a_match(engine):
    engine.reply(*two_pages())

    result = factcheck(engine).search(CLIP)

    assert result.provider == "factcheck_image_search"
    assert not result.truncated
    assert len(result.matches) == 3
    afcl = ClaimReview(
        claim_text=FUNERAL_CLAIM,
        claimant="Chinese-language social media users",
        claim_date=datetime(2024, 12, 23, tzinfo=UTC),
        publisher_name="Asia Fact Check Lab",
        publisher_site="asiafactcheck.example",
        url="https://asiafactcheck.example/2024/12/26/kim-yong-bok-funeral-video",
        title="Video of a North Korean state funeral is from 2015",
        review_date=datetime(2024, 12, 26, tzinfo=UTC),
        textual_rating="错误",
        language="zh",
    )
    assert result.matches[0] == ExternalMatch(
        url=afcl.url,
        kind="claim_review",
        page_url=afcl.url,
        page_title=afcl.title,
        first_seen_at=datetime(2024, 12, 23, tzinfo=UTC),
        claim_review=afcl,
    )
    assert [m.claim_review.publisher_name for m in result.matches] == [
        "Asia Fact Check Lab",
        "Demo Wire Fact Check",
        "Demo Wire Fact Check",
    ]
    # The second claim has no date: the review's date is the earliest one known.
    assert result.matches[2].claim_review.claim_date is None
    assert result.matches[2].first_seen_at == datetime(2024, 12, 26, tzinfo=UTC)


def test_pages_stop_at_the_limit_and_the_result_says_so(engine):
    page = {"results": [factcheck_claim(FUNERAL_CLAIM, "2024-12-23T00:00:00Z", AFCL_REVIEW)]}
    engine.reply(
        Reply(json={**page, "nextPageToken": "page-2"}),
        Reply(json={**page, "nextPageToken": "page-3"}),
    )

    result = factcheck(engine, max_pages=2).search(CLIP)

    assert len(engine.requests) == 2
    assert len(result.matches) == 2
    assert result.truncated


def test_no_fact_checks_is_an_empty_result(engine):
    engine.reply(Reply(json={}))

    result = factcheck(engine).search(CLIP)

    assert result.matches == ()
    assert not result.truncated


def test_an_image_known_only_by_its_bytes_cannot_be_searched(engine):
    provider = factcheck(engine)
    bytes_only = ImageQuery(content=CLIP_BYTES, mime_type="image/jpeg")

    assert not provider.supports(bytes_only)
    assert provider.supports(CLIP)
    with pytest.raises(QueryNotSupported, match="public image URL") as raised:
        provider.search(bytes_only)
    assert not raised.value.retryable
    assert engine.requests == []


@pytest.mark.parametrize(
    ("reply", "error_class"),
    [
        (
            Reply(
                status=400,
                json=google_error(
                    400,
                    "INVALID_ARGUMENT",
                    "API key not valid. Please pass a valid API key.",
                    error_info("API_KEY_INVALID", "factchecktools.googleapis.com"),
                ),
            ),
            ProviderAuthError,
        ),
        (
            Reply(
                status=403,
                json=google_error(
                    403,
                    "PERMISSION_DENIED",
                    "Requests to this API factchecktools method are blocked.",
                    error_info("API_KEY_SERVICE_BLOCKED", "factchecktools.googleapis.com"),
                ),
            ),
            ProviderAuthError,
        ),
        (
            Reply(
                status=400,
                json=google_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
            ),
            ProviderBadRequest,
        ),
        (
            Reply(status=500, json=google_error(500, "INTERNAL", "Internal error encountered.")),
            ProviderTransientError,
        ),
    ],
)
def test_google_errors_map_to_typed_errors(engine, reply, error_class):
    engine.reply(reply)

    with pytest.raises(ProviderError) as raised:
        factcheck(engine).search(CLIP)

    assert type(raised.value) is error_class
    assert raised.value.message == reply.json["error"]["message"]
    assert raised.value.status == reply.status


def test_resource_exhausted_is_a_rate_limit_with_its_retry_delay(engine):
    engine.reply(
        Reply(
            status=429,
            json=google_error(
                429,
                "RESOURCE_EXHAUSTED",
                "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'.",
                error_info("RATE_LIMIT_EXCEEDED", "factchecktools.googleapis.com"),
                retry_info("41s"),
            ),
        )
    )

    with pytest.raises(ProviderRateLimited) as raised:
        factcheck(engine).search(CLIP)

    assert raised.value.retryable
    assert raised.value.retry_after == 41.0


def test_retry_after_as_an_http_date_is_honoured(engine):
    engine.reply(
        Reply(
            status=429,
            headers={"Retry-After": "Fri, 01 Jan 2100 00:00:00 GMT"},
            json=google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded."),
        )
    )

    with pytest.raises(ProviderRateLimited) as raised:
        factcheck(engine).search(CLIP)

    assert raised.value.retry_after > 365 * 24 * 3600


def test_a_failure_on_a_later_page_fails_the_search(engine):
    first, _ = two_pages()
    engine.reply(first, Reply(status=503, json=google_error(503, "UNAVAILABLE", "Try again.")))

    with pytest.raises(ProviderTransientError):
        factcheck(engine).search(CLIP)

    assert len(engine.requests) == 2


def test_a_timeout_is_transient(engine):
    engine.reply(Reply(json={}, delay=1.5))

    with pytest.raises(ProviderTransientError, match="timed out") as raised:
        factcheck(engine, timeout=SHORT_TIMEOUT).search(CLIP)

    assert API_KEY not in str(raised.value)


def test_malformed_json_is_an_error_not_worth_retrying(engine):
    engine.reply(Reply(body=b'{"results": [{"claim": '))

    with pytest.raises(ProviderError, match="not valid JSON") as raised:
        factcheck(engine).search(CLIP)

    assert not raised.value.retryable


def test_json_outside_the_documented_format_is_an_error(engine):
    engine.reply(Reply(json={"results": [{"claim": {"claimReview": [{"title": "no url"}]}}]}))

    with pytest.raises(ProviderError, match="documented format"):
        factcheck(engine).search(CLIP)
