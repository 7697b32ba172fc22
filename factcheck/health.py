"""Liveness and readiness for load balancers and orchestrators (docker-compose healthchecks)."""

import logging

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from factcheck.celery import app as celery_app
from retrieval import embedder

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up; says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        logger.warning("readiness: database unreachable: %s", error)
        # A broken connection must not be reused by the next request on this thread.
        connections["default"].close_if_unusable_or_obsolete()
        return type(error).__name__
    return None


def _check_broker() -> str | None:
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as error:
        logger.warning("readiness: broker unreachable: %s", error)
        return type(error).__name__
    return None


def _check_embedder() -> str:
    if not settings.RETRIEVAL_EMBEDDER:
        return "off"
    return "ok" if embedder.current() is not None else "error"


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the Celery broker answer, 503 (with which failed) when not.

    The embedding model (`embedder`: ok, error or off) does not make the process unready:
    without it search ranks by words alone. A model that failed to load answers 200 with
    status "degraded", so that it is seen and the process still serves."""
    failures = {
        name: error
        for name, error in (("database", _check_database()), ("broker", _check_broker()))
        if error is not None
    }
    checks = {name: ("error" if name in failures else "ok") for name in ("database", "broker")}
    checks["embedder"] = _check_embedder()
    if failures:
        return JsonResponse(
            {"status": "unavailable", "checks": checks, "errors": failures}, status=503
        )
    if checks["embedder"] == "error":
        errors = {"embedder": "The embedding model failed to load: search is by words only."}
        return JsonResponse({"status": "degraded", "checks": checks, "errors": errors})
    return JsonResponse({"status": "ok", "checks": checks})
