"""Give the seeded claims their retrieval passages, with stand-in vectors for the bulk.

    DJANGO_SETTINGS_MODULE=bench.matching.settings .venv/bin/python -m bench.matching.passages

The seed writes rows with `bulk_create`, which sends no events, so no claim has passages yet.
This makes them with retrieval's own service (`passages_sync`: claim text plus published
headlines, and the original text), then fills their vectors:

- **Anchors, embedded for real**: `--anchors` passages drawn at random (seeded), embedded by the
  current model as a worker would (`embedder.passages`, batches of EMBED_BATCH).
- **Everything else, a stand-in**: the vector of the anchor that shares the most words with it
  (tf-idf over the same terms the full-text search indexes, CJK bigrams included), plus random
  noise of NOISE (cosine about 0.92 to the anchor: about what two rewordings of a claim score),
  normalised. Deterministic: the noise is seeded by the passage's id.

Why stand-ins: the model embeds about 5 passages a second on one core here, so 220,000 real
vectors would take about 10 hours. The speed benchmark needs the HNSW graph to have the size and
roughly the clustering of real data, not the exact vectors; queries are still embedded for real,
at request time, which is the cost being measured. The vectors are recorded with the current
model's name, so retrieval treats the claims as embedded and ranks in "hybrid" mode. Recall
measured on this data says little about the model; bench/matching/checkthat.py measures that.

The HNSW index is dropped while the vectors are written and built again afterwards: one build
is much faster than 220,000 inserts into the graph.
"""

import argparse
import os
import sys
import time
import zlib

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.matching.settings")

import django

django.setup()

import numpy as np  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from pgvector import HalfVector  # noqa: E402
from pgvector.psycopg import register_vector  # noqa: E402

from claims.models import Claim  # noqa: E402
from core.search import search_document  # noqa: E402
from retrieval import embedder as embedders  # noqa: E402
from retrieval.embedder import DIMENSIONS  # noqa: E402
from retrieval.models import Passage  # noqa: E402
from retrieval.services import EMBED_BATCH, passages_sync  # noqa: E402

SYNC_CHUNK = 2000
MATCH_CHUNK = 4000
# Hashed term space for finding each passage's anchor: collisions only blur which anchor wins.
BUCKETS = 4096
NOISE = 0.43
INDEX_NAME = "passage_vector_cosine"


def sync_all() -> int:
    ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), SYNC_CHUNK):
        passages_sync(claim_ids=ids[start : start + SYNC_CHUNK])
        if (start // SYNC_CHUNK) % 10 == 9:
            print(f"  passages for {start + SYNC_CHUNK} claims", flush=True)
    return Passage.objects.count()


def _bags(texts: list[str]) -> np.ndarray:
    bags = np.zeros((len(texts), BUCKETS), dtype=np.float32)
    for row, text in enumerate(texts):
        for term in search_document(text).split():
            bags[row, zlib.crc32(term.encode()) % BUCKETS] += 1.0
    return bags


def embed_anchors(texts: list[str], embedder) -> tuple[np.ndarray, float]:
    """Real vectors of `texts`, and the seconds it took."""
    began = time.perf_counter()
    parts = []
    for start in range(0, len(texts), EMBED_BATCH):
        parts.append(embedder.passages(texts[start : start + EMBED_BATCH]))
        done = start + EMBED_BATCH
        if (start // EMBED_BATCH) % 10 == 9:
            rate = done / (time.perf_counter() - began)
            print(f"  {done} anchors embedded, {rate:.1f}/s", flush=True)
    return np.concatenate(parts).astype(np.float32), time.perf_counter() - began


def stand_ins(rows: list[tuple[int, str]], anchor_rows, anchor_vectors) -> dict[int, np.ndarray]:
    anchor_bags = _bags([text for _, text in anchor_rows])
    # Inverse document frequency over the anchors: a shared rare word says more than "the".
    frequency = (anchor_bags > 0).sum(axis=0)
    idf = np.log((1 + len(anchor_rows)) / (1 + frequency)).astype(np.float32) + 1.0
    anchor_bags *= idf
    anchor_bags /= np.linalg.norm(anchor_bags, axis=1, keepdims=True) + 1e-9
    anchor_index = {pk: position for position, (pk, _) in enumerate(anchor_rows)}
    vectors = {}
    for start in range(0, len(rows), MATCH_CHUNK):
        chunk = rows[start : start + MATCH_CHUNK]
        bags = _bags([text for _, text in chunk]) * idf
        bags /= np.linalg.norm(bags, axis=1, keepdims=True) + 1e-9
        nearest = (bags @ anchor_bags.T).argmax(axis=1)
        for (pk, _), anchor in zip(chunk, nearest, strict=True):
            if pk in anchor_index:
                vectors[pk] = anchor_vectors[anchor_index[pk]]
                continue
            noise = np.random.default_rng(pk).standard_normal(DIMENSIONS).astype(np.float32)
            vector = anchor_vectors[anchor] + NOISE * noise / np.linalg.norm(noise)
            vectors[pk] = vector / np.linalg.norm(vector)
    return vectors


def write_vectors(vectors: dict[int, np.ndarray], model: str) -> float:
    """COPY the vectors into a temporary table and set them in one UPDATE, with the HNSW index
    dropped meanwhile; returns the seconds the index build took."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [INDEX_NAME])
        (definition,) = cursor.fetchone()
    raw = connection.connection
    register_vector(raw)
    with transaction.atomic(), raw.cursor() as cursor:
        cursor.execute(f"DROP INDEX {INDEX_NAME}")
        cursor.execute("CREATE TEMPORARY TABLE stand_in (id bigint, vector halfvec) ON COMMIT DROP")
        with cursor.copy("COPY stand_in (id, vector) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "halfvec"])
            for pk, vector in vectors.items():
                copy.write_row((pk, HalfVector(vector)))
        cursor.execute(
            "UPDATE retrieval_passage AS p SET vector = s.vector, model = %s, updated_at = now() "
            "FROM stand_in AS s WHERE p.id = s.id",
            [model],
        )
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 1")
        cursor.execute(definition)
        cursor.execute("ANALYZE retrieval_passage")
    return time.perf_counter() - began


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--anchors", type=int, default=1500, help="passages embedded for real")
    args = parser.parse_args(argv)
    embedder = embedders.current()
    if embedder is None:
        print("The embedding model is not available.", file=sys.stderr)
        return 1
    began = time.perf_counter()
    count = sync_all()
    print(f"Passages: {count} ({time.perf_counter() - began:.0f} s)", flush=True)
    rows = list(Passage.objects.order_by("pk").values_list("pk", "text"))
    rng = np.random.default_rng(20261130)
    picked = sorted(rng.choice(len(rows), size=min(args.anchors, len(rows)), replace=False))
    anchor_rows = [rows[position] for position in picked]
    anchor_vectors, seconds = embed_anchors([text for _, text in anchor_rows], embedder)
    print(
        f"Anchors: {len(anchor_rows)} embedded by {embedder.name} in {seconds:.0f} s, "
        f"{len(anchor_rows) / seconds:.1f} passages/s",
        flush=True,
    )
    vectors = stand_ins(rows, anchor_rows, anchor_vectors)
    print(f"Stand-ins computed ({time.perf_counter() - began:.0f} s so far)", flush=True)
    build = write_vectors(vectors, embedder.name)
    print(f"Vectors written; HNSW index built in {build:.0f} s")
    print(f"Total {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
