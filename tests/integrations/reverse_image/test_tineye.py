from datetime import UTC, datetime

import pytest

from media.integrations.reverse_image.base import (
    ImageQuery,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderError,
    ProviderRateLimited,
    ProviderTransientError,
)
from media.integrations.reverse_image.tineye import TinEyeProvider
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
    tineye_envelope,
    tineye_funeral_found,
)

FRAME = ImageQuery(content=CLIP_BYTES, mime_type="image/jpeg")


def tineye(engine, **options) -> TinEyeProvider:
    options.setdefault("timeout", TIMEOUT)
    return TinEyeProvider(api_key=API_KEY, base_url=engine.url, **options)


def test_search_by_bytes_uploads_the_image_as_multipart_with_the_key_in_a_header(engine):
    engine.reply(Reply(json=tineye_funeral_found()))

    tineye(engine, limit=25).search(FRAME)

    [request] = engine.requests
    assert request.method == "POST"
    assert request.path == "/rest/search/"
    assert request.query == {}
    assert request.headers["x-api-key"] == API_KEY
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    form = request.form()
    assert set(form) == {"image_upload", "limit"}
    assert form["image_upload"].filename == "image.jpg"
    assert form["image_upload"].content_type == "image/jpeg"
    assert form["image_upload"].data == CLIP_BYTES
    assert form["limit"].data == b"25"


def test_search_by_url_is_a_get_with_image_url(engine):
    engine.reply(Reply(json=tineye_funeral_found()))

    tineye(engine).search(ImageQuery(url=CLIP_URL))

    [request] = engine.requests
    assert request.method == "GET"
    assert request.path == "/rest/search/"
    assert request.query == {"image_url": [CLIP_URL], "limit": ["100"]}
    assert request.headers["x-api-key"] == API_KEY
    assert request.body == b""


def test_each_backlink_is_a_page_match_with_its_crawl_date(engine):
    engine.reply(Reply(json=tineye_funeral_found()))

    result = tineye(engine).search(FRAME)

    assert result.provider == "tineye"
    assert not result.truncated
    assert [(m.kind, m.url, m.page_url, m.first_seen_at, m.score) for m in result.matches] == [
        ("page", CCTV_IMAGE, CCTV_PAGE, datetime(2015, 11, 10, tzinfo=UTC), 78.5),
        ("page", YOUTUBE_THUMBNAIL, YOUTUBE_PAGE, datetime(2020, 6, 15, tzinfo=UTC), 64.2),
        (
            "page",
            YOUTUBE_THUMBNAIL,
            "https://www.youtube.com/@demo-archive/videos",
            datetime(2021, 1, 3, tzinfo=UTC),
            64.2,
        ),
    ]
    assert result.matches[0].extra == {
        "image_url": "https://img.tineye.com/result/demo-cctv",
        "domain": "cctv.com",
        "width": 1280,
        "height": 720,
        "format": "JPEG",
        "filesize": 183204,
        "overlay": "overlay/demo-query/demo-cctv?m21=1&m22=0",
        "tags": [],
    }


def test_a_match_without_backlinks_keeps_tineyes_copy_as_a_similar_image(engine):
    match = {"image_url": "https://img.tineye.com/result/demo", "score": 12.0, "backlinks": []}
    engine.reply(Reply(json=tineye_envelope(200, [], {"matches": [match]})))

    [found] = tineye(engine).search(FRAME).matches

    assert (found.kind, found.url, found.page_url) == ("similar", match["image_url"], None)


def test_an_image_found_nowhere_is_an_empty_result(engine):
    answer = tineye_envelope(200, [], {"matches": []})
    answer["stats"]["total_results"] = 0
    engine.reply(Reply(json=answer))

    result = tineye(engine).search(FRAME)

    assert result.matches == ()
    assert not result.truncated


def test_more_results_than_the_limit_mark_the_result_truncated(engine):
    answer = tineye_funeral_found()
    answer["stats"]["total_results"] = 4736
    engine.reply(Reply(json=answer))

    assert tineye(engine, limit=2).search(FRAME).truncated


@pytest.mark.parametrize(
    ("status", "message", "headers", "error_class", "retry_after"),
    [
        (400, "Invalid or missing URL.", {}, ProviderBadRequest, None),
        (400, "The image is too small or too simple.", {}, ProviderBadRequest, None),
        (401, "Please provide a valid API key.", {}, ProviderAuthError, None),
        (
            402,
            "You have no more searches available. Please purchase another bundle if you wish "
            "to make more searches.",
            {},
            ProviderError,
            None,
        ),
        (429, "Too many requests.", {"Retry-After": "60"}, ProviderRateLimited, 60.0),
        (429, "Too many requests.", {}, ProviderRateLimited, None),
        (500, "Internal server error.", {}, ProviderTransientError, None),
    ],
)
def test_documented_errors_map_to_typed_errors(
    engine, status, message, headers, error_class, retry_after
):
    engine.reply(Reply(status=status, headers=headers, json=tineye_envelope(status, [message], [])))

    with pytest.raises(ProviderError) as raised:
        tineye(engine).search(FRAME)

    assert type(raised.value) is error_class
    assert raised.value.message == message
    assert raised.value.status == status
    assert raised.value.retry_after == retry_after
    assert raised.value.retryable is (status in (429, 500))


def test_an_error_in_the_envelope_of_a_200_is_an_error(engine):
    engine.reply(Reply(status=200, json=tineye_envelope(400, ["Couldn't download URL."], [])))

    with pytest.raises(ProviderBadRequest, match="Couldn't download URL"):
        tineye(engine).search(ImageQuery(url=CLIP_URL))


def test_a_proxy_error_page_is_transient(engine):
    engine.reply(Reply(status=502, body=b"<html>Bad Gateway</html>"))

    with pytest.raises(ProviderTransientError, match="HTTP 502"):
        tineye(engine).search(FRAME)


def test_a_timeout_is_transient(engine):
    engine.reply(Reply(json=tineye_funeral_found(), delay=1.5))

    with pytest.raises(ProviderTransientError, match="timed out"):
        tineye(engine, timeout=SHORT_TIMEOUT).search(FRAME)


def test_malformed_json_is_an_error_not_worth_retrying(engine):
    engine.reply(Reply(body=b"<html>maintenance</html>"))

    with pytest.raises(ProviderError, match="not valid JSON") as raised:
        tineye(engine).search(FRAME)

    assert not raised.value.retryable


def test_json_outside_the_documented_format_is_an_error(engine):
    engine.reply(Reply(json=tineye_envelope(200, [], {"matches": [{"score": 50}]})))

    with pytest.raises(ProviderError, match="documented format"):
        tineye(engine).search(FRAME)
