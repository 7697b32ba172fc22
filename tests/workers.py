"""A real Celery worker process, for tests of work that runs in one (webhook deliveries,
lookups, imports). Use it from a fixture of a transactional test:

    @pytest.fixture
    def worker(transactional_db):
        with celery_worker(env={"WEBHOOK_RETRY_BASE_SECONDS": "0.2"}) as worker:
            yield worker

The worker is `celery -A factcheck worker` with the solo pool, on the broker the tests use
(`CELERY_BROKER_URL`: Redis in CI, the filesystem transport when unset) and on the test
database. It only sees committed rows, hence `transactional_db` (or
`@pytest.mark.django_db(transaction=True)`). It consumes queues of its own (every queue of
factcheck/queues.py under a prefix of its own), and while it runs this process routes tasks
there: no other worker on the same broker, from an earlier run or a colleague's, takes them,
and it takes nobody else's. `env` adds to the environment the
worker's settings are read from.
"""

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from kombu import Exchange, Queue

from factcheck import queues
from factcheck.celery import app
from tests.database import database_url

READY_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 10


@dataclass
class Worker:
    queue: str
    process: subprocess.Popen
    lines: list[str] = field(default_factory=list)

    @property
    def log(self) -> str:
        """What the worker printed so far: put it in assertion messages."""
        return "".join(self.lines)


@contextmanager
def celery_worker(*, env: Mapping[str, str] | None = None) -> Iterator[Worker]:
    prefix = f"test-{uuid.uuid4().hex[:12]}-"
    queue_names = [prefix + queue for queue in queues.QUEUES]
    queue = prefix + queues.LIGHT
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "factcheck",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--queues",
            ",".join(queue_names),
            "--hostname",
            f"{queue}@%h",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        cwd=settings.BASE_DIR,
        env=worker_environment({"CELERY_QUEUE_PREFIX": prefix, **(env or {})}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    worker = Worker(queue=queue, process=process)
    ready = threading.Event()
    threading.Thread(target=_follow, args=(worker, ready), daemon=True).start()
    previous = app.conf.task_default_queue, app.conf.task_routes
    try:
        if not ready.wait(READY_TIMEOUT_SECONDS) or process.poll() is not None:
            raise RuntimeError(f"The Celery worker did not start:\n{worker.log}")
        _route(queue, queues.task_routes(prefix))
        yield worker
    finally:
        _route(*previous)
        _stop(process)
        for name in queue_names:
            _drop_queue(name)


def worker_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment, pointed at the test database and the same broker."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "factcheck.settings"),
        "DATABASE_URL": database_url(),
        # Settings insist on a key once DATABASE_URL is set; the worker signs nothing with it.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **extra,
    }


def _route(default_queue: str, routes: dict) -> None:
    """Send this process's tasks by these routes; Celery caches the router it built from the
    routes it saw first."""
    app.conf.task_default_queue = default_queue
    app.conf.task_routes = routes
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


def _follow(worker: Worker, ready: threading.Event) -> None:
    for line in worker.process.stdout:
        worker.lines.append(line)
        if line.rstrip().endswith(" ready."):
            ready.set()
    ready.set()  # it exited: stop waiting


def _stop(process: subprocess.Popen) -> None:
    process.terminate()  # warm shutdown: a task in progress finishes
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _drop_queue(name: str) -> None:
    """Delete the queue, with whatever the test left in it (a retry scheduled after the test had
    seen enough goes back to the broker when the worker stops), so that runs leave no trace."""
    with app.connection_for_write() as broker:
        # Declared as Celery declares a queue it creates (own direct exchange), so that this
        # connection knows the binding to remove with it.
        queue = Queue(name, Exchange(name), routing_key=name)(broker.default_channel)
        queue.declare()
        queue.delete()
