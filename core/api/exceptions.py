"""One JSON shape for every error the API answers:

    {"code": "validation_error", "message": "...",
     "details": {"field": [{"code": "...", "message": "..."}]}}

`code` is stable and machine-readable; `details` maps field paths (`appearances.1.url`) to
their errors and is empty when no field is at fault.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from core.db_errors import (
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_MESSAGE,
    database_unavailable,
    is_conflict,
)
from core.exceptions import ApplicationError

logger = logging.getLogger(__name__)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource has changed since you read it; fetch it again."
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Send If-Match with the ETag of the version you edited."
    default_code = "precondition_required"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class InvalidCursor(exceptions.ValidationError):
    default_code = "invalid_cursor"


def _flatten(errors: Any, path: str = "") -> dict[str, list[dict[str, str]]]:
    """DRF's nested error details as {"a.0.b": [{"code", "message"}]}."""
    if isinstance(errors, dict):
        flat: dict[str, list[dict[str, str]]] = {}
        for key, value in errors.items():
            flat |= _flatten(value, f"{path}.{key}" if path else str(key))
        return flat
    if isinstance(errors, list) and errors and all(isinstance(e, dict | list) for e in errors):
        if all(isinstance(e, dict) and "message" in e and "code" in e for e in errors):
            return {path or "non_field_errors": [dict(e) for e in errors]}
        flat = {}
        for index, value in enumerate(errors):
            flat |= _flatten(value, f"{path}.{index}" if path else str(index))
        return flat
    if isinstance(errors, dict | list):
        return {}
    return {path or "non_field_errors": [{"code": "invalid", "message": str(errors)}]}


def _body(code: str, message: str, details: dict | None = None) -> dict:
    return {"code": code, "message": message, "details": details or {}}


def _validation_body(detail: Any) -> dict:
    full = exceptions.ValidationError(detail).get_full_details()
    details = _flatten(full)
    first = next(iter(details.values()), [{"message": "Invalid input."}])[0]["message"]
    return _body("validation_error", f"Invalid input: {first}", details)


# Django and database errors that are the client's doing: (types, status, code, message), the
# first that matches wins (RequestDataTooBig is a SuspiciousOperation, so it comes first).
FIXED_ERRORS = [
    (
        (ProtectedError, RestrictedError),
        409,
        "protected",
        "Other records depend on this one; it cannot be deleted.",
    ),
    # A value that passed validation but that PostgreSQL cannot hold (a time zone offset beyond
    # ±15:59, a number out of range): still the client's input.
    ((DataError,), 400, "invalid_value", "A value is out of the range that can be stored."),
    ((Http404,), 404, "not_found", "Not found."),
    ((DjangoPermissionDenied,), 403, "permission_denied", "You do not have permission to do this."),
    ((RequestDataTooBig,), 413, "payload_too_large", "The request body is too large."),
    ((SuspiciousOperation,), 400, "bad_request", "The request could not be processed."),
]


# Input that is well-formed but does not fit what is stored: naming an object that does not
# exist (or that the caller may not see) is 404 like a path to it; a name or slug another row
# already has, alone or with other fields (`unique_together`, e.g. one owner's webhook URL), is a
# conflict. Either way the body names the fields at fault.
STATE_ERRORS = {
    "does_not_exist": (404, "not_found"),
    "unique": (409, "conflict"),
    "unique_together": (409, "conflict"),
    "exists": (409, "conflict"),
}


def _state_error(exc: DjangoValidationError | exceptions.ValidationError) -> tuple[int, str] | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    errors = _flatten(exc.get_full_details()).values()
    codes = {error["code"] for field_errors in errors for error in field_errors}
    return STATE_ERRORS.get(codes.pop()) if len(codes) == 1 else None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    headers: dict[str, str] = {}
    fixed = next((error for error in FIXED_ERRORS if isinstance(exc, error[0])), None)
    if isinstance(exc, ApplicationError):
        status_code = exc.status_code
        body = _body(exc.code, exc.message, exc.extra.get("details"))
        if getattr(exc, "retry_after_seconds", None):
            headers["Retry-After"] = str(exc.retry_after_seconds)
    elif isinstance(exc, DjangoValidationError | exceptions.ValidationError) and (
        state_error := _state_error(exc)
    ):
        status_code, code = state_error
        is_drf = isinstance(exc, exceptions.ValidationError)
        body = _validation_body(exc.detail if is_drf else as_serializer_error(exc))
        body["code"] = code
    elif isinstance(exc, DjangoValidationError):
        status_code = 400
        body = _validation_body(as_serializer_error(exc))
    elif fixed is not None:
        _, status_code, code, message = fixed
        body = _body(code, message)
    elif isinstance(exc, IntegrityError):
        if not is_conflict(exc):
            return None  # a bug: DRF re-raises it, Django logs it and answers 500
        # A uniqueness constraint that validation could not see coming: a concurrent write won.
        status_code = 409
        body = _body("conflict", "This conflicts with data saved meanwhile; reload and retry.")
    elif database_unavailable(exc):
        logger.warning("Database unavailable: %s", exc)
        status_code = 503
        body = _body("unavailable", UNAVAILABLE_MESSAGE)
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    elif isinstance(exc, exceptions.ValidationError):
        status_code = exc.status_code
        body = _validation_body(exc.detail)
        codes = exc.get_codes()
        # A bare error (not per field) with its own code, e.g. invalid_cursor, keeps that code.
        if isinstance(codes, list) and len(codes) == 1 and codes[0] not in ("invalid", None):
            body["code"] = str(codes[0])
            body["message"] = str(exc.detail[0])
    elif isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        codes = exc.get_codes()
        body = _body(codes if isinstance(codes, str) else exc.default_code, str(exc.detail))
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    else:
        return None
    return Response(body, status=status_code, headers=headers)
