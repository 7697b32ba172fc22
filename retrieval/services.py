"""Writes of retrieval: the passages of claims and their vectors.

Embedding is background work: an event handler only queues the ids (`embed_claims_later`), a
worker makes the passages and embeds them in batches (`claims_embed`), and beat picks up what a
lost message or a new model left behind (`passages_embed_pending`). A 100,000-review import
therefore commits without waiting for any model.
"""

import logging
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from claims.models import Claim, Verdict
from core.enqueue import enqueue_on_commit
from retrieval import embedder as embedders
from retrieval.models import Passage, waiting_for_vector
from retrieval.text import embeddable

logger = logging.getLogger(__name__)

# Claims per task message and per embedding batch: a batch is a few seconds of one core.
CLAIMS_PER_TASK = 500
EMBED_BATCH = 32
# Passages a beat run embeds at most; the next run takes the rest.
PENDING_PER_RUN = 2000
SWEEP_LOCK_NAMESPACE = 0x5EE9


def _desired(claim_ids: list[int]) -> dict[tuple[int, str], str]:
    headlines: dict[int, list[str]] = {}
    published = (
        Verdict.objects.filter(claim_id__in=claim_ids, status=Verdict.Status.PUBLISHED)
        .order_by("published_at", "pk")
        .values_list("claim_id", "headline")
    )
    for claim_id, headline in published:
        if headline and headline not in headlines.setdefault(claim_id, []):
            headlines[claim_id].append(headline)
    desired = {}
    for claim_id, text, original in Claim.objects.filter(pk__in=claim_ids).values_list(
        "pk", "text", "original_text"
    ):
        said = embeddable("\n".join([text, *headlines.get(claim_id, [])]))
        if said:
            desired[(claim_id, Passage.Field.CLAIM)] = said
        original = embeddable(original)
        if original and original != embeddable(text):
            desired[(claim_id, Passage.Field.ORIGINAL)] = original
        if not said and (claim_id, Passage.Field.ORIGINAL) not in desired:
            # Nothing to embed (emoji and links only), said by an empty passage: sweeps, which
            # go oldest first, would otherwise look at such claims again every time and never
            # get past them.
            desired[(claim_id, Passage.Field.CLAIM)] = ""
    return desired


def passages_sync(*, claim_ids: Iterable[int]) -> None:
    """Bring the claims' passages in line with their texts and published headlines: a changed
    text is stored with its vector cleared, a passage with nothing left to say is deleted."""
    claim_ids = list(claim_ids)
    desired = _desired(claim_ids)
    with transaction.atomic():
        existing = {
            (row.claim_id, row.field): row
            for row in Passage.objects.select_for_update().filter(claim_id__in=claim_ids)
        }
        stale = [row.pk for key, row in existing.items() if key not in desired]
        Passage.objects.filter(pk__in=stale).delete()
        changed = []
        for (claim_id, field), text in desired.items():
            row = existing.get((claim_id, field))
            if row is None:
                changed.append(Passage(claim_id=claim_id, field=field, text=text))
            elif row.text != text:
                row.text, row.vector, row.model = text, None, ""
                changed.append(row)
        Passage.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["claim", "field"],
            update_fields=["text", "vector", "model", "updated_at"],
        )


def passages_embed(passages: list[Passage], embedder: embedders.Embedder) -> int:
    """Embed `passages` in batches and store each vector unless its text changed meanwhile.
    Returns how many were stored."""
    stored = 0
    for start in range(0, len(passages), EMBED_BATCH):
        batch = passages[start : start + EMBED_BATCH]
        vectors = embedder.passages([passage.text for passage in batch])
        for passage, vector in zip(batch, vectors, strict=True):
            stored += Passage.objects.filter(pk=passage.pk, text=passage.text).update(
                vector=vector.tolist(), model=embedder.name
            )
    return stored


def claims_embed(*, claim_ids: Iterable[int]) -> int:
    """Make the claims' passages and embed those without a vector of the current model.
    Returns how many were embedded; 0 when no model is available (search stays lexical)."""
    claim_ids = list(claim_ids)
    passages_sync(claim_ids=claim_ids)
    embedder = embedders.current()
    if embedder is None:
        return 0
    todo = list(
        Passage.objects.filter(waiting_for_vector(embedder.name), claim_id__in=claim_ids).only(
            "pk", "text"
        )
    )
    return passages_embed(todo, embedder)


class Sweep(NamedTuple):
    claims: int  # looked at: 0 when nothing was left
    passages: int  # embedded


def passages_embed_pending(
    *, limit: int = PENDING_PER_RUN, progress: Callable[[int], None] | None = None
) -> Sweep:
    """Embed what events left behind: claims without passages (a lost task message) and
    passages without a vector of the current model (not embedded yet, or by another model).
    Oldest first, at most `limit` claims."""
    embedder = embedders.current()
    if embedder is None:
        return Sweep(0, 0)
    unpassaged = (
        Claim.objects.filter(~Exists(Passage.objects.filter(claim_id=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    pending = (
        Passage.objects.filter(waiting_for_vector(embedder.name))
        .order_by("claim_id")
        .values_list("claim_id", flat=True)[:limit]
    )
    claim_ids = sorted(set(unpassaged) | set(pending))[:limit]
    embedded = 0
    for start in range(0, len(claim_ids), EMBED_BATCH):
        embedded += claims_embed(claim_ids=claim_ids[start : start + EMBED_BATCH])
        if progress is not None:
            progress(embedded)
    return Sweep(len(claim_ids), embedded)


def _enqueue(claim_ids: list[int]) -> None:
    from retrieval.tasks import embed_claims

    for start in range(0, len(claim_ids), CLAIMS_PER_TASK):
        enqueue_on_commit(embed_claims, claim_ids[start : start + CLAIMS_PER_TASK])


def embed_claims_later(*, event: str, claim_id: int) -> None:
    """Handler of `claim.created` and `claim.text_changed`."""
    _enqueue([claim_id])


def embed_verdicts_later(
    *, event: str, verdict_id: int | None = None, verdict_ids: list[int] | None = None
) -> None:
    """Handler of the verdict events: a published headline joins its claim's passage, a
    retracted one leaves it."""
    ids = [verdict_id] if verdict_id is not None else list(verdict_ids or [])
    claim_ids = sorted(set(Verdict.objects.filter(pk__in=ids).values_list("claim_id", flat=True)))
    _enqueue(claim_ids)


def passages_sweep() -> Sweep:
    """Beat's run of `passages_embed_pending`, skipped while an earlier one still runs: after a
    model change a run can outlast the beat's period, and two would embed the same passages."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, 0)", [SWEEP_LOCK_NAMESPACE])
        (held,) = cursor.fetchone()
    if not held:
        logger.info("An earlier sweep is still embedding: this one is skipped.")
        return Sweep(0, 0)
    try:
        return passages_embed_pending()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, 0)", [SWEEP_LOCK_NAMESPACE])
