import pytest

from retrieval.models import Passage
from retrieval.services import passages_embed_pending


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_RATE_LIMITS = {}


def embed_everything() -> int:
    """What the workers do after claims are written: make and embed every claim's passages."""
    return passages_embed_pending(limit=10_000).passages


@pytest.fixture
def embedded():
    return embed_everything


def vectors() -> dict[tuple[int, str], str]:
    return {(p.claim_id, p.field): p.model for p in Passage.objects.exclude(vector=None)}
