"""Sentence embeddings of what claims say, for dense retrieval (pgvector).

A claim has up to two passages: `claim` (its text, with the headlines of its published
verdicts: a fact-check's title often says the claim the way posts do) and `original` (its text
as said, in its own language). Each stores the text it was made from, the vector, and the model
that made it, so that a changed text or a new model is re-embedded; `vector` is empty until a
worker embeds it, and search finds such claims by their words only.
"""

from django.db import models
from django.db.models import Q
from pgvector.django import HalfVectorField, HnswIndex

from claims.models import Claim
from retrieval.embedder import DIMENSIONS


class Passage(models.Model):
    class Field(models.TextChoices):
        CLAIM = "claim", "Claim text and headlines"
        ORIGINAL = "original", "Original text"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="passages")
    field = models.CharField(max_length=20, choices=Field.choices)
    text = models.TextField()
    # Half precision: the same ranking as float32 at half the index (4 digits are plenty for
    # cosines that differ in the second decimal).
    vector = HalfVectorField(dimensions=DIMENSIONS, null=True, blank=True)
    model = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["claim", "field"], name="passage_one_per_field"),
        ]
        indexes = [
            # A graph built with more candidates is searched as well with half of them
            # (retrieval.selectors.EF_SEARCH): with 64, the CheckThat! 2020 dev tweets needed 200.
            HnswIndex(
                name="passage_vector_cosine",
                fields=["vector"],
                m=16,
                ef_construction=128,
                opclasses=["halfvec_cosine_ops"],
            ),
            # What the workers have left to embed.
            models.Index(
                fields=["id"], condition=Q(vector__isnull=True), name="passage_unembedded"
            ),
            models.Index(fields=["model"], name="passage_model"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}/{self.field}"


def waiting_for_vector(model: str) -> Q:
    """Passages without a vector of `model`: not embedded yet, or by another model. An empty
    passage (nothing to embed) never waits. `model <> x` cannot use an index; two ranges can."""
    return (Q(vector__isnull=True) | Q(model__lt=model) | Q(model__gt=model)) & ~Q(text="")
