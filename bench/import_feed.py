"""Import throughput: a generated DataFeed of N ClaimReviews, imported by the code the Celery task
runs (`imports.services.import_job_run`, in this process), then the same feed again (every record
unchanged), then with a tenth of the reviews changed (updated).

    .venv/bin/python -m bench.import_feed --records 10000 100000

Each size gets a fresh database, `factcheck_bench_import` on the embedded PostgreSQL
(DATABASE_URL to use another local server with pgvector), created and migrated for it, so that
every run starts from no imported claims.
The feed is seeded: ~30 publishers, claims built from bench/words.py (a tenth Chinese, a twentieth
Korean), 1-3 appearances, common and free-text ratings, a fifth with numeric ratings, a tenth
without inLanguage (their language is detected from the text, `--without-language` to change the
share), and 1% flawed records (missing url: rejected; a date that is no date: imported with a
warning). Batches are IMPORTS_BATCH_SIZE (default 500).

Each run is a process of its own, as a worker is. Printed per run: wall time and records per
second, with the Python process's CPU time and the time spent in SQL statements apart, the time
to parse and validate the feed alone, the process's peak memory, and the job's counts.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.database import database_url, fresh_database

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "factcheck_bench_import"
SITES = [f"checks{n:02d}.example.org" for n in range(30)]
TEXTUAL = [
    "False",
    "False",
    "Mostly false",
    "Misleading",
    "Missing context",
    "True",
    "Half true",
    "Pants on Fire!",
    "Unproven",
    "Altered photo",
    "Fabricated video from 2015",
    "Satire",
]
LANGUAGES = ["en"] * 17 + ["zh"] * 2 + ["ko"]


def generate_feed(
    count: int, *, seed: int = 7, changed_share: float = 0.0, without_language: float = 0.1
) -> bytes:
    from bench import words as w

    rng = random.Random(seed)
    change = random.Random(seed + 1)
    # Its own generator, so that the rest of the feed is the same whatever the share.
    unsaid = random.Random(seed + 2)
    elements = []
    for n in range(count):
        place = rng.choice(w.PLACES)
        language = rng.choice(LANGUAGES)
        if language == "zh":
            text = rng.choice(w.ZH_SUBJECTS) + rng.choice(w.ZH_VERBS) + rng.choice(w.ZH_OBJECTS)
        elif language == "ko":
            text = (
                f"{rng.choice(w.KO_SUBJECTS)} {rng.choice(w.KO_OBJECTS)} {rng.choice(w.KO_VERBS)}"
            )
        else:
            text = (
                f"{rng.choice(w.PEOPLE)} {rng.choice(w.VERBS)} {rng.choice(w.OBJECTS)} "
                f"{rng.choice(w.CONSEQUENCES)} in {place} {rng.choice(w.TIMES)}."
            )
        site = rng.choice(SITES)
        rating: dict = {"@type": "Rating", "alternateName": rng.choice(TEXTUAL)}
        if rng.random() < 0.2:
            value = rng.randint(1, 5)
            rating |= {"ratingValue": value, "bestRating": 5, "worstRating": 1}
        if changed_share and change.random() < changed_share:
            rating["alternateName"] = (
                "Misleading" if rating["alternateName"] != "Misleading" else "True"
            )
        platforms = rng.sample(sorted(w.PLATFORM_URLS), rng.randint(1, 3))
        appearances = [
            {
                "@type": "CreativeWork",
                "url": w.PLATFORM_URLS[p].format(handle=rng.choice(w.HANDLES).lstrip("@"), n=n),
            }
            for p in platforms
        ]
        review = {
            "@type": "ClaimReview",
            "url": f"https://{site}/fact-check/{n}",
            "claimReviewed": text,
            "datePublished": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "headline": f"Fact check: claim about {place} is {rating['alternateName'].lower()}",
            "inLanguage": language,
            "author": {
                "@type": "Organization",
                "name": site.split(".")[0],
                "url": f"https://{site}/",
            },
            "itemReviewed": {
                "@type": "Claim",
                "author": {"@type": "Person", "name": rng.choice(w.PEOPLE)},
                "datePublished": "2024-01-15",
                "appearance": appearances,
            },
            "reviewRating": rating | {"ratingExplanation": rng.choice(w.SUMMARY_SENTENCES)},
        }
        if unsaid.random() < without_language:
            del review["inLanguage"]
        roll = rng.random()
        if roll < 0.005:
            del review["url"]
        elif roll < 0.01:
            review["datePublished"] = "sometime in 2024"
        elements.append({"@type": "DataFeedItem", "dateCreated": "2024-12-24", "item": review})
    feed = {"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": elements}
    return json.dumps(feed, ensure_ascii=False).encode()


def measure(path: Path) -> dict:
    """One import of the feed at `path`, as a worker runs it, in a process of its own so that
    its peak memory is the import's."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.files import File
    from django.db import connection

    from claims.models import Rating, RatingScale
    from claims.services.demo import DEMO_RATINGS
    from imports.models import ImportJob
    from imports.parsing import parse_source
    from imports.services import import_job_create, import_job_run

    scale, created = RatingScale.objects.get_or_create(
        name=settings.FACTCHECK_DEFAULT_RATING_SCALE, defaults={"best_value": 5, "worst_value": 1}
    )
    if created:
        for label, value, description in DEMO_RATINGS:
            Rating.objects.create(scale=scale, label=label, value=value, description=description)
    with path.open("rb") as feed:
        job = import_job_create(requested_by=None, file=File(feed), enqueue=False)
    waited = [0.0]

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            waited[0] += time.perf_counter() - started

    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(timed):
        import_job_run(job_id=job.pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == "succeeded", (job.error_code, job.error)
    result = {
        "seconds": round(seconds, 1),
        "python_cpu_seconds": round(cpu, 1),
        "database_seconds": round(waited[0], 1),
        "records_per_second": round(job.records_total / seconds),
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "rejected": job.rejected_count,
        "warned": job.warned_count,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "batch_size": settings.IMPORTS_BATCH_SIZE,
    }
    started = time.perf_counter()
    parse_source(path.read_bytes(), max_bytes=settings.IMPORTS_MAX_BYTES)
    result["parse_seconds"] = round(time.perf_counter() - started, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--without-language",
        type=float,
        default=0.1,
        help="Share of reviews without inLanguage, whose language is detected (default 0.1).",
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(DATABASE),
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-only-not-secret"),
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_MEDIA_ROOT": os.environ.get("DJANGO_MEDIA_ROOT", "/tmp/factcheck-import-bench"),
    }
    if args.measure:
        os.environ.update(env)
        print("RESULT " + json.dumps(measure(Path(args.measure))), flush=True)
        return
    folder = Path(tempfile.mkdtemp(prefix="import-bench-"))
    for count in args.records:
        share = args.without_language
        feeds = {
            "first import": generate_feed(count, without_language=share),
            "same feed again": generate_feed(count, without_language=share),
            "10% changed": generate_feed(count, changed_share=0.1, without_language=share),
        }
        fresh_database(env["DATABASE_URL"])
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        size = len(feeds["first import"]) / 1e6
        print(f"{count:,} records, a feed of {size:.1f} MB:")
        for name, data in feeds.items():
            path = folder / "feed.json"
            path.write_bytes(data)
            output = subprocess.run(
                [sys.executable, "-m", "bench.import_feed", "--measure", str(path)],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            run = json.loads(output.split("RESULT ", 1)[1])
            print(
                f"  {name:<16} {run['seconds']:>6} s {run['records_per_second']:>6,} records/s"
                f" ({run['python_cpu_seconds']} s Python CPU, {run['database_seconds']} s in SQL"
                f" statements, parsing {run['parse_seconds']} s;"
                f" peak memory {run['peak_rss_mb']} MB): created {run['created']:,}, updated "
                f"{run['updated']:,}, unchanged {run['unchanged']:,}, rejected "
                f"{run['rejected']:,}, with warnings {run['warned']:,}"
            )
            path.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
