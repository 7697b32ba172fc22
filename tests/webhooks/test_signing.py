"""The signature consumers verify: its exact format, and what `verify` refuses."""

import hashlib
import hmac

import pytest

from webhooks.signing import SignatureError, sign, signature_header, verify

SECRET = "whsec_test-secret"
BODY = '{"event":"verdict.published","verdict":{"headline":"国葬视频"}}'.encode()
NOW = 1_767_225_600


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), b"1767225600." + BODY, hashlib.sha256).hexdigest()

    assert sign(SECRET, NOW, BODY) == expected
    assert signature_header(SECRET, BODY, timestamp=NOW) == f"t={NOW},v1={expected}"


def test_verify_accepts_a_fresh_signature_and_returns_its_timestamp():
    header = signature_header(SECRET, BODY, timestamp=NOW)

    assert verify(SECRET, header, BODY, now=NOW + 10) == NOW


def test_verify_accepts_the_current_time_by_default():
    verify(SECRET, signature_header(SECRET, BODY), BODY)


def test_verify_refuses_a_replayed_old_request():
    header = signature_header(SECRET, BODY, timestamp=NOW)

    with pytest.raises(SignatureError, match="too far from now"):
        verify(SECRET, header, BODY, now=NOW + 301)


def test_verify_refuses_a_timestamp_from_the_future():
    header = signature_header(SECRET, BODY, timestamp=NOW + 301)

    with pytest.raises(SignatureError, match="too far from now"):
        verify(SECRET, header, BODY, now=NOW)


def test_tolerance_is_adjustable():
    header = signature_header(SECRET, BODY, timestamp=NOW)

    assert verify(SECRET, header, BODY, now=NOW + 500, tolerance=600) == NOW


def test_moving_the_timestamp_forward_breaks_the_signature():
    signature = sign(SECRET, NOW, BODY)

    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, f"t={NOW + 1000},v1={signature}", BODY, now=NOW + 1000)


@pytest.mark.parametrize(
    ("secret", "body"),
    [("whsec_another-secret", BODY), (SECRET, BODY + b" "), (SECRET, BODY.replace(b"{", b"[", 1))],
)
def test_verify_refuses_another_secret_or_a_changed_body(secret, body):
    header = signature_header(SECRET, BODY, timestamp=NOW)

    with pytest.raises(SignatureError, match="does not match"):
        verify(secret, header, body, now=NOW)


def test_any_one_of_several_signatures_may_match():
    good = sign(SECRET, NOW, BODY)

    assert verify(SECRET, f"t={NOW},v1={'0' * 64},v1={good},v2=future", BODY, now=NOW) == NOW


@pytest.mark.parametrize(
    "header",
    [None, "", "v1=abc", f"t={NOW}", f"t=soon,v1={'0' * 64}", f"t=²,v1={'0' * 64}", "garbage"],
)
def test_verify_refuses_a_malformed_header(header):
    with pytest.raises(SignatureError):
        verify(SECRET, header, BODY, now=NOW)
