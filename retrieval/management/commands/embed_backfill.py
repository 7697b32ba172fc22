"""Embed every claim that has no vector of the current model yet, with progress."""

import time

from django.core.management.base import BaseCommand, CommandError

from retrieval import embedder as embedders
from retrieval.models import Passage
from retrieval.services import passages_embed_pending


class Command(BaseCommand):
    help = "Embed the claims not embedded by the current model yet (run after a model change)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--chunk", type=int, default=500, help="Claims per round.")

    def handle(self, *args, chunk: int, **options) -> None:
        embedder = embedders.current()
        if embedder is None:
            raise CommandError("The embedding model is not available (see the log).")
        started, total = time.monotonic(), 0
        while True:
            sweep = passages_embed_pending(
                limit=chunk, progress=lambda n, base=total: self._progress(base + n, started)
            )
            if not sweep.claims:
                break
            total += sweep.passages
        left = Passage.objects.filter(vector__isnull=True).exclude(text="").count()
        self.stdout.write(
            f"\nEmbedded {total} passages with {embedder.name} in "
            f"{time.monotonic() - started:.0f} s; {left} left without a vector."
        )

    def _progress(self, done: int, started: float) -> None:
        elapsed = time.monotonic() - started
        rate = done / elapsed if elapsed else 0.0
        self.stdout.write(f"\r{done} passages, {rate:.1f}/s", ending="")
        self.stdout.flush()
