import socket

import pytest
from django.db import connections

from factcheck.celery import app as celery_app


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_answers_without_touching_dependencies(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_and_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "embedder": "ok"},
    }


@pytest.mark.django_db
def test_readyz_says_when_the_embedding_model_failed_to_load(client, settings):
    settings.RETRIEVAL_EMBEDDER = "tests.retrieval.fakes.BrokenEmbedder"

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["embedder"] == "error"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readyz_is_503_when_the_database_is_down(client):
    connection = connections["default"]
    saved = connection.settings_dict.copy()
    connection.close()
    # Point the connection at a port where nothing listens: a database that is down.
    connection.settings_dict.update(HOST="127.0.0.1", PORT=_closed_port(), OPTIONS={})
    try:
        response = client.get("/readyz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "error", "broker": "ok", "embedder": "ok"}
    assert "database" in body["errors"]


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_is_down(client, monkeypatch):
    unreachable = f"redis://127.0.0.1:{_closed_port()}/0"
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)
    monkeypatch.setitem(celery_app.conf, "broker_url", unreachable)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "error", "embedder": "ok"}
