"""Media by URL: the pending item, the guarded fetch (run here, synchronously, except for the
one test with a real worker), and what it ends as: ready, merged into the item holding the
same bytes, or failed with a reason. Also the API that starts it and the probe's limits."""

import io
import struct
import time
import zlib

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from PIL import Image

from core.safe_http import UnsafeUrl
from media.models import MediaItem, MediaJob
from media.services.media import (
    UnsupportedMedia,
    media_item_create,
    media_item_request_url,
    media_probe,
)
from media.tasks import fetch_media_item
from tests.api.conftest import client_for
from tests.claims.conftest import MediaServer, Route, video_bytes
from tests.factories import jpeg_bytes
from tests.workers import Worker, celery_worker

pytestmark = pytest.mark.django_db


def _noisy_jpeg(size: tuple[int, int] = (400, 300)) -> bytes:
    """A JPEG with enough entropy-coded data that cutting it loses pixels."""
    buffer = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A small, valid PNG whose header claims a huge canvas: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _garbledvideo_bytes() -> bytes:
    """An MP4 whose index (at the end) is intact and whose frames (before it) are zeros: it
    opens, and fails when decoded."""
    video = video_bytes()
    start = video.index(b"mdat") + 4
    end = video.index(b"moov") - 4
    return video[:start] + bytes(end - start) + video[end:]


@pytest.fixture(autouse=True)
def _retries_at_once(settings):
    """Run here, a retry runs as soon as the task asks for it (Celery's eager retry), and
    the job must be due by then."""
    settings.MEDIA_FETCH_RETRY_BASE_SECONDS = 0


def _run_fetch(item: MediaItem) -> None:
    """The fetch job of `item`, run here by its task (retries included)."""
    fetch_media_item.apply(args=[item.jobs.get(kind=MediaJob.Kind.FETCH).pk])


def _fetched(server: MediaServer, path: str, **provenance) -> MediaItem:
    item = media_item_request_url(actor=None, url=server.url(path), **provenance)
    _run_fetch(item)
    item.refresh_from_db()
    return item


def _stored_files(settings) -> list:
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


# Ready


def test_an_image_url_becomes_a_ready_item_with_provenance(media_server, settings):
    content = jpeg_bytes((80, 60))
    media_server.routes["/photo"] = Route(body=content, headers={"Content-Type": "text/plain"})

    item = _fetched(media_server, "/photo", publisher_name="KCNA", caption="The funeral")

    assert (item.status, item.kind, item.mime_type) == ("ready", "image", "image/jpeg")
    assert (item.width, item.height, item.size_bytes) == (80, 60, len(content))
    assert item.source_url == media_server.url("/photo")
    assert (item.publisher_name, item.caption, item.failure_reason) == ("KCNA", "The funeral", "")
    assert item.file.name.endswith(f"{item.sha256}.jpg")
    with item.file.open("rb") as stored:
        assert stored.read() == content


def test_a_video_url_becomes_a_readyvideo_bytes(media_server):
    media_server.routes["/clip"] = Route(body=video_bytes(), headers={"Content-Type": "video/mp4"})

    item = _fetched(media_server, "/clip")

    assert (item.status, item.kind, item.mime_type) == ("ready", "video", "video/mp4")
    assert (item.width, item.height) == (64, 48)
    assert item.duration_seconds == pytest.approx(2, abs=0.2)


def test_a_redirect_chain_is_followed_to_the_media(media_server):
    content = jpeg_bytes()
    moved = b"<html>Moved</html>"
    media_server.routes |= {
        "/r1": Route(status=301, body=moved, headers={"Location": "/r2"}),
        "/r2": Route(status=302, body=moved, headers={"Location": media_server.url("/r3")}),
        "/r3": Route(status=307, body=moved, headers={"Location": "/final.jpg"}),
        "/final.jpg": Route(body=content),
    }

    item = _fetched(media_server, "/r1")

    assert item.status == MediaItem.Status.READY
    assert media_server.requests == ["/r1", "/r2", "/r3", "/final.jpg"]
    assert item.source_url == media_server.url("/r1")  # what was asked for
    with item.file.open("rb") as stored:
        assert stored.read() == content  # nothing of the redirects' bodies


def test_a_ready_item_is_queued_for_hashing(media_server, django_capture_on_commit_callbacks):
    media_server.routes["/photo"] = Route(body=jpeg_bytes())
    item = media_item_request_url(actor=None, url=media_server.url("/photo"))

    with django_capture_on_commit_callbacks() as callbacks:
        _run_fetch(item)

    assert len(callbacks) == 1  # hash_media_item
    assert item.jobs.get(kind=MediaJob.Kind.HASH).status == MediaJob.Status.QUEUED


def test_the_same_bytes_from_two_urls_are_merged_into_the_first_item(media_server):
    content = jpeg_bytes((50, 50))
    media_server.routes |= {"/a.jpg": Route(body=content), "/b.jpg": Route(body=content)}

    first = _fetched(media_server, "/a.jpg", publisher_name="CCTV")
    second = _fetched(
        media_server,
        "/b.jpg",
        publisher_name="Someone else",
        original_url="https://example.org/2015",
        in_archive=True,
    )

    assert (second.status, second.merged_into_id, second.sha256) == ("merged", first.pk, None)
    first.refresh_from_db()
    # The first item keeps what it had and gains what it lacked.
    assert (first.publisher_name, first.original_url) == ("CCTV", "https://example.org/2015")
    assert first.in_archive
    assert MediaItem.objects.filter(status="ready").count() == 1


def test_an_upload_of_bytes_already_fetched_is_the_fetched_item(media_server):
    content = jpeg_bytes((20, 20))
    media_server.routes["/p.jpg"] = Route(body=content)
    fetched = _fetched(media_server, "/p.jpg")

    uploaded, created = media_item_create(actor=None, file=ContentFile(content, name="p.jpg"))

    assert (uploaded.pk, created) == (fetched.pk, False)


def test_fetching_twice_is_harmless(media_server):
    media_server.routes["/photo"] = Route(body=jpeg_bytes())
    item = _fetched(media_server, "/photo")

    _run_fetch(item)

    assert media_server.requests == ["/photo"]
    assert MediaItem.objects.get().status == MediaItem.Status.READY


# Failed, with a reason


def _failed_reason(server: MediaServer, path: str) -> str:
    item = _fetched(server, path)
    assert item.status == MediaItem.Status.FAILED
    assert (item.sha256, item.file.name) == (None, "")
    return item.failure_reason


def test_more_than_five_redirects_fail(media_server):
    for step in range(7):
        media_server.routes[f"/loop{step}"] = Route(
            status=302, headers={"Location": f"/loop{step + 1}"}
        )

    assert _failed_reason(media_server, "/loop0") == "More than 5 redirects."
    assert len(media_server.requests) == 6


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://10.0.0.1/secret.jpg", "Refused: 10.0.0.1 is a private address."),
        ("http://169.254.169.254/latest/meta-data/", "Refused: 169.254.169.254 is a link-local"),
        ("http://[fd00::1]/x.jpg", "Refused: fd00::1 is a private address."),
        ("file:///etc/passwd", "Refused: Only http and https URLs are allowed."),
    ],
)
def test_a_redirect_to_a_private_address_fails(media_server, settings, location, reason):
    media_server.routes["/go"] = Route(status=302, headers={"Location": location})

    assert _failed_reason(media_server, "/go").startswith(reason)
    assert media_server.requests == ["/go"]


def test_a_page_served_as_an_image_is_not_media(media_server):
    media_server.routes["/fake.jpg"] = Route(
        body=b"<html><body>Not a picture</body></html>", headers={"Content-Type": "image/jpeg"}
    )

    assert _failed_reason(media_server, "/fake.jpg").startswith("Not a supported image")


def test_a_truncated_jpeg_fails(media_server):
    content = _noisy_jpeg()
    media_server.routes["/cut.jpg"] = Route(body=content[: len(content) // 2])

    reason = _failed_reason(media_server, "/cut.jpg")

    assert reason.startswith(
        "The image/jpeg image is corrupt or truncated: image file is truncated"
    )


def test_a_decompression_bomb_fails_without_being_decoded(media_server):
    bomb = _png_claiming(30000, 30000)
    assert len(bomb) < 200
    media_server.routes["/bomb.png"] = Route(body=bomb)

    reason = _failed_reason(media_server, "/bomb.png")

    assert "decompression bomb" in reason.lower() or "pixel" in reason


def test_an_oversized_body_fails_whether_or_not_its_length_is_declared(media_server, settings):
    settings.MEDIA_MAX_BYTES = 10_000
    body = _noisy_jpeg((300, 300))
    assert len(body) > 10_000
    media_server.routes |= {
        "/declared": Route(body=body),
        "/streamed": Route(body=body, declare_length=False),
    }

    for path in ("/declared", "/streamed"):
        assert _failed_reason(media_server, path) == (
            "The answer is over the limit of 10000 bytes."
        )


def test_an_http_error_fails_at_once(media_server):
    assert _failed_reason(media_server, "/missing") == "The server answered HTTP 404."
    assert media_server.requests == ["/missing"]


@pytest.mark.parametrize(
    ("content", "limits", "reason"),
    [
        (
            video_bytes(seconds=3),
            {"MEDIA_MAX_VIDEO_SECONDS": 2},
            "Video of 3 seconds is over the limit",
        ),
        (
            video_bytes(size=(96, 48)),
            {"MEDIA_MAX_VIDEO_WIDTH": 80, "MEDIA_MAX_VIDEO_HEIGHT": 60},
            "Video of 96x48 pixels is over the limit of 80x60.",
        ),
        (_garbledvideo_bytes(), {}, "The video is corrupt or truncated"),
        (jpeg_bytes((100, 100)), {"MEDIA_MAX_PIXELS": 9_999}, "Image of 100x100 pixels is over"),
    ],
    ids=["too long", "too large", "garbled", "too many pixels"],
)
def test_media_over_the_limits_or_corrupt_fails(media_server, settings, content, limits, reason):
    for name, value in limits.items():
        setattr(settings, name, value)
    media_server.routes["/media"] = Route(body=content)

    assert _failed_reason(media_server, "/media").startswith(reason)


def test_a_portrait_video_fits_a_landscape_limit(settings):
    settings.MEDIA_MAX_VIDEO_WIDTH, settings.MEDIA_MAX_VIDEO_HEIGHT = 64, 48

    assert media_probe(io.BytesIO(video_bytes(size=(48, 64)))).kind == "video"


# Timeouts and retries


def test_a_slow_server_is_interrupted_and_retried_then_fails_on_the_last_attempt(
    media_server, settings
):
    settings.MEDIA_FETCH_READ_TIMEOUT_SECONDS = 0.5
    settings.MEDIA_FETCH_MAX_RETRIES = 1
    media_server.routes["/slow"] = Route(body=b"x" * 10_240, pause=0.2)
    item = media_item_request_url(actor=None, url=media_server.url("/slow"))

    started = time.monotonic()
    _run_fetch(item)

    # Two attempts, each cut off at the read timeout.
    assert time.monotonic() - started < 3
    assert media_server.requests == ["/slow"] * 2
    item.refresh_from_db()
    assert item.status == MediaItem.Status.FAILED
    assert item.failure_reason.startswith("Could not fetch the URL: GET 127.0.0.1: timed out")
    assert item.failure_reason.endswith("(gave up after 2 attempts)")


def test_the_task_retries_a_server_error_until_it_passes(media_server, settings):
    settings.MEDIA_FETCH_MAX_RETRIES = 3
    media_server.routes["/flaky"] = [Route(status=503), Route(status=502), Route(body=jpeg_bytes())]
    item = media_item_request_url(actor=None, url=media_server.url("/flaky"))

    # Eagerly, a retry runs at once; a worker waits MEDIA_FETCH_RETRY_BASE_SECONDS * 2**n.
    _run_fetch(item)
    _run_fetch(item)  # a redelivery: nothing more happens

    item.refresh_from_db()
    assert item.status == MediaItem.Status.READY
    assert media_server.requests == ["/flaky"] * 3


def test_the_task_gives_up_after_its_retries_with_the_reason(media_server, settings):
    settings.MEDIA_FETCH_MAX_RETRIES = 2
    media_server.routes["/down"] = Route(status=503)
    item = media_item_request_url(actor=None, url=media_server.url("/down"))

    _run_fetch(item)

    item.refresh_from_db()
    assert (item.status, item.failure_reason) == (
        "failed",
        "The server answered HTTP 503. (gave up after 3 attempts)",
    )
    assert len(media_server.requests) == 3


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (SoftTimeLimitExceeded(), "Stopped by the time limit: the work took longer than it may."),
        (RuntimeError("a bug"), "RuntimeError: a bug"),
    ],
)
def test_the_task_never_leaves_an_item_pending(media_server, monkeypatch, error, reason):
    item = media_item_request_url(actor=None, url=media_server.url("/photo"))

    def stopped(job):
        raise error

    monkeypatch.setattr("media.services.media.media_item_fetch", stopped)
    _run_fetch(item)

    item.refresh_from_db()
    assert (item.status, item.failure_reason) == ("failed", reason)


# Requests refused up front


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/a.jpg",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://user:secret@example.org/a.jpg",
        "http://10.1.2.3/a.jpg",
        "http://[::ffff:127.0.0.1]/a.jpg",
        "http://169.254.169.254/",
        "example.org/a.jpg",
        "",
    ],
)
def test_a_url_refused_on_its_face_stores_nothing(url, settings):
    settings.MEDIA_FETCH_ALLOW_LOOPBACK = False

    with pytest.raises(UnsafeUrl):
        media_item_request_url(actor=None, url=url)

    assert not MediaItem.objects.exists()


@pytest.mark.parametrize("url", ["http://localhost/a.jpg", "http://127.0.0.1:8000/a.jpg"])
def test_loopback_is_refused_unless_allowed(url, settings):
    settings.MEDIA_FETCH_ALLOW_LOOPBACK = False
    with pytest.raises(UnsafeUrl):
        media_item_request_url(actor=None, url=url)

    settings.MEDIA_FETCH_ALLOW_LOOPBACK = True
    assert media_item_request_url(actor=None, url=url).status == MediaItem.Status.PENDING


def test_the_fetch_is_queued_on_commit(django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(fetch_media_item, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        item = media_item_request_url(actor=None, url="https://example.org/a.jpg")

    assert queued == [item.jobs.get().pk]


# Uploads keep answering at once


def test_an_upload_over_the_limits_is_refused_storing_nothing(settings):
    with pytest.raises(UnsupportedMedia, match="corrupt or truncated"):
        media_item_create(actor=None, file=ContentFile(_garbledvideo_bytes(), name="v.mp4"))
    with pytest.raises(UnsupportedMedia, match="corrupt or truncated"):
        media_item_create(actor=None, file=ContentFile(_noisy_jpeg()[:5000], name="cut.jpg"))

    assert not MediaItem.objects.exists()
    assert _stored_files(settings) == []


def test_a_new_upload_is_queued_for_hashing_and_a_repeat_is_not(django_capture_on_commit_callbacks):
    content = jpeg_bytes()
    with django_capture_on_commit_callbacks() as first:
        media_item_create(actor=None, file=ContentFile(content, name="a.jpg"))
    with django_capture_on_commit_callbacks() as second:
        media_item_create(actor=None, file=ContentFile(content, name="a.jpg"))

    assert (len(first), len(second)) == (1, 0)


# The API


def test_posting_a_url_answers_202_with_the_pending_item(
    media_server, django_capture_on_commit_callbacks
):
    media_server.routes["/photo"] = Route(body=jpeg_bytes((30, 30)))
    client = client_for("fact-checker")

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/api/v1/media/",
            {
                "url": media_server.url("/photo"),
                "publisher_name": "KCNA",
                "first_published_at": "2015-11-07T09:00:00Z",
                "in_archive": True,
            },
            format="json",
        )

    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == f"/api/v1/media/{body['id']}/"
    assert {key: body[key] for key in ("status", "kind", "source_url", "merged_into", "file")} == {
        "status": "pending",
        "kind": "",
        "source_url": media_server.url("/photo"),
        "merged_into": None,
        "file": None,
    }
    assert (body["publisher_name"], body["in_archive"]) == ("KCNA", True)
    assert len(callbacks) == 1

    _run_fetch(MediaItem.objects.get(pk=body["id"]))
    fetched = client.get(response["Location"]).json()

    assert (fetched["status"], fetched["kind"], fetched["width"]) == ("ready", "image", 30)
    assert fetched["failure_reason"] == ""


def test_the_api_shows_a_merged_and_a_failed_item(media_server):
    content = jpeg_bytes()
    media_server.routes |= {"/a": Route(body=content), "/b": Route(body=content)}
    first, second = _fetched(media_server, "/a"), _fetched(media_server, "/b")
    broken = _fetched(media_server, "/missing")
    client = client_for("fact-checker")

    merged = client.get(f"/api/v1/media/{second.pk}/").json()
    failed = client.get(f"/api/v1/media/{broken.pk}/").json()

    assert (merged["status"], merged["merged_into"]) == ("merged", first.pk)
    assert (failed["status"], failed["failure_reason"]) == (
        "failed",
        "The server answered HTTP 404.",
    )


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"url": "ftp://example.org/a.jpg"}, "unsafe_url", None),
        ({"url": "http://192.168.0.1/a.jpg"}, "unsafe_url", None),
        ({"url": "https://bad host/a.jpg"}, "validation_error", "source_url"),
        ({}, "validation_error", "url"),
        ({"url": 5}, "validation_error", "url"),
        ({"url": "https://example.org/a.jpg", "file": "x"}, "validation_error", "file"),
        (
            {"url": "https://example.org/a.jpg", "first_published_at": "soon"},
            "validation_error",
            "first_published_at",
        ),
        ({"url": "https://example.org/" + "a" * 2000}, "validation_error", "url"),
    ],
)
def test_bad_url_requests_are_400_and_store_nothing(body, code, field):
    response = client_for("fact-checker").post("/api/v1/media/", body, format="json")

    assert response.status_code == 400, response.content
    error = response.json()
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    if field:
        assert field in error["details"]
    assert not MediaItem.objects.exists()


def test_a_form_with_a_url_and_no_file_is_refused():
    response = client_for("fact-checker").post(
        "/api/v1/media/", {"url": "https://example.org/a.jpg"}, format="multipart"
    )

    assert response.status_code == 400
    assert set(response.json()["details"]) == {"url"}  # unknown in a form: send JSON


@pytest.mark.parametrize("role", ["anonymous", "consumer"])
def test_outsiders_may_not_ask_for_a_url(role):
    response = client_for(role).post(
        "/api/v1/media/", {"url": "https://example.org/a.jpg"}, format="json"
    )

    assert response.status_code == 403
    assert not MediaItem.objects.exists()


def test_the_schema_offers_both_request_bodies():
    schema = client_for("anonymous").get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/media/"]["post"]
    content = operation["requestBody"]["content"]

    assert set(content) == {"multipart/form-data", "application/json"}
    fetch_schema = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][fetch_schema]["required"] == ["url"]
    assert {"200", "201", "202"} <= set(operation["responses"])
    output = schema["components"]["schemas"]["MediaItemOutput"]["properties"]
    assert {"status", "failure_reason", "source_url", "merged_into"} <= set(output)


# A real worker


@pytest.fixture
def worker(transactional_db, settings) -> Worker:
    env = {
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "FACTCHECK_MEDIA_FETCH_ALLOW_LOOPBACK": "true",
        "FACTCHECK_MEDIA_FETCH_RETRY_BASE_SECONDS": "0.2",
    }
    with celery_worker(env=env) as worker:
        yield worker


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_fetches_a_url_through_the_queue_retrying_a_server_error(
    worker, media_server, settings
):
    media_server.routes["/clip.mp4"] = [Route(status=503), Route(body=video_bytes())]
    client = client_for("fact-checker")

    response = client.post("/api/v1/media/", {"url": media_server.url("/clip.mp4")}, format="json")
    assert response.status_code == 202, response.content
    item = MediaItem.objects.get(pk=response.json()["id"])

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        item.refresh_from_db()
        if item.status != MediaItem.Status.PENDING:
            break
        time.sleep(0.05)

    assert (item.status, item.kind, item.failure_reason) == ("ready", "video", ""), worker.log
    assert media_server.requests == ["/clip.mp4"] * 2
    assert [path.name for path in _stored_files(settings)] == [f"{item.sha256}.mp4"]
