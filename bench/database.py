"""The benchmarks' databases: on the server `DATABASE_URL` names or, by default, on the embedded
PostgreSQL 18 (`factcheck/embedded.py`), which has pgvector as the schema needs; Debian's
PostgreSQL 15 does not."""

import os
import urllib.parse

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
NAME_PREFIX = "factcheck_bench"


def database_url(name: str) -> str:
    """`DATABASE_URL` when set, else database `name` on the embedded server (started if needed)."""
    if "DATABASE_URL" in os.environ:
        return os.environ["DATABASE_URL"]
    from factcheck import embedded

    return embedded.database_url(embedded.data_folder() / "pgdata", name)


def admin_url(url: str) -> str:
    """The same server's `postgres` database, after refusing anything but a benchmark's own
    database (named NAME_PREFIX...) on a local server: the benchmarks create, drop and truncate,
    and a DATABASE_URL left set for the service must never be taken for theirs."""
    parsed = urllib.parse.urlparse(url)
    # No host in the URL: a Unix socket (the embedded server's, in its query string).
    if parsed.hostname and parsed.hostname not in LOCAL_HOSTS:
        raise SystemExit(f"refusing to benchmark a non-local database: {parsed.hostname}")
    name = database_name(url)
    if not name.startswith(NAME_PREFIX):
        raise SystemExit(
            f"refusing database {name!r}: a benchmark's database name starts with {NAME_PREFIX}"
        )
    return parsed._replace(path="/postgres").geturl()


def database_name(url: str) -> str:
    return urllib.parse.urlparse(url).path.lstrip("/")


def fresh_database(url: str) -> None:
    """Drop the benchmark's database and create it empty (admin_url refuses any other)."""
    import psycopg

    name = database_name(url)
    with psycopg.connect(admin_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
