"""Errors as Google APIs answer them, so that Google's client libraries raise their usual
errors (`googleapiclient.errors.HttpError` with `reason` and `error_details`):

    {"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT",
               "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                            "fieldViolations": [{"field": "page_size", "description": "..."}]}]}}

`code` is the HTTP status, `status` the canonical error code (https://cloud.google.com/apis/
design/errors). Google answers a missing key with 403 PERMISSION_DENIED and a bad key with 400
INVALID_ARGUMENT whose ErrorInfo reason is API_KEY_INVALID; both are copied here, as is the
RATE_LIMIT_EXCEEDED ErrorInfo of a 429.
"""

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core import exceptions as domain
from core.api.exceptions import PayloadTooLarge
from core.db_errors import (
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_MESSAGE,
    database_unavailable,
    is_conflict,
)

logger = logging.getLogger(__name__)

HTTP_STATUS = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "ABORTED": 409,
    "ALREADY_EXISTS": 409,
    "RESOURCE_EXHAUSTED": 429,
    "INTERNAL": 500,
    "UNIMPLEMENTED": 501,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}
# What Google's ErrorInfo names as the service; clients written for Google look for it.
SERVICE = "factchecktools.googleapis.com"
ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"
PRECONDITION_FAILURE = "type.googleapis.com/google.rpc.PreconditionFailure"
RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"

MISSING_KEY = "The request is missing a valid API key."
INVALID_KEY = "API key not valid. Please pass a valid API key."
NOT_FOUND = "Requested entity was not found."
INTERNAL = "Internal error encountered."
# Domain errors (claims.exceptions.ApplicationError) whose code has its own canonical status.
STATUS_BY_CODE = {
    "verdict_exists": "ALREADY_EXISTS",
    "page_exists": "ALREADY_EXISTS",
    "version_mismatch": "ABORTED",
}


class ErrorStatusOutput(serializers.Serializer):
    code = serializers.IntegerField(help_text="The HTTP status.")
    message = serializers.CharField()
    status = serializers.ChoiceField(choices=list(HTTP_STATUS), help_text="The canonical code.")
    details = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="google.rpc details (`@type`)."
    )

    class Meta:
        ref_name = "GoogleRpcStatus"


class ErrorOutput(serializers.Serializer):
    """What `GoogleApiError.body` makes: the /v1alpha1/schema/ declares it for every error."""

    error = ErrorStatusOutput()

    class Meta:
        ref_name = "Error"


class GoogleApiError(Exception):
    """An error answered in Google's shape. `http_status` defaults to the status's usual one."""

    def __init__(
        self,
        status: str,
        message: str,
        *,
        details: Sequence[dict] = (),
        http_status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = list(details)
        self.http_status = http_status or HTTP_STATUS[status]
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": self.http_status,
            "message": self.message,
            "status": self.status,
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}


def error_info(reason: str, **metadata: str) -> dict:
    return {
        "@type": ERROR_INFO,
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {"service": SERVICE, **metadata},
    }


def field_violations(violations: Iterable[tuple[str, str]]) -> dict:
    return {
        "@type": BAD_REQUEST,
        "fieldViolations": [
            {"field": field, "description": description} if field else {"description": description}
            for field, description in violations
        ],
    }


def invalid_argument(message: str, violations: Iterable[tuple[str, str]] = ()) -> GoogleApiError:
    violations = list(violations)
    details = [field_violations(violations)] if violations else []
    return GoogleApiError("INVALID_ARGUMENT", message, details=details)


def failed_precondition(message: str, subject: str = "") -> GoogleApiError:
    violation = {"type": "STATE", "description": message}
    if subject:
        violation["subject"] = subject
    return GoogleApiError(
        "FAILED_PRECONDITION",
        message,
        details=[{"@type": PRECONDITION_FAILURE, "violations": [violation]}],
    )


def not_found(message: str = NOT_FOUND) -> GoogleApiError:
    return GoogleApiError("NOT_FOUND", message)


def unavailable(
    message: str = UNAVAILABLE_MESSAGE, retry_after: int = RETRY_AFTER_SECONDS
) -> GoogleApiError:
    return GoogleApiError(
        "UNAVAILABLE",
        message,
        details=[{"@type": RETRY_INFO, "retryDelay": f"{retry_after}s"}],
        headers={"Retry-After": str(retry_after)},
    )


def json_response(error: GoogleApiError) -> JsonResponse:
    """For answers made outside a DRF view (no route, Django's own error handlers)."""
    response = JsonResponse(error.body(), status=error.http_status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def translate(exc: Exception) -> GoogleApiError:
    """The Google error an exception raised while answering a request stands for."""
    if isinstance(exc, GoogleApiError):
        return exc
    if isinstance(exc, exceptions.NotAuthenticated):
        return GoogleApiError("PERMISSION_DENIED", MISSING_KEY)
    if isinstance(exc, exceptions.AuthenticationFailed):
        return GoogleApiError(
            "INVALID_ARGUMENT", INVALID_KEY, details=[error_info("API_KEY_INVALID")]
        )
    if isinstance(exc, exceptions.Throttled):
        return _throttled(exc)
    if isinstance(exc, exceptions.PermissionDenied | domain.PermissionDenied):
        message = exc.message if isinstance(exc, domain.PermissionDenied) else str(exc.detail)
        return GoogleApiError(
            "PERMISSION_DENIED", f"The caller does not have permission: {message}"
        )
    if isinstance(exc, exceptions.MethodNotAllowed):
        # No canonical code means "wrong method": UNIMPLEMENTED is the nearest, the HTTP status
        # stays 405 so that HTTP clients read it right.
        return GoogleApiError("UNIMPLEMENTED", str(exc.detail), http_status=405)
    if isinstance(exc, exceptions.NotFound | Http404 | ObjectDoesNotExist):
        return not_found()
    if isinstance(exc, exceptions.ParseError):
        return invalid_argument(f"Invalid JSON payload received. {exc.detail}")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return invalid_argument(f"{exc.detail} Send the body as application/json.")
    if isinstance(exc, PayloadTooLarge | RequestDataTooBig):
        return invalid_argument("Request payload size exceeds the limit.")
    if isinstance(exc, domain.ApplicationError) and exc.code in STATUS_BY_CODE:
        return GoogleApiError(STATUS_BY_CODE[exc.code], exc.message)
    if isinstance(exc, domain.InvalidTransition):
        return failed_precondition(exc.message, exc.extra.get("field", ""))
    if isinstance(exc, domain.ApplicationError):
        field = exc.extra.get("field")
        return invalid_argument(exc.message, [(field, exc.message)] if field else [])
    if isinstance(exc, DjangoValidationError):
        violations = _model_violations(exc)
        return invalid_argument(f"Invalid value: {violations[0][1]}", violations)
    if isinstance(exc, ProtectedError | RestrictedError):
        return failed_precondition("Other records depend on this one.")
    if isinstance(exc, DataError):
        return invalid_argument("A value is out of the range that can be stored.")
    if isinstance(exc, IntegrityError) and is_conflict(exc):
        # A uniqueness constraint that validation could not see coming: a concurrent write won.
        return GoogleApiError("ABORTED", "The request conflicts with a concurrent change; retry.")
    if database_unavailable(exc):
        logger.warning("Database unavailable: %s", exc)
        return unavailable()
    if isinstance(exc, exceptions.APIException):
        status = next(
            (name for name, code in HTTP_STATUS.items() if code == exc.status_code), "INTERNAL"
        )
        return GoogleApiError(status, str(exc.detail), http_status=exc.status_code)
    logger.error("Unexpected error in the Fact Check Tools API", exc_info=exc)
    return GoogleApiError("INTERNAL", INTERNAL)


def _model_violations(exc: DjangoValidationError) -> list[tuple[str, str]]:
    """A model's full_clean errors, by model field (a form-wide error names no field)."""
    if not hasattr(exc, "error_dict"):
        return [("", message) for message in exc.messages]
    return [
        ("" if field == "__all__" else field, message)
        for field, messages in exc.message_dict.items()
        for message in messages
    ]


def _throttled(exc: exceptions.Throttled) -> GoogleApiError:
    wait = max(1, int((exc.wait or 1) + 0.999))
    return GoogleApiError(
        "RESOURCE_EXHAUSTED",
        f"Quota exceeded for this API key's requests per period; retry in {wait} s.",
        details=[
            error_info("RATE_LIMIT_EXCEEDED"),
            {"@type": RETRY_INFO, "retryDelay": f"{wait}s"},
        ],
        headers={"Retry-After": str(wait)},
    )


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's exception handler for the Fact Check Tools views: every exception, expected or
    not, becomes Google's error JSON (an unexpected one is logged and answers INTERNAL)."""
    set_rollback()
    error = translate(exc)
    return Response(error.body(), status=error.http_status, headers=error.headers)
