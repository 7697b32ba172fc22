"""The guarded HTTP client: which URLs it refuses before connecting, and how it connects to the
ones it allows (pinned address, no redirects for POST, timeouts, size cap). Names resolve
through the fake DNS of conftest; connections only ever go to 127.0.0.1."""

import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from core.exceptions import ApplicationError
from core.safe_http import (
    MAX_REDIRECTS,
    RESPONSE_TEXT_CHARS,
    RequestFailed,
    Timeout,
    UnsafeUrl,
    check_url,
    post_json,
    request,
)
from tests.webhooks.conftest import Answer

QUICK = Timeout(connect=1, read=1)

REFUSED_ADDRESSES = [
    "http://127.0.0.1/",
    "http://127.1.2.3:8080/hook",
    "http://[::1]/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://255.255.255.255/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://198.51.100.7/",  # documentation range
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
    "http://[::ffff:10.0.0.1]/",
    "http://[2002:7f00:1::1]/",  # 6to4 around 127.0.0.1
    "http://[64:ff9b::a00:1]/",  # NAT64 around 10.0.0.1
    "http://2130706433/",  # 127.0.0.1 as one number
    "http://0x7f.1/",  # 127.0.0.1 in hex shorthand
    "http://localhost/",
    "http://LOCALHOST./",
    "http://api.localhost:8000/",
    "http://rebound.example.org/",  # a public-looking name that resolves to loopback
    "http://intranet.example.org/",
    "http://metadata.example.org/",
    "http://mixed.example.org/",  # one public and one private address
    "http://mapped.example.org/",
]

REFUSED_FORMS = [
    "ftp://hooks.example.org/file",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "gopher://hooks.example.org/",
    "http://user:secret@hooks.example.org/",
    "http://user@hooks.example.org/",
    "http://@hooks.example.org/",
    "http:///no-host",
    "//hooks.example.org/no-scheme",
    "hooks.example.org/no-scheme",
    "http://hooks.example.org:99999/",
    "http://hooks.example.org:port/",
    "http://[::1/",
    "http://exa..mple.org/",
    "",
]


@pytest.mark.parametrize("url", REFUSED_ADDRESSES)
def test_check_url_refuses_addresses_that_are_not_public(url):
    with pytest.raises(UnsafeUrl) as refused:
        check_url(url)

    assert refused.value.code == "unsafe_url"
    assert refused.value.status_code == 400
    assert isinstance(refused.value, ApplicationError)


@pytest.mark.parametrize("url", REFUSED_FORMS)
def test_check_url_refuses_other_schemes_credentials_and_malformed_urls(url):
    with pytest.raises(UnsafeUrl):
        check_url(url)


def test_refusal_names_the_address_a_name_resolves_to():
    with pytest.raises(UnsafeUrl, match=r"rebound\.example\.org resolves to 127\.0\.0\.1, which"):
        check_url("https://rebound.example.org/hook")


def test_check_url_returns_every_address_of_a_public_name():
    addresses = check_url("https://hooks.example.org/factcheck?x=1")

    assert [str(address) for address in addresses] == [
        "93.184.215.14",
        "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
    ]


def test_check_url_accepts_a_public_address_on_any_port():
    assert [str(a) for a in check_url("http://93.184.215.14:8443/")] == ["93.184.215.14"]


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/", "http://[::1]/", "http://localhost/", "http://rebound.example.org/"],
)
def test_allow_loopback_lets_loopback_through(url):
    assert all(address.is_loopback for address in check_url(url, allow_loopback=True))


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/",
        "http://0.0.0.0/",
        "http://[::ffff:127.0.0.1]/",
        "http://intranet.example.org/",
        "file:///etc/passwd",
    ],
)
def test_allow_loopback_still_refuses_everything_else(url):
    with pytest.raises(UnsafeUrl):
        check_url(url, allow_loopback=True)


def test_a_name_that_does_not_resolve_fails_without_being_unsafe():
    with pytest.raises(RequestFailed, match=r"Could not resolve nowhere\.example\.org"):
        check_url("https://nowhere.example.org/")


# Requests


def test_post_json_sends_body_and_headers_and_returns_the_answer(receiver):
    receiver.answers = [Answer(status=202, body=b"accepted")]

    result = post_json(
        receiver.url, b'{"a":1}', {"X-Test": "yes"}, timeout=QUICK, allow_loopback=True
    )

    assert result == (202, "accepted")
    [received] = receiver.requests
    assert (received.method, received.path, received.body) == (
        "POST",
        "/hooks/factcheck",
        b'{"a":1}',
    )
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["X-Test"] == "yes"
    assert received.headers["Host"] == f"127.0.0.1:{receiver.port}"


def test_post_json_refuses_loopback_unless_allowed(receiver):
    with pytest.raises(UnsafeUrl):
        post_json(receiver.url, b"{}", {}, timeout=QUICK)

    assert receiver.requests == []


def test_connection_goes_to_the_checked_address_not_a_second_lookup(
    receiver, fake_dns, monkeypatch
):
    """DNS rebinding: the name answers loopback (allowed here) when checked and a private
    address afterwards; the client must not ask again."""
    fake_dns["pinned.example.org"] = ["127.0.0.1"]
    lookups = []
    checked_getaddrinfo = socket.getaddrinfo

    def rebinding_getaddrinfo(host, *args, **kwargs):
        if host == "pinned.example.org":
            lookups.append(host)
            answer = checked_getaddrinfo(host, *args, **kwargs)
            fake_dns["pinned.example.org"] = ["10.0.0.1"]
            return answer
        return checked_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_getaddrinfo)

    result = post_json(
        f"http://pinned.example.org:{receiver.port}/hook",
        b"{}",
        {},
        timeout=QUICK,
        allow_loopback=True,
    )

    assert result.status == 200
    assert lookups == ["pinned.example.org"]
    assert receiver.requests[0].headers["Host"] == f"pinned.example.org:{receiver.port}"


def test_post_does_not_follow_a_redirect(receiver):
    receiver.answers = [Answer(status=307, headers={"Location": "/elsewhere"})]

    result = post_json(receiver.url, b"{}", {}, timeout=QUICK, allow_loopback=True)

    assert result.status == 307
    assert len(receiver.requests) == 1


def test_get_follows_a_redirect_and_reports_the_final_url(receiver):
    receiver.answers = [
        Answer(status=302, headers={"Location": "/elsewhere"}),
        Answer(body=b"here"),
    ]

    response = request(
        "GET",
        receiver.url,
        timeout=QUICK,
        max_bytes=100,
        max_redirects=MAX_REDIRECTS,
        allow_loopback=True,
    )

    assert (response.status, response.body) == (200, b"here")
    assert response.url == f"http://127.0.0.1:{receiver.port}/elsewhere"
    assert [r.path for r in receiver.requests] == ["/hooks/factcheck", "/elsewhere"]


@pytest.mark.parametrize(
    "location", ["http://10.0.0.1/", "http://metadata.example.org/latest", "file:///etc/passwd"]
)
def test_a_redirect_to_an_unsafe_url_is_refused(receiver, location):
    receiver.answers = [Answer(status=301, headers={"Location": location})]

    with pytest.raises(UnsafeUrl):
        request(
            "GET",
            receiver.url,
            timeout=QUICK,
            max_bytes=100,
            max_redirects=MAX_REDIRECTS,
            allow_loopback=True,
        )


def test_more_than_five_redirects_fail(receiver):
    assert MAX_REDIRECTS == 5
    receiver.answers = [Answer(status=302, headers={"Location": "/again"})] * 6

    with pytest.raises(RequestFailed, match="More than 5 redirects"):
        request(
            "GET",
            receiver.url,
            timeout=QUICK,
            max_bytes=100,
            max_redirects=MAX_REDIRECTS,
            allow_loopback=True,
        )

    assert len(receiver.requests) == 6


def test_a_response_over_the_size_cap_fails_or_is_truncated(receiver):
    receiver.answers = [Answer(body=b"x" * 5000), Answer(body=b"y" * 5000)]

    with pytest.raises(RequestFailed, match="larger than 1000 bytes"):
        request("GET", receiver.url, timeout=QUICK, max_bytes=1000, allow_loopback=True)
    response = request(
        "GET", receiver.url, timeout=QUICK, max_bytes=1000, truncate=True, allow_loopback=True
    )

    assert (len(response.body), response.truncated) == (1000, True)


def test_post_json_keeps_only_the_start_of_a_long_answer(receiver):
    receiver.answers = [Answer(status=500, body=b"e" * 100_000)]

    result = post_json(receiver.url, b"{}", {}, timeout=QUICK, allow_loopback=True)

    assert result == (500, "e" * RESPONSE_TEXT_CHARS)


@contextmanager
def _raw_server(serve: Callable[[socket.socket], None]) -> Iterator[int]:
    """A TCP server on 127.0.0.1 that hands each connection to `serve`; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()


def _silent(connection: socket.socket) -> None:
    time.sleep(3)
    connection.close()


def _dribbling(connection: socket.socket) -> None:
    """Answers a byte at a time, each well within the read timeout, never finishing."""
    connection.sendall(b"HTTP/1.1 200 OK\r\n")
    try:
        for _ in range(200):
            connection.sendall(b"X")
            time.sleep(0.05)
    except OSError:
        pass
    connection.close()


@pytest.mark.parametrize("serve", [_silent, _dribbling])
def test_the_read_timeout_bounds_the_whole_response(serve):
    with _raw_server(serve) as port:
        started = time.monotonic()
        with pytest.raises(RequestFailed, match="timed out"):
            post_json(
                f"http://127.0.0.1:{port}/",
                b"{}",
                {},
                timeout=Timeout(connect=1, read=0.5),
                allow_loopback=True,
            )

    assert time.monotonic() - started < 2


def test_a_refused_connection_fails():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]

    with pytest.raises(RequestFailed, match="Could not connect"):
        post_json(f"http://127.0.0.1:{port}/", b"{}", {}, timeout=QUICK, allow_loopback=True)


@pytest.fixture
def self_signed(tmp_path) -> tuple[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=secure.example.org", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


def test_https_sends_the_name_as_sni_and_verifies_the_certificate(self_signed, fake_dns):
    """The socket goes to the pinned address, but TLS is about the name: SNI carries it, and a
    certificate that is not trusted for it fails the request."""
    fake_dns["secure.example.org"] = ["127.0.0.1"]
    server_names = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    context.sni_callback = lambda sslobj, name, ctx: server_names.append(name)

    def serve(connection: socket.socket) -> None:
        try:
            context.wrap_socket(connection, server_side=True).close()
        except (ssl.SSLError, OSError):
            connection.close()

    with (
        _raw_server(serve) as port,
        pytest.raises(RequestFailed, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        post_json(
            f"https://secure.example.org:{port}/", b"{}", {}, timeout=QUICK, allow_loopback=True
        )

    assert server_names == ["secure.example.org"]
