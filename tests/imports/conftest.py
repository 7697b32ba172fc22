import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests import database
from tests.imports.factories import newsroom_scale


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_RATE_LIMITS = {}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _small_batches(settings):
    """Several batches even for a few records, so that batching is what the tests exercise."""
    settings.IMPORTS_BATCH_SIZE = 3


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch) -> dict[str, str]:
    """Names in the returned dict resolve to their address; IP literals and localhost as
    usual; anything else fails as unknown. No test sends a DNS query."""
    names: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        host = host.decode() if isinstance(host, bytes) else host
        if host in names:
            address = names[host]
            kind = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(kind, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))]
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if host != "localhost":
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return real(host, port, family, type, proto, flags)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


@pytest.fixture
def other_session():
    """A second database session, as another worker would have."""
    with database.other_session() as session:
        yield session


@pytest.fixture
def scale(db):
    return newsroom_scale()


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class SourceServer:
    """Pages and feeds on 127.0.0.1: `routes` maps a path to its answer (404 otherwise)."""

    port: int
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def source_server(settings) -> Iterator[SourceServer]:
    settings.IMPORTS_ALLOW_LOOPBACK = True
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                state.requests.append((self.path, dict(self.headers.items())))
                route = state.routes.get(self.path, Route(status=404, body=b"not found"))
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = SourceServer(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def tls_server(settings) -> Iterator[str]:
    """An https server on 127.0.0.1 whose certificate is self-signed (no client trusts it);
    returns its base URL."""
    settings.IMPORTS_ALLOW_LOOPBACK = True

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(FIXTURES / "self-signed.pem", FIXTURES / "self-signed.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
