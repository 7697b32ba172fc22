"""Webhook signatures. Standard library only, so that a consumer can copy this file as it is.

Every delivery is a POST of a JSON body with these headers:

    X-Factcheck-Event: verdict.published
    X-Factcheck-Delivery: 0b7c3f1e-...            (the same on every retry and redelivery)
    X-Factcheck-Signature: t=1767225600,v1=5257a869e7ec...

`t` is the Unix time the attempt was sent. `v1` is the hex HMAC-SHA256, keyed with the
subscription's secret (the whole `whsec_...` string as UTF-8), of `t`, a dot and the raw body:
`f"{t}.".encode() + body`, computed over the bytes received, before any JSON parsing.

To accept a delivery: recompute the HMAC and compare it in constant time (`verify` below does
both), and refuse a `t` further than a few minutes from your clock, so that a captured request
cannot be replayed later. The signature covers `t`, so `t` cannot be moved forward without the
secret. A delivery may arrive more than once: deduplicate on `X-Factcheck-Delivery`, which is
also `id` in the body. The event headers are not signed; the body carries them too.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Factcheck-Signature"
EVENT_HEADER = "X-Factcheck-Event"
DELIVERY_HEADER = "X-Factcheck-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The signature header is missing, malformed, does not match, or is too old or too new."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `v1` signature: hex HMAC-SHA256 of `f"{timestamp}.".encode() + body`."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The `X-Factcheck-Signature` value for sending `body` now (or at `timestamp`)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check an `X-Factcheck-Signature` header against the raw body; return its timestamp.

    Raises `SignatureError` unless one `v1` signature matches and the timestamp is within
    `tolerance` seconds of `now` (default: the current time).
    """
    timestamp, signatures = _parse(header)
    expected = sign(secret, timestamp, body)
    # Several v1 values may be sent while a secret is being replaced; any one may match.
    if not any(hmac.compare_digest(expected, signature) for signature in signatures):
        raise SignatureError("The signature does not match the body.")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("The timestamp is too far from now: a replay, or a clock off.")
    return timestamp


def _parse(header: str | None) -> tuple[int, list[str]]:
    timestamp = None
    signatures = []
    for item in (header or "").split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    # Other schemes (a future v2) are ignored, so that they can be added without breaking you.
    if timestamp is None or not signatures:
        raise SignatureError("Expected a header like t=<unix time>,v1=<hex signature>.")
    return timestamp, signatures
