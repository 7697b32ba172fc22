"""Queueing Celery tasks for the work a write leaves behind."""

from celery import Task
from django.db import transaction


def enqueue_on_commit(task: Task, *args) -> None:
    """Send `task(*args)` once the current transaction commits.

    By then the write is done: a broker that is down must not turn it into an error answer. The
    failure is logged (Django's robust on_commit) and the rows stay in the state a resume path
    looks for (a queued job, a pending fetch, an item not hashed yet)."""
    transaction.on_commit(lambda: task.delay(*args), robust=True)
