import base64
import time

import pytest

from media.integrations.reverse_image.base import (
    ExternalMatch,
    ImageQuery,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderError,
    ProviderRateLimited,
    ProviderTransientError,
)
from media.integrations.reverse_image.google_vision import GoogleVisionProvider
from tests.integrations.reverse_image.fake_engines import (
    API_KEY,
    CCTV_IMAGE,
    CCTV_PAGE,
    CLIP_BYTES,
    CLIP_URL,
    SHORT_TIMEOUT,
    TIMEOUT,
    YOUTUBE_PAGE,
    YOUTUBE_THUMBNAIL,
    Reply,
    error_info,
    google_error,
    retry_info,
    vision_funeral_found,
)

FRAME = ImageQuery(content=CLIP_BYTES, mime_type="image/jpeg")


def vision(engine, **options) -> GoogleVisionProvider:
    options.setdefault("timeout", TIMEOUT)
    return GoogleVisionProvider(api_key=API_KEY, base_url=engine.url, **options)


def test_search_by_bytes_sends_the_documented_annotate_request(engine):
    engine.reply(Reply(json=vision_funeral_found()))

    vision(engine, max_results=20).search(FRAME)

    [request] = engine.requests
    assert request.method == "POST"
    assert request.path == "/v1/images:annotate"
    assert request.query == {"key": [API_KEY]}
    assert request.headers["content-type"].startswith("application/json")
    assert request.json() == {
        "requests": [
            {
                "image": {"content": base64.b64encode(CLIP_BYTES).decode("ascii")},
                "features": [{"type": "WEB_DETECTION", "maxResults": 20}],
            }
        ]
    }


def test_search_by_url_sends_the_image_uri(engine):
    engine.reply(Reply(json=vision_funeral_found()))

    vision(engine).search(ImageQuery(url=CLIP_URL))

    image = engine.requests[0].json()["requests"][0]["image"]
    assert image == {"source": {"imageUri": CLIP_URL}}


def test_bytes_are_sent_rather_than_the_url_when_both_are_known(engine):
    engine.reply(Reply(json=vision_funeral_found()))

    vision(engine).search(ImageQuery(content=CLIP_BYTES, mime_type="image/jpeg", url=CLIP_URL))

    assert "content" in engine.requests[0].json()["requests"][0]["image"]


def test_web_detection_maps_to_matches_of_each_kind(engine):
    engine.reply(Reply(json=vision_funeral_found()))

    result = vision(engine).search(FRAME)

    assert result.provider == "google_vision"
    assert not result.truncated
    assert result.matches == (
        ExternalMatch(url=CCTV_IMAGE, kind="full"),
        ExternalMatch(url=YOUTUBE_THUMBNAIL, kind="partial"),
        ExternalMatch(
            url="https://upload.wikimedia.org/demo/Pyongyang_cortege.jpg", kind="similar"
        ),
        ExternalMatch(
            url=CCTV_IMAGE,
            kind="page",
            page_url=CCTV_PAGE,
            page_title="朝鲜为李乙雪举行国葬 & 送葬",
            extra={"full_matching_images": [CCTV_IMAGE], "partial_matching_images": []},
        ),
        ExternalMatch(
            url=YOUTUBE_THUMBNAIL,
            kind="page",
            page_url=YOUTUBE_PAGE,
            page_title="North Korea: state funeral of Ri Ul Sol - YouTube",
            extra={"full_matching_images": [], "partial_matching_images": [YOUTUBE_THUMBNAIL]},
        ),
    )


def test_score_is_kept_when_vision_still_sends_it(engine):
    payload = {
        "responses": [{"webDetection": {"fullMatchingImages": [{"url": CCTV_IMAGE, "score": 0.9}]}}]
    }
    engine.reply(Reply(json=payload))

    [match] = vision(engine).search(FRAME).matches

    assert match.score == pytest.approx(0.9)


@pytest.mark.parametrize("answer", [{}, {"webDetection": {}}])
def test_an_image_found_nowhere_is_an_empty_result(engine, answer):
    engine.reply(Reply(json={"responses": [answer]}))

    assert vision(engine).search(FRAME).matches == ()


@pytest.mark.parametrize(
    ("rpc_status", "error_class"),
    [
        ({"code": 3, "message": "Bad image data."}, ProviderBadRequest),
        (
            {
                "code": 7,
                "message": "We're not allowed to access the URL on your behalf. Please download "
                "the content and pass it in.",
            },
            ProviderBadRequest,
        ),
        (
            {
                "code": 14,
                "message": "We can not access the URL currently. Please download the content "
                "and pass it in.",
            },
            ProviderTransientError,
        ),
        ({"code": 8, "message": "Quota exhausted."}, ProviderRateLimited),
    ],
)
def test_a_per_image_error_in_a_successful_batch_is_raised(engine, rpc_status, error_class):
    engine.reply(Reply(json={"responses": [{"error": rpc_status}]}))

    with pytest.raises(error_class) as raised:
        vision(engine).search(ImageQuery(url=CLIP_URL))

    assert raised.value.message == rpc_status["message"]
    assert raised.value.retryable is error_class.retryable


def test_an_invalid_key_is_an_auth_error_although_google_answers_400(engine):
    engine.reply(
        Reply(
            status=400,
            json=google_error(
                400,
                "INVALID_ARGUMENT",
                "API key not valid. Please pass a valid API key.",
                error_info("API_KEY_INVALID", "vision.googleapis.com"),
            ),
        )
    )

    with pytest.raises(ProviderAuthError) as raised:
        vision(engine).search(FRAME)

    assert raised.value.status == 400
    assert not raised.value.retryable
    assert "API key not valid" in str(raised.value)


def test_a_key_without_access_to_the_api_is_an_auth_error(engine):
    engine.reply(
        Reply(
            status=403,
            json=google_error(
                403,
                "PERMISSION_DENIED",
                "Cloud Vision API has not been used in project 123456 before or it is disabled.",
                error_info("SERVICE_DISABLED", "vision.googleapis.com"),
            ),
        )
    )

    with pytest.raises(ProviderAuthError) as raised:
        vision(engine).search(FRAME)

    assert raised.value.status == 403
    assert not raised.value.retryable


def test_a_refused_request_is_a_bad_request(engine):
    engine.reply(
        Reply(
            status=400,
            json=google_error(400, "INVALID_ARGUMENT", "Request must specify image and features."),
        )
    )

    with pytest.raises(ProviderBadRequest) as raised:
        vision(engine).search(FRAME)

    assert raised.value.message == "Request must specify image and features."
    assert not raised.value.retryable


def test_rate_limit_honours_retry_after(engine):
    engine.reply(
        Reply(
            status=429,
            headers={"Retry-After": "30"},
            json=google_error(
                429,
                "RESOURCE_EXHAUSTED",
                "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute'.",
                error_info("RATE_LIMIT_EXCEEDED", "vision.googleapis.com"),
            ),
        )
    )

    with pytest.raises(ProviderRateLimited) as raised:
        vision(engine).search(FRAME)

    assert raised.value.retryable
    assert raised.value.retry_after == 30.0
    assert raised.value.status == 429


def test_resource_exhausted_without_retry_after_uses_retry_info(engine):
    engine.reply(
        Reply(
            status=429,
            json=google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", retry_info("12.5s")),
        )
    )

    with pytest.raises(ProviderRateLimited) as raised:
        vision(engine).search(FRAME)

    assert raised.value.retry_after == 12.5


@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=500, json=google_error(500, "INTERNAL", "Internal error encountered.")),
        Reply(
            status=503,
            headers={"Retry-After": "5"},
            json=google_error(503, "UNAVAILABLE", "The service is currently unavailable."),
        ),
        # A load balancer's page, not Google's JSON.
        Reply(status=502, body=b"<html><body>502 Bad Gateway</body></html>"),
    ],
)
def test_server_errors_are_transient(engine, reply):
    engine.reply(reply)

    with pytest.raises(ProviderTransientError) as raised:
        vision(engine).search(FRAME)

    assert raised.value.retryable
    assert raised.value.status == reply.status
    assert raised.value.retry_after == (5.0 if reply.status == 503 else None)


def test_a_timeout_is_transient_and_does_not_wait_for_the_answer(engine):
    engine.reply(Reply(json=vision_funeral_found(), delay=1.5))
    started = time.monotonic()

    with pytest.raises(ProviderTransientError, match="timed out") as raised:
        vision(engine, timeout=SHORT_TIMEOUT).search(FRAME)

    assert time.monotonic() - started < 1.0
    assert API_KEY not in str(raised.value)
    # Nothing chained either: urllib3's errors may quote the URL, and the key is in its query.
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_an_unreachable_engine_is_transient(closed_port_url):
    provider = GoogleVisionProvider(api_key=API_KEY, base_url=closed_port_url, timeout=TIMEOUT)

    with pytest.raises(ProviderTransientError, match="Could not connect"):
        provider.search(FRAME)


def test_malformed_json_is_an_error_not_worth_retrying(engine):
    engine.reply(Reply(body=b'{"responses": [{"webDetection": '))

    with pytest.raises(ProviderError, match="not valid JSON") as raised:
        vision(engine).search(FRAME)

    assert type(raised.value) is ProviderError
    assert not raised.value.retryable


@pytest.mark.parametrize(
    "payload",
    [{}, {"responses": []}, {"responses": [{"webDetection": {"fullMatchingImages": [{}]}}]}],
)
def test_json_outside_the_documented_format_is_an_error(engine, payload):
    engine.reply(Reply(json=payload))

    with pytest.raises(ProviderError, match="documented format"):
        vision(engine).search(FRAME)


def test_a_redirect_is_not_followed(engine):
    engine.reply(Reply(status=302, headers={"Location": "https://elsewhere.example/steal-key"}))

    with pytest.raises(ProviderError, match="redirect") as raised:
        vision(engine).search(FRAME)

    assert raised.value.status == 302
    assert len(engine.requests) == 1
