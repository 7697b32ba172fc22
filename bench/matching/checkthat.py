"""CheckThat! 2020 Task 2 (English): real tweets, each to be matched with the Snopes fact-check
that covers it, through our own API. MAP@5 and recall@5 of `POST /api/v1/check/` and
`GET /v1alpha1/claims:search`, with a plain BM25 over the same claims in the same run as the
floor, and the latencies.

    .venv/bin/python -m bench.matching.checkthat ../shared/data/checkthat2020 --split dev

1. A database of its own, `factcheck_bench_checkthat`, on the embedded PostgreSQL 18 (it has
   pgvector; DATABASE_URL to use another server with pgvector). Migrated; when it has no claims,
   the 10,375 verified claims are imported through our import path (imports.services, as a
   worker runs it) as a DataFeed of Snopes ClaimReviews: the claim as `claimReviewed`, the
   article title as `headline`. The data has no dates: each review gets a placeholder,
   2020-01-01. Then every claim is embedded (`embed_backfill`'s code), and the throughput
   printed.
2. Every tweet of the split goes through the check endpoint and claims:search, in this process
   through Django's test client (the whole view stack, no HTTP server), with an API consumer's
   key. The found review URLs name the verified claims.
3. BM25 (rank_bm25's Okapi, lower-cased words, claim text and title) over the same claims.
4. `--components`: the lexical and the semantic rankings alone, and fused with each of
   `--weights` (retrieval.selectors, in this process), to tune the fusion on train and dev;
   `--calibrate`: the similarities of right and wrong results, for the thresholds of
   matching.scoring. Never tune on test.

MAP@5 as the task scores it: the mean over tweets of the average precision of the first five
results. The data is for research use only: it is read from DATA_DIR, never copied here.
"""

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

from bench.database import database_url

DATABASE = "factcheck_bench_checkthat"
PLACEHOLDER_DATE = "2020-01-01"
REVIEW_URL = "https://www.snopes.com/fact-check/checkthat2020-{}/"
CUTOFF = 5


def setup() -> None:
    from factcheck import embedded

    os.environ.setdefault("CACHE_URL", "locmemcache://")
    os.environ["DATABASE_URL"] = database_url(DATABASE)
    # Imports record events whose tasks nobody here runs: the filesystem transport keeps them
    # off any shared broker. Embedding is run by this process.
    os.environ["CELERY_BROKER_URL"] = embedded.FILESYSTEM_BROKER
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    # The configured Celery app, as every entry point loads it: without it the events' tasks
    # went to Celery's default app, whose filesystem transport has no folders (an error logged
    # for every imported batch).
    import django

    import factcheck.celery  # noqa: F401

    django.setup()


def read_tsv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [row for row in rows[1:] if row]


def read_split(data: Path, split: str) -> tuple[dict[str, str], dict[str, set[str]]]:
    folder = data / split if split == "test" else data / "v3.0" / split
    tweets = {row[0]: row[1] for row in read_tsv(folder / "tweets.queries.tsv")}
    relevant: dict[str, set[str]] = {}
    with (folder / "tweet-vclaim-pairs.qrels").open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 4 and parts[3] == "1":
                relevant.setdefault(parts[0], set()).add(parts[2])
    return tweets, relevant


def import_claims(claims: dict[str, tuple[str, str]]) -> None:
    import json
    import tempfile

    from django.conf import settings
    from django.core.files import File

    from claims.models import Rating, RatingScale
    from claims.services.demo import DEMO_RATINGS
    from imports.services import import_job_create, import_job_run

    scale, created = RatingScale.objects.get_or_create(
        name=settings.FACTCHECK_DEFAULT_RATING_SCALE,
        defaults={"best_value": 5, "worst_value": 1},
    )
    if created:
        for label, value, description in DEMO_RATINGS:
            Rating.objects.create(scale=scale, label=label, value=value, description=description)
    elements = [
        {
            "@type": "DataFeedItem",
            "item": {
                "@type": "ClaimReview",
                "url": REVIEW_URL.format(claim_id),
                "claimReviewed": text,
                "headline": title or text[:300],
                "datePublished": PLACEHOLDER_DATE,
                "inLanguage": "en",
                "author": {
                    "@type": "Organization",
                    "name": "Snopes",
                    "url": "https://www.snopes.com/",
                },
                "reviewRating": {"@type": "Rating", "alternateName": "Unrated"},
            },
        }
        for claim_id, (text, title) in claims.items()
    ]
    feed = {"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": elements}
    with tempfile.NamedTemporaryFile(suffix=".json") as handle:
        handle.write(json.dumps(feed).encode())
        handle.flush()
        handle.seek(0)
        started = time.perf_counter()
        job = import_job_create(requested_by=None, file=File(handle), enqueue=False)
        import_job_run(job_id=job.pk)
    job.refresh_from_db()
    print(
        f"imported: {job.status}, {job.created_count} created, {job.rejected_count} rejected, "
        f"{time.perf_counter() - started:.0f} s"
    )


def embed_all() -> None:
    from retrieval.services import passages_embed_pending

    started, total = time.perf_counter(), 0
    while (sweep := passages_embed_pending(limit=500)).claims:
        total += sweep.passages
        rate = total / (time.perf_counter() - started)
        print(f"\rembedded {total} passages, {rate:.1f}/s", end="", file=sys.stderr)
    if total:
        seconds = time.perf_counter() - started
        print(f"\nembedding: {total} passages in {seconds:.0f} s, {total / seconds:.1f}/s")


def average_precision(ranked: list[str], relevant: set[str]) -> float:
    hits, total = 0, 0.0
    for position, found in enumerate(ranked[:CUTOFF], start=1):
        if found in relevant:
            hits += 1
            total += hits / position
    return total / min(len(relevant), CUTOFF) if relevant else 0.0


def report(name: str, runs: list[tuple[list[str], set[str], float]]) -> dict:
    aps = [average_precision(ranked, relevant) for ranked, relevant, _ in runs]
    recall = [bool(set(ranked[:CUTOFF]) & relevant) for ranked, relevant, _ in runs]
    latencies = sorted(seconds * 1000 for _, _, seconds in runs)
    row = {
        "name": name,
        "map@5": round(statistics.mean(aps), 4),
        "recall@5": round(statistics.mean(recall), 4),
        "p50_ms": round(latencies[len(latencies) // 2], 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
    }
    print(
        f"{name:28} MAP@5 {row['map@5']:.3f}  recall@5 {row['recall@5']:.3f}  "
        f"p50 {row['p50_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms"
    )
    return row


def calibrate(tweets: dict[str, str], relevant: dict[str, set[str]]) -> None:
    """The cosine similarities of the top five of each tweet, right or wrong: where a
    suggestion starts (nearly every right answer above, most wrong ones below) and where it is
    strong (at least 95% of the results above it are right)."""
    from claims.models import Claim
    from retrieval.selectors import ranked_claims

    by_url = dict(Claim.objects.values_list("pk", "verdicts__review_url"))
    right, wrong = [], []
    for tweet_id, text in tweets.items():
        for hit in ranked_claims(text, limit=CUTOFF).hits:
            if hit.similarity is None:
                continue
            is_right = claim_of(by_url[hit.claim_id]) in relevant[tweet_id]
            (right if is_right else wrong).append(hit.similarity)
    right.sort()
    print(f"right results: {len(right)}, similarity percentiles 2/5/10/50:", end=" ")
    print([round(right[int(len(right) * q)], 3) for q in (0.02, 0.05, 0.1, 0.5)])
    wrong.sort()
    print(f"wrong results in the top 5: {len(wrong)}, percentiles 50/90/98:", end=" ")
    print([round(wrong[int(len(wrong) * q)], 3) for q in (0.5, 0.9, 0.98)])
    for threshold in [round(0.80 + 0.01 * step, 2) for step in range(16)]:
        above_right = sum(1 for value in right if value >= threshold)
        above_wrong = sum(1 for value in wrong if value >= threshold)
        precision = above_right / (above_right + above_wrong) if above_right else 0.0
        print(
            f"  >= {threshold:.2f}: right {above_right:4d} wrong {above_wrong:4d} "
            f"precision {precision:.3f} recall {above_right / len(right):.3f}"
        )


def exact_semantic(tweets, relevant, by_url, query_vector) -> dict:
    """Every passage compared with every tweet in memory (numpy): what the HNSW index and
    PostgreSQL add or lose against the model alone."""
    import numpy as np

    from retrieval.models import Passage

    rows = list(Passage.objects.exclude(vector=None).values_list("claim_id", "vector"))
    claim_ids = [claim_id for claim_id, _ in rows]
    matrix = np.array([np.asarray(vector, dtype=np.float32) for _, vector in rows])
    runs = []
    for tweet_id, text in tweets.items():
        started = time.perf_counter()
        vector = query_vector(text)
        ranked: list[str] = []
        if vector is not None:
            for index in np.argsort(-(matrix @ np.array(vector, dtype=np.float32))):
                found = claim_of(by_url[claim_ids[index]])
                if found not in ranked:
                    ranked.append(found)
                if len(ranked) == CUTOFF:
                    break
        runs.append((ranked, relevant[tweet_id], time.perf_counter() - started))
    return report("semantic, exact (numpy)", runs)


def claim_of(url: str) -> str:
    return url.rstrip("/").rsplit("-", 1)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="the checkthat2020 folder")
    parser.add_argument("--split", choices=["train", "dev", "test"], default="dev")
    parser.add_argument(
        "--components",
        action="store_true",
        help="in-process rankings: lexical alone, semantic alone, and each of --weights",
    )
    parser.add_argument(
        "--weights",
        default="1:1,1:2,1:2:10",
        help="lexical:semantic[:rrf_k] fusions to compare",
    )
    parser.add_argument("--skip-api", action="store_true", help="only BM25 and --components")
    parser.add_argument(
        "--calibrate", action="store_true", help="similarities of right and wrong results"
    )
    args = parser.parse_args()
    setup()

    from django.core.management import call_command
    from rank_bm25 import BM25Okapi
    from rest_framework.test import APIClient

    from bench.run import api_key
    from claims.models import Claim

    claims = {
        row[0]: (row[1], row[2] if len(row) > 2 else "")
        for row in read_tsv(args.data / "v3.0" / "verified_claims.docs.tsv")
    }
    call_command("migrate", verbosity=0)
    if not Claim.objects.exists():
        import_claims(claims)
    embed_all()
    tweets, relevant = read_split(args.data, args.split)
    tweets = {tweet_id: text for tweet_id, text in tweets.items() if tweet_id in relevant}
    print(f"{args.split}: {len(tweets)} tweets, {len(claims)} verified claims")

    import re

    def words(text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())

    ids = list(claims)
    bm25 = BM25Okapi([words(f"{text} {title}") for text, title in claims.values()])
    runs = []
    for tweet_id, text in tweets.items():
        started = time.perf_counter()
        scores = bm25.get_scores(words(text))
        top = sorted(range(len(ids)), key=lambda index: -scores[index])[:CUTOFF]
        runs.append(
            ([ids[index] for index in top], relevant[tweet_id], time.perf_counter() - started)
        )
    rows = [report("BM25 (rank_bm25, in memory)", runs)]

    if args.components:
        from functools import lru_cache

        from retrieval import selectors

        by_url = dict(Claim.objects.values_list("pk", "verdicts__review_url"))
        # Each tweet is embedded once for all the weightings.
        selectors.query_vector = lru_cache(maxsize=None)(selectors.query_vector)
        lexical, lexical_by_text = selectors._lexical, {}

        def cached_lexical(text, source, scope=None):
            # Every weighting searches the same claims (meaning's candidates do not depend on
            # the weights): the words' ranking is asked once.
            if text not in lexical_by_text:
                lexical_by_text[text] = lexical(text, source, scope)
            return lexical_by_text[text]

        selectors._lexical = cached_lexical
        saved = selectors.LEXICAL_WEIGHT, selectors.SEMANTIC_WEIGHT, selectors.RRF_K
        weights = [(1.0, 0.0, saved[2]), (0.0, 1.0, saved[2])] + [
            tuple(float(w) for w in (pair + f":{saved[2]}").split(":")[:3])
            for pair in args.weights.split(",")
            if pair
        ]
        for lexical_weight, semantic_weight, rrf_k in weights:
            selectors.LEXICAL_WEIGHT, selectors.SEMANTIC_WEIGHT = lexical_weight, semantic_weight
            selectors.RRF_K = rrf_k
            runs = []
            for tweet_id, text in tweets.items():
                started = time.perf_counter()
                hits = selectors.ranked_claims(text, limit=CUTOFF).hits
                ranked = [claim_of(by_url[hit.claim_id]) for hit in hits if hit.score > 0]
                runs.append((ranked, relevant[tweet_id], time.perf_counter() - started))
            name = f"in-process {lexical_weight:g}:{semantic_weight:g} k={rrf_k:g}"
            rows.append(report(name, runs))
        selectors.LEXICAL_WEIGHT, selectors.SEMANTIC_WEIGHT, selectors.RRF_K = saved
        selectors._lexical = lexical
        rows.append(exact_semantic(tweets, relevant, by_url, selectors.query_vector))

    if args.calibrate:
        calibrate(tweets, relevant)

    if not args.skip_api:
        # The test client's default host, "testserver", is not an allowed host.
        client = APIClient(SERVER_NAME="localhost")
        client.credentials(
            HTTP_X_API_KEY=api_key("bench-checkthat", key_name="checkthat", group="")
        )
        runs, statuses, modes = [], {}, set()
        for tweet_id, text in tweets.items():
            started = time.perf_counter()
            response = client.post("/api/v1/check/", {"text": text}, format="json")
            seconds = time.perf_counter() - started
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            body = response.json() if response.status_code == 200 else {"results": []}
            modes.add(body.get("retrieval"))
            ranked = list(
                dict.fromkeys(claim_of(r["verdict"]["review_url"]) for r in body["results"])
            )
            runs.append((ranked, relevant[tweet_id], seconds))
        rows.append(report("POST /api/v1/check/", runs))
        print(f"  statuses {statuses}, retrieval {sorted(map(str, modes))}")
        runs, statuses = [], {}
        for tweet_id, text in tweets.items():
            started = time.perf_counter()
            response = client.get("/v1alpha1/claims:search", {"query": text, "pageSize": CUTOFF})
            seconds = time.perf_counter() - started
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            body = response.json() if response.status_code == 200 else {}
            ranked = [claim_of(claim["claimReview"][0]["url"]) for claim in body.get("claims", [])]
            runs.append((ranked, relevant[tweet_id], seconds))
        rows.append(report("GET /v1alpha1/claims:search", runs))
        print(f"  statuses {statuses}")


if __name__ == "__main__":
    main()
