"""Errors as Google APIs report them, for Vision and Fact Check Tools.

A failed call answers with an HTTP status and `{"error": {"code", "message", "status",
"details"}}` (https://cloud.google.com/apis/design/errors). Two details matter here: an
`ErrorInfo` with reason `API_KEY_INVALID` (Google answers a bad key with 400, not 401) and a
`RetryInfo` with `retryDelay` ("30s"). Inside a Vision batch, an image that fails carries a
`google.rpc.Status` `{"code", "message"}` with a gRPC code instead of an HTTP status.
"""

from media.integrations.reverse_image._common import EngineResponse, retry_after_seconds
from media.integrations.reverse_image.base import (
    ProviderAuthError,
    ProviderBadRequest,
    ProviderError,
    ProviderRateLimited,
    ProviderTransientError,
)

_ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
_RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"

# google.rpc.Code values met per image.
_DEADLINE_EXCEEDED = 4
_RESOURCE_EXHAUSTED = 8
_INTERNAL = 13
_UNAVAILABLE = 14
_UNAUTHENTICATED = 16


def http_error(provider: str, response: EngineResponse) -> ProviderError:
    """The error that a non-2xx answer from a Google API stands for."""
    payload = response.json()
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        error = {}
    details = error.get("details")
    details = [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []
    message = str(error.get("message") or f"HTTP {response.status}.")
    status = response.status
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if retry_after is None:
        retry_after = _retry_delay(details)

    if status == 429 or error.get("status") == "RESOURCE_EXHAUSTED":
        return ProviderRateLimited(
            message, provider=provider, status=status, retry_after=retry_after
        )
    reasons = {d.get("reason") for d in details if d.get("@type") == _ERROR_INFO}
    if status in (401, 403) or "API_KEY_INVALID" in reasons:
        return ProviderAuthError(message, provider=provider, status=status)
    if status == 400:
        return ProviderBadRequest(message, provider=provider, status=status)
    if status >= 500:
        return ProviderTransientError(
            message, provider=provider, status=status, retry_after=retry_after
        )
    return ProviderError(message, provider=provider, status=status)


def rpc_status_error(provider: str, rpc_status: dict) -> ProviderError:
    """The error for one image's `google.rpc.Status` in an otherwise successful batch."""
    code = rpc_status.get("code")
    message = str(rpc_status.get("message") or f"gRPC code {code}.")
    if code == _RESOURCE_EXHAUSTED:
        return ProviderRateLimited(message, provider=provider)
    if code in (_DEADLINE_EXCEEDED, _INTERNAL, _UNAVAILABLE):
        return ProviderTransientError(message, provider=provider)
    if code == _UNAUTHENTICATED:
        return ProviderAuthError(message, provider=provider)
    # INVALID_ARGUMENT (unreadable image), PERMISSION_DENIED (Google may not fetch that URL)
    # and the rest: this image fails the same way next time.
    return ProviderBadRequest(message, provider=provider)


def _retry_delay(details: list[dict]) -> float | None:
    """RetryInfo's `retryDelay`, a protobuf Duration in JSON: seconds with an "s" suffix."""
    for detail in details:
        delay = detail.get("retryDelay")
        if detail.get("@type") == _RETRY_INFO and isinstance(delay, str) and delay.endswith("s"):
            try:
                return float(delay[:-1])
            except ValueError:
                return None
    return None
