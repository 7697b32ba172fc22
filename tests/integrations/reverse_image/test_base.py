from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from media.integrations.reverse_image._common import parse_datetime, retry_after_seconds
from media.integrations.reverse_image.base import ImageQuery, ProviderAuthError
from media.integrations.reverse_image.google_vision import GoogleVisionProvider
from tests.integrations.reverse_image.fake_engines import CLIP_BYTES, CLIP_URL


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, "bytes or its URL"),
        ({"content": b"", "url": ""}, "bytes or its URL"),
        ({"content": CLIP_BYTES}, "MIME type"),
        ({"url": "ftp://example.org/clip.jpg"}, "http or https"),
        ({"url": "file:///etc/passwd"}, "http or https"),
    ],
)
def test_image_query_refuses_what_no_engine_can_take(fields, error):
    with pytest.raises(ValueError, match=error):
        ImageQuery(**fields)


def test_image_query_takes_bytes_a_url_or_both():
    assert ImageQuery(content=CLIP_BYTES, mime_type="image/jpeg").url is None
    assert ImageQuery(url=CLIP_URL).content is None
    ImageQuery(content=CLIP_BYTES, mime_type="image/jpeg", url=CLIP_URL, language="zh")


def test_an_engine_without_a_key_is_off_and_sends_nothing(engine):
    provider = GoogleVisionProvider(api_key="", base_url=engine.url)

    assert not provider.is_configured()
    with pytest.raises(ProviderAuthError, match="No API key"):
        provider.search(ImageQuery(url=CLIP_URL))
    assert engine.requests == []


@pytest.mark.parametrize(
    ("header", "seconds"),
    [(None, None), ("", None), ("120", 120.0), ("0", 0.0), ("soon", None), ("-5", None)],
)
def test_retry_after_in_seconds(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_retry_after_as_a_date():
    in_a_minute = datetime.now(UTC) + timedelta(seconds=60)

    assert 55 <= retry_after_seconds(format_datetime(in_a_minute, usegmt=True)) <= 60
    assert retry_after_seconds("Thu, 01 Jan 1970 00:00:00 GMT") == 0.0


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("2015-11-10", datetime(2015, 11, 10, tzinfo=UTC)),
        ("2020-06-14T08:30:00Z", datetime(2020, 6, 14, 8, 30, tzinfo=UTC)),
        (
            "2024-12-23T09:15:00+08:00",
            datetime(2024, 12, 23, 1, 15, tzinfo=UTC),
        ),
        ("", None),
        (None, None),
        ("yesterday", None),
        (20151110, None),
    ],
)
def test_engine_dates_become_aware_datetimes(value, parsed):
    assert parse_datetime(value) == parsed
