import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from media import demo_media


def video_bytes(*, seconds: int = 2, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small H.264 MP4."""
    frames = (
        Image.new("RGB", size, (index * 7 % 255, 80, 160))
        for index in range(seconds * demo_media.FPS)
    )
    return demo_media.encode_video(frames, width=size[0], height=size[1], crf=30)


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds between 1 KiB pieces of the body: a slow server.
    pause: float = 0
    # Without Content-Length the body ends when the connection does.
    declare_length: bool = True


@dataclass
class MediaServer:
    """A web server on 127.0.0.1 serving `routes` (path -> answer, 404 otherwise); a route may
    be a list of answers, given in turn (the last one repeats). Records the paths asked for."""

    port: int
    routes: dict[str, Route | list[Route]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str) -> Route:
        route = self.routes.get(path, Route(status=404, body=b"not found"))
        if isinstance(route, list):
            return route.pop(0) if len(route) > 1 else route[0]
        return route


@pytest.fixture
def media_server(settings, monkeypatch) -> Iterator[MediaServer]:
    """The server, with loopback fetches allowed (only tests may) and no connection anywhere
    else: a test that would reach past the guard fails instead."""
    settings.MEDIA_FETCH_ALLOW_LOOPBACK = True
    real_create_connection = socket.create_connection

    def loopback_only(address, *args, **kwargs):
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise AssertionError(f"A test tried to connect to {address[0]}.")
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", loopback_only)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                state.requests.append(self.path)
                route = state.answer(self.path)
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.declare_length:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            try:
                for start in range(0, len(route.body), 1024):
                    self.wfile.write(route.body[start : start + 1024])
                    time.sleep(route.pause)
            except OSError:  # the client gave up
                pass

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = MediaServer(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
