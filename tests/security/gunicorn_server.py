"""gunicorn as production runs it (gunicorn.conf.py), on the test database, for tests of what
only a live server does: worker timeouts, its logs, chunked bodies."""

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from tests.workers import worker_environment

START_TIMEOUT_SECONDS = 30


@dataclass
class Gunicorn:
    port: int
    error_log: Path
    access_log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    folder: Path, *, args: tuple[str, ...] = (), env: Mapping[str, str] | None = None
) -> Iterator[Gunicorn]:
    server = Gunicorn(_free_port(), folder / "error.log", folder / "access.log")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "factcheck.wsgi",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{server.port}",
            "--error-logfile",
            str(server.error_log),
            "--access-logfile",
            str(server.access_log),
            *args,
        ],
        cwd=settings.BASE_DIR,
        env=worker_environment(env or {}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                urllib.request.urlopen(server.url("/healthz"), timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = server.error_log.read_text() if server.error_log.exists() else ""
                    raise RuntimeError(f"gunicorn did not start:\n{log}") from None
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
