"""Schemathesis against the live schema: every operation, as an editor and as anonymous, with
generated valid and invalid input. Fails on any 5xx and on any response that does not match
the schema (status code, content type, headers, body)."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.services.api_keys import api_key_create
from factcheck.wsgi import application
from tests.factories import editor

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 12


@pytest.fixture(autouse=True)
def _in_process(settings):
    """Requests go straight to the WSGI app, inside the test's transaction; like Django's test
    client, keep the connection open across requests."""
    settings.ALLOWED_HOSTS = ["*"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _failures(headers: dict[str, str]) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def exercise(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                exercise()
            except Unsatisfiable:
                continue  # nothing to make invalid (no parameters, no body)
            except Exception as error:
                failures.append(f"{operation.label} ({mode.value}): {error}")
    return failures


@pytest.mark.parametrize("role", ["anonymous", "editor"])
def test_every_operation_conforms_to_the_schema(world, role):
    headers = {}
    if role == "editor":
        _, raw_key = api_key_create(owner=editor(), name="schemathesis", created_by=None)
        headers["X-API-Key"] = raw_key

    failures = _failures(headers)

    assert not failures, "\n\n".join(failures)


@pytest.mark.django_db
def test_interactive_docs_need_no_cdn():
    response = Client().get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()
