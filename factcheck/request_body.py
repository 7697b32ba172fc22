"""Request bodies whose length is not given."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from factchecktools.errors import GoogleApiError, json_response

API_PREFIX = "/api/"
FACT_CHECK_TOOLS_PREFIX = "/v1alpha1"
MESSAGE = "Send the body with a Content-Length; chunked request bodies are not accepted."


class RequireContentLength:
    """Refuse a body sent with `Transfer-Encoding` (chunked) and no Content-Length: 411.

    Django reads as much of a body as Content-Length says, so without one it would read
    nothing and go on as if the client had sent an empty body: a write that silently loses its
    input. Refusing says so; every client we know can send a length.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        encoding = request.META.get("HTTP_TRANSFER_ENCODING", "").strip().lower()
        if encoding and encoding != "identity" and not request.META.get("CONTENT_LENGTH"):
            return length_required(request)
        return self.get_response(request)


def length_required(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(FACT_CHECK_TOOLS_PREFIX):
        return json_response(GoogleApiError("INVALID_ARGUMENT", MESSAGE, http_status=411))
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"code": "length_required", "message": MESSAGE, "details": {}}, status=411
        )
    return HttpResponse(MESSAGE, status=411, content_type="text/plain; charset=utf-8")
