import pytest


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_RATE_LIMITS = {}


@pytest.fixture
def embedded():
    """What the workers do after claims are written: embed every claim's passages."""
    from retrieval.services import passages_embed_pending

    return lambda: passages_embed_pending(limit=10_000)
