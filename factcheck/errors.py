"""Django's own error pages, as JSON in the API's error shape for requests under /api/ (and in
Google's under /v1alpha1/, the Fact Check Tools API): a URL that matches no route, or a failure
before a view runs, still answers like the API."""

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from core.db_errors import RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE, database_unavailable
from factchecktools.errors import GoogleApiError, json_response, unavailable

API_PREFIX = "/api/"
FACT_CHECK_TOOLS_PREFIX = "/v1alpha1"


def _google(status: str, message: str) -> JsonResponse:
    return json_response(GoogleApiError(status, message))


def _json(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "details": {}}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(FACT_CHECK_TOOLS_PREFIX):
        return _google("INVALID_ARGUMENT", "The request could not be processed.")
    if request.path.startswith(API_PREFIX):
        return _json("bad_request", "The request could not be processed.", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(FACT_CHECK_TOOLS_PREFIX):
        return _google("PERMISSION_DENIED", "The caller does not have permission.")
    if request.path.startswith(API_PREFIX):
        return _json("permission_denied", "You do not have permission to do this.", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(FACT_CHECK_TOOLS_PREFIX):
        return _google("NOT_FOUND", "Method not found.")
    if request.path.startswith(API_PREFIX):
        return _json("not_found", "Not found.", 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # Called while the exception is being handled: a database that is down is a 503 to retry.
    if database_unavailable(sys.exc_info()[1]):
        return _unavailable(request)
    if request.path.startswith(FACT_CHECK_TOOLS_PREFIX):
        return _google("INTERNAL", "Internal error encountered.")
    if request.path.startswith(API_PREFIX):
        return _json("server_error", "Something went wrong on our side; it has been logged.", 500)
    return defaults.server_error(request)


def _unavailable(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(FACT_CHECK_TOOLS_PREFIX):
        return json_response(unavailable())
    if request.path.startswith(API_PREFIX):
        response = _json("unavailable", UNAVAILABLE_MESSAGE, 503)
    else:
        response = HttpResponse(UNAVAILABLE_MESSAGE, status=503, content_type="text/plain")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
