import pytest


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_RATE_LIMITS = {}
