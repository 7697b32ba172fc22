"""Errors and logs that reach people: every log line can say which request or task wrote it,
logs can be JSON for a log pipeline (LOG_FORMAT=json), and errors go to Sentry when SENTRY_DSN
is set (factcheck.celery calls `init_sentry` for every process).

A request's id is the `X-Request-ID` it came with (from a proxy, say) when that is a sane token,
else a new one; it is sent back in the response's `X-Request-ID`. A task's lines carry the
task's id.
"""

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from celery.signals import task_postrun, task_prerun
from django.http import HttpRequest, HttpResponse

from core.redaction import REDACTED, SECRET_HEADERS, redact

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")
current_task_id: ContextVar[str] = ContextVar("current_task_id", default="")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        token = current_request_id.set(given if _SANE_ID.match(given) else uuid.uuid4().hex)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = current_request_id.get()
            return response
        finally:
            current_request_id.reset(token)


class ContextFilter(logging.Filter):
    """Adds `request_id` and `task_id` to every record (empty outside a request or a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        record.task_id = current_task_id.get()
        return True


@task_prerun.connect
def _task_started(task_id: str = "", **kwargs) -> None:
    current_task_id.set(task_id or "")


@task_postrun.connect
def _task_finished(**kwargs) -> None:
    current_task_id.set("")


def init_sentry(dsn: str, *, environment: str, release: str) -> None:
    """Errors of web requests and Celery tasks to Sentry, without personal data and with API
    keys redacted from the URLs it records."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        before_send=_redact_event,
    )


def _redact_event(event: dict, hint: dict) -> dict:
    request = event.get("request") or {}
    for field in ("url", "query_string"):
        if isinstance(request.get(field), str):
            request[field] = redact(request[field])
    headers = request.get("headers") or {}
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            headers[name] = REDACTED
    return event
