"""The test run's entry point, loaded by pytest before anything reads settings (`-p
factcheck.pytest_plugin` in pyproject.toml), in every xdist worker too: the embedded default is
prepared as every other entry point prepares it."""

import os
import shutil
import tempfile

from factcheck import embedded

# Tasks the tests send and no test worker takes stay in the broker's folder: in the data
# folder's, `./dev run`'s workers would run them on the real database (deliver webhooks, fetch
# URLs, import files, all of the tests' ids). The run gets a folder of its own, which its xdist
# workers and the Celery workers the tests start inherit with the environment.
_filesystem_broker = (
    os.environ.get("CELERY_BROKER_URL", embedded.FILESYSTEM_BROKER) == embedded.FILESYSTEM_BROKER
)
if _filesystem_broker and "FACTCHECK_BROKER_DIR" not in os.environ:
    _own_broker_dir = tempfile.mkdtemp(prefix="factcheck-test-broker-")
    os.environ["FACTCHECK_BROKER_DIR"] = _own_broker_dir

    def pytest_unconfigure(config) -> None:
        shutil.rmtree(_own_broker_dir, ignore_errors=True)


import factcheck.celery  # noqa: E402, F401
