"""FFmpeg (through PyAV) only ever reads the bytes we hold, as one of the containers we accept:
a client's file name never reaches it, and it opens no URL of its own.

An HLS playlist uploaded as `x.m3u8` made FFmpeg's HLS demuxer GET every URL in it from the web
process, past the address guard. Here the URLs point at a listener on 127.0.0.1 that must hear
nothing."""

import io
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from media import ffmpeg_input, hashing
from media.services.media import VIDEO_CONTAINERS, UnsupportedMedia, media_probe
from tests.api.conftest import client_for
from tests.claims.conftest import video_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener():
    """A web server on 127.0.0.1 that records every request it gets."""
    heard: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            heard.append(self.path)
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", heard
    server.shutdown()
    server.server_close()


def playlist(base: str) -> bytes:
    segments = "".join(f"#EXTINF:2.0,\n{base}/segment{n}.ts\n" for n in range(3))
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"{segments}#EXT-X-ENDLIST\n"
    ).encode()


def concat_list(base: str) -> bytes:
    return f"ffconcat version 1.0\nfile '{base}/clip.mp4'\n".encode()


@pytest.mark.parametrize("name", ["x.m3u8", "x.m3u", "x.hls", "x.mp4"])
def test_an_uploaded_playlist_is_refused_without_fetching_its_urls(listener, name):
    base, heard = listener
    upload = SimpleUploadedFile(name, playlist(base), "application/vnd.apple.mpegurl")
    response = client_for("fact-checker").post(
        "/api/v1/media/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 415, response.content
    assert response.json()["code"] == "unsupported_media"
    assert heard == []


@pytest.mark.parametrize("body", [playlist, concat_list])
def test_the_probe_refuses_playlists_whatever_the_file_is_called(listener, body):
    base, heard = listener
    with tempfile.NamedTemporaryFile(suffix=".m3u8") as file:
        file.write(body(base))
        file.flush()
        file.seek(0)
        with pytest.raises(UnsupportedMedia):
            media_probe(file)
    assert heard == []


def test_hashing_refuses_a_playlist_without_fetching_its_urls(listener):
    base, heard = listener
    with tempfile.NamedTemporaryFile(suffix=".m3u8") as file:
        file.write(playlist(base))
        file.flush()
        file.seek(0)
        with pytest.raises(hashing.Undecodable):
            hashing.hash_video(file)
    assert heard == []


def test_accepted_containers_still_open():
    with tempfile.NamedTemporaryFile(suffix=".m3u8") as file:
        file.write(video_bytes())
        file.flush()
        file.seek(0)
        assert media_probe(file).mime_type == "video/mp4"
        assert list(hashing.keyframes(file))
    assert media_probe(io.BytesIO(video_bytes())).kind == "video"


def test_ffmpeg_may_pick_exactly_the_containers_intake_accepts():
    assert set(ffmpeg_input.DEMUXERS) == set(VIDEO_CONTAINERS)
