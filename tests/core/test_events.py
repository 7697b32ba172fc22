from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core import events
from core.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    """Handlers of a test event: what each was called with, and a switch that makes the
    second one fail."""
    calls: list[tuple[str, dict]] = []
    failing = {"second": False}

    def first(**payload):
        calls.append(("first", payload))

    def second(**payload):
        if failing["second"]:
            raise RuntimeError("receiver is down")
        calls.append(("second", payload))

    monkeypatch.setattr(events, "_handlers", {"thing.happened": [first, second]})
    return calls, failing


def test_handlers_run_once_the_transaction_commits(heard, django_capture_on_commit_callbacks):
    calls, _ = heard
    with django_capture_on_commit_callbacks(execute=True):
        event = events.record("thing.happened", thing_id=7)
        assert calls == []

    payload = {"event": "thing.happened", "thing_id": 7}
    assert calls == [("first", payload), ("second", payload)]
    event.refresh_from_db()
    assert event.handled_at is not None
    assert (event.attempts, event.last_error) == (1, "")


def test_a_rolled_back_change_records_no_event_and_runs_no_handler(heard):
    calls, _ = heard

    def change_then_fail() -> None:
        with transaction.atomic():
            events.record("thing.happened", thing_id=7)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_then_fail()

    assert not Event.objects.exists()
    assert calls == []


def test_a_failing_handler_is_retried_alone_later(heard, django_capture_on_commit_callbacks):
    calls, failing = heard
    failing["second"] = True
    with django_capture_on_commit_callbacks(execute=True):
        event = events.record("thing.happened", thing_id=7)
    event.refresh_from_db()
    assert event.handled_at is None
    assert "receiver is down" in event.last_error
    assert [name for name, _ in calls] == ["first"]

    # Not before its wait is over.
    assert events.events_dispatch_pending() == 0
    failing["second"] = False
    Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert events.events_dispatch_pending() == 1

    assert [name for name, _ in calls] == ["first", "second"]
    event.refresh_from_db()
    assert event.handled_at is not None
    assert event.attempts == 2
    # Done is done: nothing runs again.
    assert events.dispatch(event.pk) is None


def test_a_handler_that_keeps_failing_is_given_up_after_the_attempt_cap(heard):
    _, failing = heard
    failing["second"] = True
    long_ago = timezone.now() - timedelta(days=30)
    event = Event.objects.create(name="thing.happened", payload={})
    Event.objects.filter(pk=event.pk).update(created_at=long_ago)

    for _ in range(events.MAX_ATTEMPTS + 3):
        events.events_dispatch_pending()

    event.refresh_from_db()
    assert (event.attempts, event.handled_at) == (events.MAX_ATTEMPTS, None)
