"""What a lookup worker process spends reading its archive indexes, which it now does as it
starts (media.tasks.warm_archive_indexes) rather than in its first lookup or web image search.

    .venv/bin/python -m bench.media.warm_up [--hashes 1000000] [--descriptors 1000000]

On a database of its own (`factcheck_bench_warm_up`, on the embedded server unless DATABASE_URL
names it; dropped and made again at each run): one archive video with a keyframe for every 200
hashes, `--hashes` archive hashes (random, as a large archive's are) and `--descriptors` real ORB
descriptors (bench/media/orb_archive.py's stand-ins, cached under the data folder, 200 a
keyframe). A fresh process, as a worker's is, then times media.archive_index's
warm_process_indexes (reading the three indexes and training the feature index: what the first
lookup of a process used to wait for), and a hash search and a feature vote right after it.
"""

import argparse
import os
import subprocess
import sys
import time

import numpy as np

os.environ.setdefault("BENCH_DATABASE", "factcheck_bench_warm_up")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

from bench.database import database_name, database_url, fresh_database

os.environ["DATABASE_URL"] = database_url(os.environ["BENCH_DATABASE"])
# A DATABASE_URL in the environment names the database itself: never drop another one.
if database_name(os.environ["DATABASE_URL"]) != os.environ["BENCH_DATABASE"]:
    raise SystemExit(f"DATABASE_URL names another database than {os.environ['BENCH_DATABASE']}")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.media import orb_archive  # noqa: E402
from bench.media.memory import rss_mb  # noqa: E402
from bench.media.transforms import photos  # noqa: E402
from media import hashing, verification  # noqa: E402
from media.archive_index import archive_index, feature_index, warm_process_indexes  # noqa: E402
from media.models import ArchiveFeatures, ArchiveHash, MediaFrame, MediaItem  # noqa: E402

HASHES_PER_FRAME = 200
BATCH = 50_000


def build(hashes: int, descriptors: int) -> None:
    connections.close_all()
    fresh_database(os.environ["DATABASE_URL"])
    call_command("migrate", verbosity=0)
    frame_ids, codes = orb_archive.descriptors(descriptors, list(photos().values()))
    frames_needed = max(-(-hashes // HASHES_PER_FRAME), int(frame_ids.max()) + 1)
    item = MediaItem.objects.create(
        kind=MediaItem.Kind.VIDEO,
        status=MediaItem.Status.READY,
        in_archive=True,
        sha256="0" * 64,
        hashed_at=timezone.now(),
    )
    frames = MediaFrame.objects.bulk_create(
        MediaFrame(
            media_item=item,
            offset_seconds=number,
            pdq_hash=bytes(32),
            pdq_quality=100,
            phash=bytes(8),
        )
        for number in range(frames_needed)
    )
    rng = np.random.default_rng(5)
    for start in range(0, hashes, BATCH):
        count = min(BATCH, hashes - start)
        rows = rng.integers(0, 256, (count, hashing.PDQ_BYTES), dtype=np.uint8)
        ArchiveHash.objects.bulk_create(
            ArchiveHash(
                media_item=item,
                frame=frames[(start + row) // HASHES_PER_FRAME],
                pdq_hash=rows[row].tobytes(),
            )
            for row in range(count)
        )
    ArchiveFeatures.objects.bulk_create(
        ArchiveFeatures(
            media_item=item,
            frame=frames[number],
            descriptors=codes[frame_ids == number].tobytes(),
        )
        for number in np.unique(frame_ids).tolist()
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def measure() -> None:
    """In a fresh process: the warm-up, then a search of each index."""
    print(f"worker process: RSS {rss_mb():.0f} MB before", flush=True)
    start = time.perf_counter()
    warm_process_indexes()
    warmed = time.perf_counter() - start
    hashes, features = archive_index(), feature_index()
    print(
        f"warm_process_indexes: {warmed:.1f} s for {len(hashes):,} hashes and "
        f"{len(features):,} descriptors; RSS {rss_mb():.0f} MB after"
    )
    rng = np.random.default_rng(7)
    start = time.perf_counter()
    archive_index().search(rng.integers(0, 256, (2, hashing.PDQ_BYTES), dtype=np.uint8), 84)
    searched = time.perf_counter() - start
    query = rng.integers(0, 256, (1000, verification.DESCRIPTOR_BYTES), dtype=np.uint8)
    start = time.perf_counter()
    feature_index().votes(query)
    voted = time.perf_counter() - start
    print(
        f"then, warm: a hash search {searched * 1000:.0f} ms, "
        f"a vote of 1,000 descriptors {voted * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hashes", type=int, default=1_000_000)
    parser.add_argument("--descriptors", type=int, default=1_000_000)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        measure()
        return
    start = time.perf_counter()
    build(arguments.hashes, arguments.descriptors)
    print(f"database built in {time.perf_counter() - start:.0f} s", flush=True)
    for _ in range(2):
        subprocess.run([sys.executable, "-m", "bench.media.warm_up", "--measure"], check=True)


if __name__ == "__main__":
    main()
