"""The test run's tasks stay out of the data folder's broker, which `./dev run` consumes."""

from pathlib import Path

import pytest
from django.conf import settings

from factcheck import embedded


@pytest.mark.skipif(
    settings.CELERY_BROKER_URL != embedded.FILESYSTEM_BROKER, reason="a server broker"
)
def test_tasks_sent_by_tests_never_reach_the_data_folders_broker():
    """They did: a `./dev run` after `./dev test` ran hundreds of the tests' leftover tasks (a
    webhook delivery, a fetch, an import of a test's id) on the real database, and the demo's
    own tasks waited behind them."""
    queue = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]).resolve()
    data_broker = (embedded.data_folder() / "broker").resolve()
    assert not queue.is_relative_to(data_broker)
    assert queue.is_dir()
