"""Errors and logs reach people: request and task ids on every line, JSON when asked, Sentry
when configured, and no API key in any of them."""

import gzip
import io
import json
import logging
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from logging.config import dictConfig
from pathlib import Path

import pytest
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from core.observability import RequestIdMiddleware

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_echoes_a_sane_one(client):
    fresh = client.get("/healthz")
    given = client.get("/healthz", HTTP_X_REQUEST_ID="edge-42.abc")
    hostile = client.get("/healthz", HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")

    assert len(fresh["X-Request-ID"]) == 32
    assert given["X-Request-ID"] == "edge-42.abc"
    assert hostile["X-Request-ID"] != "x\r\nSet-Cookie: a=b"


def _logged(log_format: str, emit) -> str:
    stream = io.StringIO()
    with override_settings(LOG_FORMAT=log_format):
        config = {**settings.LOGGING, "root": {"handlers": ["console"], "level": "INFO"}}
        config["handlers"] = {
            "console": {
                **settings.LOGGING["handlers"]["console"],
                "formatter": log_format,
                "stream": stream,
            }
        }
        previous = logging.getLogger().handlers[:]
        dictConfig(config)
        try:
            emit()
        finally:
            logging.getLogger().handlers[:] = previous
    return stream.getvalue()


def test_json_logs_name_the_request_that_wrote_them():
    def view(request):
        logging.getLogger("factcheck.test").info("inside the request")
        return HttpResponse("ok")

    def emit_in_request():
        RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-7"))

    lines = [json.loads(line) for line in _logged("json", emit_in_request).splitlines()]

    [line] = [line for line in lines if line["message"] == "inside the request"]
    assert (line["request_id"], line["task_id"], line["level"]) == ("req-7", "", "INFO")


def test_a_tasks_log_lines_carry_its_id():
    def emit():
        task_prerun.send(sender=None, task_id="task-123", task=None)
        logging.getLogger("factcheck.test").info("in a task")
        task_postrun.send(sender=None, task_id="task-123", task=None)
        logging.getLogger("factcheck.test").info("after it")

    lines = _logged("plain", emit).splitlines()

    assert "[task-123] in a task" in lines[0]
    assert "[] after it" in lines[1]


def test_sentry_receives_errors_without_api_keys():
    received: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.append(body)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    code = (
        "from core.observability import init_sentry; import sentry_sdk; "
        f"init_sentry('http://public@127.0.0.1:{server.server_port}/1', environment='test', "
        "release=''); "
        "sentry_sdk.capture_event({'message': 'boom', 'request': {"
        "'url': 'https://factcheck.example.org/v1alpha1/claims:search?key=fck_secret&query=a',"
        "'headers': {'X-Api-Key': 'fck_secret'}}}); sentry_sdk.flush(5)"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=REPOSITORY, capture_output=True, text=True, timeout=60
        )
    finally:
        server.shutdown()

    assert result.returncode == 0, result.stderr
    body = b"".join(received).decode()
    assert "boom" in body
    assert "fck_secret" not in body
    assert "key=[redacted]" in body
