"""Connections to the test database from outside Django's own connection: a second session in
this process, or a worker process's DATABASE_URL.

Both are built from the connection's settings as Django uses them, so that the embedded
server's socket directory (in OPTIONS["host"], HOST left empty) is honoured: built from
HOST and PORT alone they would reach whatever PostgreSQL listens on the default socket.
"""

from urllib.parse import quote, urlencode

import psycopg
from django.db import connection


def _target() -> dict[str, str]:
    database = connection.settings_dict
    options = database["OPTIONS"]
    return {
        "dbname": database["NAME"],
        "user": database["USER"] or "",
        "password": database["PASSWORD"] or "",
        "host": database["HOST"] or options.get("host", ""),
        "port": str(database["PORT"] or options.get("port", "")),
    }


def other_session() -> psycopg.Connection:
    """A second autocommit session on the test database, as another process would hold."""
    target = {key: value for key, value in _target().items() if value}
    return psycopg.connect(**target, autocommit=True)


def database_url() -> str:
    """The test database as a DATABASE_URL for a child process (settings read it)."""
    target = _target()
    credentials = quote(target["user"], safe="")
    if target["password"]:
        credentials += ":" + quote(target["password"], safe="")
    host = target["host"]
    port = f":{target['port']}" if target["port"] else ""
    name = quote(target["dbname"], safe="")
    if host.startswith("/"):
        # A socket directory goes in the query string: a URL's host part cannot hold a path.
        return f"postgres://{credentials}@{port}/{name}?{urlencode({'host': host})}"
    return f"postgres://{credentials}@{quote(host, safe='')}{port}/{name}"
