"""Embedders for tests that need the model to fail (the real one is used everywhere else)."""


class BrokenEmbedder:
    """A model whose files are missing or corrupt: loading it raises."""

    def __init__(self) -> None:
        raise OSError("model file not found")
