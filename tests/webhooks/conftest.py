import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# Names the tests may resolve, with the addresses they get. Nothing else reaches DNS.
FAKE_DNS = {
    "hooks.example.org": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "partner.example.net": ["198.51.100.0"],  # TEST-NET-2: is_global is False
    "intranet.example.org": ["10.1.2.3"],
    "rebound.example.org": ["127.0.0.1"],
    "mixed.example.org": ["93.184.215.14", "192.168.0.10"],
    "metadata.example.org": ["169.254.169.254"],
    "mapped.example.org": ["::ffff:127.0.0.1"],
}


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_RATE_LIMITS = {}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Every factory user gets a password; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch) -> dict[str, list[str]]:
    """`FAKE_DNS` names resolve to their addresses, numeric hosts and localhost as usual, and
    every other name fails as unknown: no test sends a DNS query. Tests may add names."""
    names = {name: list(addresses) for name, addresses in FAKE_DNS.items()}
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        host = host.decode() if isinstance(host, bytes) else host
        if host in names:
            return [
                _address_info(address, port, type or socket.SOCK_STREAM) for address in names[host]
            ]
        # localhost is in /etc/hosts, and may be how the broker or database is configured.
        if _is_numeric(host) or host == "localhost":
            return real_getaddrinfo(host, port, family, type, proto, flags)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch) -> None:
    """A safety net under the address guard: a test that would connect anywhere but loopback
    fails instead."""
    real_create_connection = socket.create_connection

    def create_connection(address, *args, **kwargs):
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise AssertionError(f"A test tried to connect to {address[0]}.")
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)


def _address_info(address: str, port: int, kind: int):
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        return (socket.AF_INET, kind, socket.IPPROTO_TCP, "", (address, int(port)))
    return (socket.AF_INET6, kind, socket.IPPROTO_TCP, "", (address, int(port), 0, 0))


def _is_numeric(host: str | None) -> bool:
    """An IP address in any form the C library parses without DNS (also `2130706433`)."""
    if host is None:
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        try:
            socket.inet_aton(host)
        except OSError:
            return False
    return True


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"


@dataclass
class Receiver:
    """A webhook consumer on 127.0.0.1: records every request and gives the queued answers in
    order (then 200). Statuses may be queued as plain ints."""

    port: int
    answers: list[Answer | int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/factcheck"

    def next_answer(self) -> Answer:
        answer = self.answers.pop(0) if self.answers else Answer()
        return Answer(status=answer) if isinstance(answer, int) else answer


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                state.requests.append(
                    Received(
                        method=self.command,
                        path=self.path,
                        headers=dict(self.headers.items()),
                        body=body,
                        at=time.monotonic(),
                    )
                )
                answer = state.next_answer()
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = _answer

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = Receiver(port=server.server_address[1])
    # A short poll makes shutdown quick: it is waited for after every test.
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
