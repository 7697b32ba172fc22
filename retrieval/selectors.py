"""Reads of retrieval: claims ranked by how well they answer a text, for every "find the
checked claim" path (check-this, claims:search, the public search, duplicate suggestions).

Two rankings, fused by reciprocal rank fusion (RRF):

- lexical: PostgreSQL full text over the search columns (claims.search: words, and CJK bigrams
  so that 金永福国葬 finds 金永福 国葬), any term matching (OR), ordered by ts_rank. Nothing is
  required of a candidate, and nothing depends on ANALYZE statistics.
- semantic: the nearest passages (retrieval.models) to the text's embedding, by cosine, through
  the HNSW index. Multilingual: a Chinese post finds an English fact-check.

With a model, the lexical ranking is taken among the semantic candidates and the claims not
embedded yet, its two jobs there. Ranking every claim that shares any word with the text reads
a third of the published reviews on the benchmark's 200,000 claims (0.5-0.9 s a query,
bench/matching/README.md). What that loses: a claim found by words alone scores at most
LEXICAL_WEIGHT / (RRF_K + 1), below meaning's first 78, so it only showed where meaning's
candidates were filtered out (claims:search drops those under RELEVANT_SIMILARITY). Lexical
ranks are counted among these claims only, which weighs them a little more in the fusion than
ranking every claim did; the CheckThat! dev set scores the same either way. When more
than UNEMBEDDED_SCOPE claims wait for a vector (a large import, a new model), every claim is
ranked, as without a model.

A claim's fused score is the sum over the rankings that found it of weight / (RRF_K + rank).
Semantic ranking weighs more: on the CheckThat! 2020 dev tweets (bench/matching/checkthat.py)
it is much the better of the two; words break its near ties and find what is not embedded
yet. When no model is loaded the ranking is lexical alone, and says so (`Ranking.mode`).
"""

import logging
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, QuerySet, Subquery
from django.db.models.functions import Coalesce
from pgvector import HalfVector
from pgvector.django import CosineDistance

from claims.models import Claim, Verdict
from core.search import STOPWORDS, search_document
from retrieval import embedder as embedders
from retrieval.models import Passage, waiting_for_vector
from retrieval.text import clean_post, embeddable

logger = logging.getLogger(__name__)

# Candidates read from each ranking: lexical ones at most, semantic ones as deep as the fusion
# can lift a claim into the results asked for (semantic_depth), at most.
LEXICAL_CANDIDATES = 100
SEMANTIC_CANDIDATES = 100
# Terms of a long query kept for the lexical ranking (its first ones, function words left out).
MAX_LEXICAL_TERMS = 64
# Words of 6 letters or more also match their other endings (flooded: flood*, a typo near the
# end), as matching.scoring compares words.
PREFIX_MIN_LENGTH = 6
# Tuned on the CheckThat! 2020 dev tweets (bench/matching/README.md): meaning ranks far better
# than ts_rank over any term (MAP@5 0.81 against 0.53), so it weighs 8 times as much, and a small
# k lets the order within each ranking count, not only being found by both.
RRF_K = 10
LEXICAL_WEIGHT = 1.0
SEMANTIC_WEIGHT = 8.0
# Claims waiting for a vector that the lexical ranking still searches one by one, in hybrid
# mode; beyond this many it ranks every claim (slower, never blind to them).
UNEMBEDDED_SCOPE = 5000
# Of the HNSW search (configure_hnsw_search): candidates kept while walking the graph. A search
# that asks for more rows (2 * SEMANTIC_CANDIDATES), or whose filter (published only, one
# language) leaves few, gets them from the iterative scan, which keeps walking until it has
# enough. Check-this's MAP@5 on the CheckThat! 2020 dev / train tweets (bench/matching/README.md)
# on the graph built with ef_construction 128 (retrieval.models): 0.837 / 0.845 at 200, 0.837 /
# 0.840 at 100; on the graph built with 64, 100 lost right answers (0.828 / 0.826). Building
# the graph again moves dev by as much (0.839 one day, 0.829 the next); test stayed at 0.942.
EF_SEARCH = 100

LEXICAL, HYBRID = "lexical", "hybrid"
# Cosine similarity from which a claim found by meaning alone is worth showing: nearly every
# right answer on the CheckThat! 2020 dev tweets is above, unrelated claims are around 0.75
# (bench/matching/README.md).
RELEVANT_SIMILARITY = 0.82


@dataclass(frozen=True)
class Hit:
    claim_id: int
    score: float  # fused (RRF): only its order means something
    lexical_rank: int | None = None  # 1 = first
    semantic_rank: int | None = None
    similarity: float | None = None  # cosine of the closest passage, -1 to 1

    @property
    def via(self) -> list[str]:
        return [
            name
            for name, rank in (("lexical", self.lexical_rank), ("semantic", self.semantic_rank))
            if rank is not None
        ]


@dataclass(frozen=True)
class Ranking:
    hits: list[Hit] = field(default_factory=list)
    mode: str = LEXICAL


def _lexeme(term: str) -> str:
    if len(term) >= PREFIX_MIN_LENGTH and term.isascii():
        term, prefix = term[: max(5, len(term) - 3)], ":*"
    else:
        prefix = ""
    # Terms are word characters only; quoting keeps tsquery syntax out of them all the same.
    return "'" + term.replace("'", "''").replace("\\", "\\\\") + "'" + prefix


def lexical_tsquery(text: str) -> str | None:
    """Any of the text's content terms (OR), as a raw tsquery; None when it has none."""
    terms = [
        term
        for term in dict.fromkeys(search_document(clean_post(text)).split())
        if term not in STOPWORDS
    ][:MAX_LEXICAL_TERMS]
    if not terms:
        return None
    return " | ".join(dict.fromkeys(_lexeme(term) for term in terms))


def unembedded_claim_ids(model: str) -> list[int] | None:
    """Claims without a vector of `model` yet (at most UNEMBEDDED_SCOPE; None when there are
    more): passages waiting for a vector or made by another model, and claims newer than every
    passage (the worker has not seen them yet)."""
    waiting = (
        Passage.objects.filter(waiting_for_vector(model))
        .order_by()
        .values_list("claim_id", flat=True)[: UNEMBEDDED_SCOPE + 1]
    )
    newest = Passage.objects.order_by("-claim_id").values("claim_id")[:1]
    unseen = (
        Claim.objects.filter(pk__gt=Coalesce(Subquery(newest), 0))
        .order_by()
        .values_list("pk", flat=True)[: UNEMBEDDED_SCOPE + 1]
    )
    # One round trip: this runs on every search.
    ids = set(waiting.union(unseen))
    return sorted(ids) if len(ids) <= UNEMBEDDED_SCOPE else None


def _lexical(text: str, source: QuerySet, scope: list[int] | None = None) -> list[int]:
    """Claim ids ranked by ts_rank over any term of `text`; among the claims of `scope` only,
    when given."""
    raw = lexical_tsquery(text)
    if raw is None:
        return []
    query = SearchQuery(raw, search_type="raw", config="simple")
    if source.model is Claim:
        claim_column, ties = "pk", ["-pk"]
    else:
        # Equally relevant reviews: the most recent first, as a reader expects.
        claim_column, ties = "claim_id", [F("published_at").desc(nulls_last=True), "-claim_id"]
    if scope is not None:
        source = source.filter(**{f"{claim_column}__in": scope})
    rows = (
        source.order_by()
        .filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", *ties)
        .values_list(claim_column, flat=True)[: LEXICAL_CANDIDATES * 2]
    )
    # A claim with several matching verdicts counts once, at its best.
    return list(dict.fromkeys(rows))[:LEXICAL_CANDIDATES]


def _embedding_thread() -> ThreadPoolExecutor:
    # One thread: the embedder takes one text at a time anyway.
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-embedding")


_embedding = _embedding_thread()


def _after_fork() -> None:
    # A thread does not survive a fork (gunicorn's and Celery's workers): a child that kept
    # the parent's executor would queue its texts for a thread it does not have.
    global _embedding
    _embedding = _embedding_thread()


os.register_at_fork(after_in_child=_after_fork)


def query_vector(text: str) -> list[float] | None:
    """The text's embedding as a query, or None (no model, or nothing to embed)."""
    embedder = embedders.current()
    cleaned = embeddable(text)
    if embedder is None or not cleaned:
        return None
    return embedder.queries([cleaned])[0].tolist()


def configure_hnsw_search(sender, connection, **kwargs) -> None:
    """The HNSW search's parameters, set for the session as a connection opens
    (`connection_created`, retrieval.apps): set with SET LOCAL around each search, they cost a
    transaction and two more round trips on every search."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('hnsw.ef_search', %s, false),"
            " set_config('hnsw.iterative_scan', 'relaxed_order', false)",
            [str(EF_SEARCH)],
        )


def semantic_depth(limit: int) -> int:
    """How many of meaning's nearest claims a ranking of `limit` results needs: past rank D,
    meaning's share of the fused score plus the best a lexical rank adds falls below the
    `limit`-th claim's by meaning alone, so nothing deeper is ever shown. A claim waiting for
    a vector is ranked by words whatever the depth."""
    shown = SEMANTIC_WEIGHT / (RRF_K + limit)
    lifted = shown - LEXICAL_WEIGHT / (RRF_K + 1)
    if lifted <= 0:
        return SEMANTIC_CANDIDATES
    return max(1, min(SEMANTIC_CANDIDATES, math.floor(SEMANTIC_WEIGHT / lifted - RRF_K)))


def _semantic(
    vector: list[float], claim_ids: QuerySet | None, model: str, depth: int
) -> list[tuple[int, float]]:
    # A claim has up to two passages.
    wanted = depth * 2
    passages = Passage.objects.filter(model=model, vector__isnull=False)
    if claim_ids is not None:
        passages = passages.filter(claim_id__in=claim_ids)
    found = (
        passages.annotate(distance=CosineDistance("vector", HalfVector(vector)))
        .order_by("distance")
        .values_list("claim_id", "distance")[:wanted]
    )
    best: dict[int, float] = {}
    for claim_id, distance in sorted(found, key=lambda row: row[1]):
        best.setdefault(claim_id, 1.0 - distance)
    return list(best.items())[:depth]


def ranked_claims(
    text: str,
    *,
    claims: QuerySet[Claim] | None = None,
    verdicts: QuerySet[Verdict] | None = None,
    limit: int = 50,
    relevant_only: bool = False,
) -> Ranking:
    """Claims that may say what `text` says, best first, at most `limit`.

    Give `verdicts` to search the claims that have one of them (their words include the
    verdicts' headlines and summaries), or `claims` to search those claims (default: all).
    With `relevant_only`, claims found by meaning alone must reach RELEVANT_SIMILARITY (the
    nearest passages are always some distance away, however unrelated).
    """
    # The claims searched by meaning, as a subquery of their ids (None: every claim).
    if verdicts is not None:
        lexical_source, claim_ids = verdicts, verdicts.values("claim_id")
    else:
        lexical_source = Claim.objects.all() if claims is None else claims
        claim_ids = None if claims is None else claims.values("pk")
    embedder = embedders.current()
    vector, unembedded = None, None
    if embedder is not None:
        # The model runs outside the GIL: the lookup that needs no vector is made meanwhile.
        embedding = _embedding.submit(query_vector, text)
        unembedded = unembedded_claim_ids(embedder.name)
        vector = embedding.result()
    # Claims found by meaning alone may be dropped below (relevant_only), so the depth that
    # fills `limit` results is not known in advance.
    depth = SEMANTIC_CANDIDATES if relevant_only else semantic_depth(limit)
    semantic = _semantic(vector, claim_ids, embedder.name, depth) if vector is not None else []
    scope = None
    if vector is not None and unembedded is not None:
        scope = [claim_id for claim_id, _ in semantic] + unembedded
    lexical = _lexical(text, lexical_source, scope)
    scores: dict[int, dict] = {}
    for rank, claim_id in enumerate(lexical, start=1):
        scores.setdefault(claim_id, {})["lexical_rank"] = rank
    for rank, (claim_id, similarity) in enumerate(semantic, start=1):
        entry = scores.setdefault(claim_id, {})
        entry["semantic_rank"], entry["similarity"] = rank, round(similarity, 4)
    hits = []
    for claim_id, entry in scores.items():
        if (
            relevant_only
            and "lexical_rank" not in entry
            and entry["similarity"] < RELEVANT_SIMILARITY
        ):
            continue
        fused = LEXICAL_WEIGHT / (RRF_K + entry["lexical_rank"]) if "lexical_rank" in entry else 0
        if "semantic_rank" in entry:
            fused += SEMANTIC_WEIGHT / (RRF_K + entry["semantic_rank"])
        hits.append(Hit(claim_id=claim_id, score=fused, **entry))
    hits.sort(key=lambda hit: (-hit.score, -hit.claim_id))
    return Ranking(hits=hits[:limit], mode=HYBRID if embedder is not None else LEXICAL)
