"""Loaded by schemathesis's CLI in tests/*/test_schemathesis.py (SCHEMATHESIS_HOOKS).

Image parts: a multipart part whose `encoding` names image media types (check-this's `image`,
a media upload's `file`) is a picture of that type, decoded and hashed by the service;
schemathesis sends arbitrary bytes under such a header unless told what one looks like.

`refused_without_credentials`: ignored_auth expects 401 or 403 when the credentials are taken
away. Where the configuration turns it off (schemathesis.toml says why), this check stands in:
a request that succeeded with the key, sent again without it, must be refused all the same.
"""

import io
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
import schemathesis
from hypothesis import strategies as st
from PIL import Image

PILLOW_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}
CREDENTIAL_HEADERS = ("X-API-Key", "Authorization", "Cookie")
CREDENTIAL_QUERY_PARAMETERS = ("key",)
# What an API answers a request without credentials that needs them, by path prefix.
REFUSALS = {
    # What the caller may not read answers 404, also to a write (drafts never leak).
    "/api/v1/": {401, 403, 404},
    # Google's PERMISSION_DENIED for a missing key.
    "/v1alpha1/": {403},
}


def _picture(pillow_format: str):
    def encode(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", size, colour).save(buffer, format=pillow_format)
        return buffer.getvalue()

    side = st.integers(min_value=8, max_value=96)
    channel = st.integers(min_value=0, max_value=255)
    return st.builds(encode, st.tuples(side, side), st.tuples(channel, channel, channel))


for media_type, pillow_format in PILLOW_FORMATS.items():
    schemathesis.openapi.media_type(media_type, _picture(pillow_format))


@schemathesis.check
def refused_without_credentials(ctx, response, case):
    operation = case.operation
    # unsupported_method's probes (OPTIONS, methods not declared) are not the operation.
    if response.request.method != operation.method.upper() or not 200 <= response.status_code < 300:
        return None
    security = operation.definition.raw.get("security", operation.schema.raw_schema.get("security"))
    if {} in (security or [{}]):
        return None  # open to anonymous callers
    request = response.request.copy()
    url = urlsplit(request.url)
    query = parse_qsl(url.query, keep_blank_values=True)
    kept = [(name, value) for name, value in query if name not in CREDENTIAL_QUERY_PARAMETERS]
    sent_credentials = len(kept) < len(query) or any(
        name in request.headers for name in CREDENTIAL_HEADERS
    )
    if not sent_credentials:
        raise AssertionError(f"Succeeded ({response.status_code}) without credentials")
    for name in CREDENTIAL_HEADERS:
        request.headers.pop(name, None)
    request.url = urlunsplit(url._replace(query=urlencode(kept)))
    with requests.Session() as session:
        probe = session.send(request, timeout=30, allow_redirects=False)
    refusals = next(codes for prefix, codes in REFUSALS.items() if prefix in url.path)
    if probe.status_code not in refusals:
        raise AssertionError(
            f"Without credentials: {probe.status_code}, expected one of {sorted(refusals)}"
        )
    return None
