"""The test run's entry point, loaded by pytest before anything reads settings (`-p
factcheck.pytest_plugin` in pyproject.toml), in every xdist worker too: the embedded default is
prepared as every other entry point prepares it."""

import factcheck.celery  # noqa: F401
