"""HTTP to the public internet only, for URLs that users type in (webhooks, media fetched by URL).

Without a guard such a URL is a way into our own network: `http://169.254.169.254/` (cloud
metadata), `http://localhost:5432/`, an intranet host, or a public name whose DNS answers with a
private address, possibly only on the second lookup (DNS rebinding). So:

- http and https only, without a user name or password in the URL;
- the host is resolved once and refused if any of its addresses is not public: private,
  loopback, link-local, multicast, reserved, unspecified, shared (carrier-grade NAT), IPv4 and
  IPv6, and IPv4 addresses carried inside IPv6 (mapped, 6to4);
- the connection goes to an address that was checked, never to a second resolution of the name,
  and the address actually connected to is checked again; https still verifies the certificate
  for the name, which is sent as SNI and in `Host`;
- every redirect is checked the same way, at most `MAX_REDIRECTS`, and only GET and HEAD follow
  them (a POST answered with a redirect returns that answer);
- connect and read timeouts, a cap on the response size, and optionally a deadline for the
  whole request, redirects included (a web request cannot wait as long as a worker).

The standard library's `http.client` is enough and lets us hand it the socket; a client that
resolves names itself would reopen the rebinding gap.
"""

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import BinaryIO, NamedTuple
from urllib.parse import quote, urljoin, urlsplit

from core.exceptions import ApplicationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "factcheck/1.0"
# What `post_json` keeps of a response: enough to show a consumer's error page in the log.
RESPONSE_PREVIEW_BYTES = 2048
RESPONSE_TEXT_CHARS = 500
_CHUNK_BYTES = 64 * 1024
# Characters left as they are when a path or query is percent-encoded: RFC 3986's reserved and
# unreserved characters, and `%` so that existing escapes survive.
_URL_SAFE = "/:@!$&'()*+,;=%~"


class UnsafeUrl(ApplicationError):
    """Refused before any connection: not http(s), credentials in the URL, or a host that is, or
    resolves to, an address that is not public."""

    code = "unsafe_url"


class RequestFailed(Exception):
    """The request did not get an answer: the name did not resolve, the connection or the TLS
    handshake failed, a timeout passed, or the response was malformed or too large."""


class ResponseTooLarge(RequestFailed):
    """The body is over `max_bytes` (by its Content-Length, or as it arrived)."""


class RequestRefused(RequestFailed):
    """A failure that asking again will not change: callers fail at once with the reason
    instead of retrying."""


class DeadlineExceeded(RequestFailed):
    """The request, redirects included, was not done by its deadline."""


class TooManyRedirects(RequestRefused):
    """More than `max_redirects` redirects."""


class CertificateInvalid(RequestRefused):
    """The server's TLS certificate does not verify for the name: expired, self-signed, for
    another name. Fixing it takes its owner, not time."""


class Timeout(NamedTuple):
    """Seconds to connect (TLS handshake included), and then to send the request and receive
    the whole response."""

    connect: float
    read: float


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes
    url: str  # after redirects
    truncated: bool  # the body was cut at `max_bytes` (only when asked to truncate)


class PostResult(NamedTuple):
    status: int
    text: str  # the start of the response body, for the delivery log


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # ASCII (IDNA), without brackets for IPv6
    port: int
    path: str  # path and query, percent-encoded, as sent on the request line

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def check_url(url: str, *, allow_loopback: bool = False) -> list[IPAddress]:
    """The addresses `url`'s host resolves to, all of them public; raises `UnsafeUrl` otherwise,
    and `RequestFailed` when the name does not resolve.

    `allow_loopback` lets 127.0.0.0/8 and ::1 through (tests, local development); every other
    non-public address stays refused.
    """
    target = _parse(url)
    return _resolve(target, allow_loopback=allow_loopback)


def check_url_form(url: str, *, allow_loopback: bool = False) -> None:
    """What `check_url` can refuse without a DNS query: the URL's form, and a host that is a
    loopback name or an address that is not public. Names are checked when they are resolved,
    which is when a request is made: an answer checked earlier proves nothing then."""
    target = _parse(url)
    _refuse_loopback_name(target, allow_loopback=allow_loopback)
    try:
        address = ipaddress.ip_address(target.host)
    except ValueError:
        return
    _refuse_unless_public(target.host, address, allow_loopback=allow_loopback)


def request(
    method: str,
    url: str,
    *,
    timeout: Timeout,
    max_bytes: int,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    max_redirects: int = 0,
    truncate: bool = False,
    allow_loopback: bool = False,
    sink: BinaryIO | None = None,
    deadline: float | None = None,
) -> Response:
    """Send one request through the guard and return the answer, whatever its status.

    GET and HEAD follow up to `max_redirects` redirects, each target checked like the first;
    more is `TooManyRedirects`. A body over `max_bytes` is `ResponseTooLarge`, or with
    `truncate` is cut there. Raises `UnsafeUrl` for a refused URL or redirect target. With a
    `sink` (a seekable file), the final answer's body is written there instead of kept in
    `Response.body`, so that a large download is not held in memory. With a `deadline` (a
    `time.monotonic()` value), every connection and read ends by then, and a request not done
    by then is `DeadlineExceeded`; resolving a name is not bounded by it.
    """
    follows_redirects = method in ("GET", "HEAD") and max_redirects > 0
    redirects = 0
    while True:
        if sink is not None:  # a redirect's body is not the answer
            sink.seek(0)
            sink.truncate()
        try:
            response = _exchange(
                method,
                url,
                body=body,
                headers=headers or {},
                timeout=timeout,
                max_bytes=max_bytes,
                truncate=truncate,
                allow_loopback=allow_loopback,
                sink=sink,
                deadline=deadline,
            )
        except RequestFailed as error:
            if deadline is not None and time.monotonic() >= deadline:
                raise DeadlineExceeded(f"Not done by the deadline: {error}") from None
            raise
        location = response.headers.get("location")
        if not (follows_redirects and response.status in REDIRECT_STATUSES and location):
            return response
        if redirects == max_redirects:
            raise TooManyRedirects(f"More than {max_redirects} redirects.")
        redirects += 1
        url = urljoin(url, location)


def post_json(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: Timeout,
    allow_loopback: bool = False,
) -> PostResult:
    """POST a JSON body; redirects are not followed (the caller sees the 3xx status). The
    response body is read only up to `RESPONSE_PREVIEW_BYTES`."""
    response = request(
        "POST",
        url,
        body=body,
        headers={"Content-Type": "application/json", **headers},
        timeout=timeout,
        max_bytes=RESPONSE_PREVIEW_BYTES,
        truncate=True,
        allow_loopback=allow_loopback,
    )
    text = response.body.decode("utf-8", errors="replace")[:RESPONSE_TEXT_CHARS]
    return PostResult(response.status, text)


def _parse(url: str) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:  # unbalanced IPv6 brackets, a port that is not a number
        raise UnsafeUrl(f"Not a valid URL: {error}.") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UnsafeUrl("Only http and https URLs are allowed.")
    if "@" in parts.netloc:
        raise UnsafeUrl("URLs with a user name or password are not allowed.")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("The URL has no host.")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise UnsafeUrl(f"{host!r} is not a valid host name.") from None
    path = quote(parts.path or "/", safe=_URL_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_URL_SAFE + "?")
    return _Target(scheme, host, port or DEFAULT_PORTS[scheme], path)


def _refuse_loopback_name(target: _Target, *, allow_loopback: bool) -> None:
    name = target.host.rstrip(".")
    # RFC 6761: these names are loopback whatever DNS says, and some resolvers do ask DNS.
    if (name == "localhost" or name.endswith(".localhost")) and not allow_loopback:
        raise UnsafeUrl(f"{target.host} is a loopback name.")


def _resolve(target: _Target, *, allow_loopback: bool) -> list[IPAddress]:
    _refuse_loopback_name(target, allow_loopback=allow_loopback)
    try:
        infos = socket.getaddrinfo(
            target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except socket.gaierror as error:
        raise RequestFailed(f"Could not resolve {target.host}: {error.strerror}.") from None
    except (UnicodeError, ValueError):  # e.g. an empty label or a NUL byte
        raise UnsafeUrl(f"{target.host!r} is not a valid host name.") from None
    addresses: list[IPAddress] = []
    for family, _, _, _, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(sockaddr[0])
        _refuse_unless_public(target.host, address, allow_loopback=allow_loopback)
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise RequestFailed(f"{target.host} has no IPv4 or IPv6 address.")
    return addresses


def _refuse_unless_public(host: str, address: IPAddress, *, allow_loopback: bool) -> None:
    reason = _refusal(address, allow_loopback=allow_loopback)
    if reason is None:
        return
    if host == str(address):
        raise UnsafeUrl(f"{address} is {reason}.")
    raise UnsafeUrl(f"{host} resolves to {address}, which is {reason}.")


def _refusal(address: IPAddress, *, allow_loopback: bool) -> str | None:
    """Why a connection to `address` is refused, or None when it is allowed."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address inside IPv6 is reached through IPv4, so it is judged as that address
        # (and never as allowed loopback). Python versions differ in whether `is_private` and
        # friends look inside, so look here.
        embedded = address.ipv4_mapped or address.sixtofour
        inner = embedded and _refusal(embedded, allow_loopback=False)
        if inner:
            return f"{inner} inside IPv6"
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    checks = [
        (address.is_unspecified, "an unspecified address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (isinstance(address, ipaddress.IPv6Address) and address.is_site_local, "site-local"),
        # Catches the ranges the flags above miss, e.g. 100.64.0.0/10 (carrier-grade NAT).
        (not address.is_global, "not a public address"),
    ]
    return next((reason for refused, reason in checks if refused), None)


def _exchange(
    method: str,
    url: str,
    *,
    body: bytes | None,
    headers: Mapping[str, str],
    timeout: Timeout,
    max_bytes: int,
    truncate: bool,
    allow_loopback: bool,
    sink: BinaryIO | None = None,
    deadline: float | None = None,
) -> Response:
    target = _parse(url)
    addresses = _resolve(target, allow_loopback=allow_loopback)
    timeout = _within(timeout, deadline, "connect")
    sock = _connect(target, addresses, timeout=timeout, allow_loopback=allow_loopback)
    timeout = _within(timeout, deadline, "read")
    sock.settimeout(timeout.read)
    connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout.read)
    # Handing over the connected socket keeps http.client from resolving the name again.
    connection.sock = sock
    # A socket timeout bounds each read, not the response: a server sending a byte at a time
    # would never trip it. The watchdog shuts the socket when the whole response is overdue.
    expired = threading.Event()
    watchdog = threading.Timer(timeout.read, _expire, args=(sock, expired))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request(
            method,
            target.path,
            body=body,
            headers={
                "Host": target.host_header,
                "User-Agent": USER_AGENT,
                "Connection": "close",
                **headers,
            },
        )
        answer = connection.getresponse()
        content, truncated = _read_body(answer, max_bytes=max_bytes, truncate=truncate, sink=sink)
        if expired.is_set():  # a body without a length ends when the socket does
            raise TimeoutError()
        return Response(
            status=answer.status,
            headers={name.lower(): value for name, value in answer.getheaders()},
            body=content,
            url=url,
            truncated=truncated,
        )
    except (OSError, http.client.HTTPException) as error:
        reason = "timed out" if expired.is_set() else _describe(error)
        raise RequestFailed(f"{method} {target.host}: {reason}.") from None
    finally:
        watchdog.cancel()
        connection.close()


def _within(timeout: Timeout, deadline: float | None, part: str) -> Timeout:
    """`timeout` with its `part` (connect or read) cut to what is left before `deadline`."""
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise RequestFailed("the deadline passed")
    return timeout._replace(**{part: min(getattr(timeout, part), left)})


def _expire(sock: socket.socket, expired: threading.Event) -> None:
    expired.set()
    # The plain socket's shutdown, also for TLS: it wakes a blocked read in the other thread
    # without touching the TLS state that thread is using.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _connect(
    target: _Target, addresses: list[IPAddress], *, timeout: Timeout, allow_loopback: bool
) -> socket.socket:
    """A socket connected to the first checked address that answers, with TLS for https."""
    failures = []
    for address in addresses:
        try:
            sock = socket.create_connection((str(address), target.port), timeout=timeout.connect)
        except OSError as error:
            failures.append(f"{address}: {_describe(error)}")
            continue
        try:
            peer = ipaddress.ip_address(sock.getpeername()[0])
            _refuse_unless_public(target.host, peer, allow_loopback=allow_loopback)
            if target.scheme == "https":
                context = ssl.create_default_context()
                sock = context.wrap_socket(sock, server_hostname=target.host)
        except ssl.SSLCertVerificationError as error:
            sock.close()
            raise CertificateInvalid(
                f"The TLS certificate of {target.host} does not verify: {_describe(error)}."
            ) from None
        except OSError as error:
            sock.close()
            failures.append(f"{address}: {_describe(error)}")
            continue
        except UnsafeUrl:
            sock.close()
            raise
        return sock
    raise RequestFailed(
        f"Could not connect to {target.host} port {target.port} ({'; '.join(failures)})."
    )


def _read_body(
    answer: http.client.HTTPResponse,
    *,
    max_bytes: int,
    truncate: bool,
    sink: BinaryIO | None = None,
) -> tuple[bytes, bool]:
    length = answer.getheader("Content-Length", "")
    if not truncate and length.isascii() and length.isdigit() and int(length) > max_bytes:
        raise ResponseTooLarge(f"The response is larger than {max_bytes} bytes.")
    chunks: list[bytes] = []
    size = 0
    # One byte past the cap tells a body that is too large from one that fits exactly.
    while size <= max_bytes:
        chunk = answer.read1(min(_CHUNK_BYTES, max_bytes + 1 - size))
        if not chunk:
            break
        size += len(chunk)
        kept = chunk[: len(chunk) - max(0, size - max_bytes)]
        if sink is None:
            chunks.append(kept)
        else:
            sink.write(kept)
    if size > max_bytes and not truncate:
        raise ResponseTooLarge(f"The response is larger than {max_bytes} bytes.")
    return b"".join(chunks), size > max_bytes


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    return str(error) or type(error).__name__
