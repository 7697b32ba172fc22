"""Matching quality: every photograph, edited every way, looked up in an archive of all of them.

    .venv/bin/python -m bench.media.quality

Uses the production hashing (media.hashing) and index (media.archive_index.HashIndex), no
database. A query is right when its own photograph is within the threshold; every other
photograph within it is a wrong match. The baseline is one whole-image PDQ hash per picture,
compared at distance 31 (the threshold Meta's matcher uses).
"""

import os
import sys
from collections import defaultdict

import django
import numpy as np

from factcheck import embedded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
# As every entry point does: settings only read what this puts in the environment.
embedded.prepare_environment()
# Only the matching settings are read; no database is used, so no real key is needed.
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")
django.setup()

from django.conf import settings  # noqa: E402

from bench.media.transforms import photos, transforms  # noqa: E402
from media import hashing  # noqa: E402
from media.archive_index import HashIndex  # noqa: E402

BASELINE_DISTANCE = 31


def _as_rows(joined: bytes) -> np.ndarray:
    return np.frombuffer(joined, dtype=np.uint8).reshape(-1, hashing.PDQ_BYTES)


def main() -> None:
    suggest, strong = settings.LOOKUP_SUGGEST_DISTANCE, settings.LOOKUP_STRONG_DISTANCE
    originals = photos()
    names = list(originals)
    archive, baseline = HashIndex(), HashIndex()
    for number, name in enumerate(names):
        frame = hashing.hash_picture(originals[name])
        hashes = _as_rows(frame.archive_hashes)
        archive.add(np.full(len(hashes), number), hashes)
        baseline.add(np.array([number]), _as_rows(frame.pdq))
    print(f"archive: {len(names)} photographs, {len(archive)} hashes")
    rows = []
    totals = defaultdict(int)
    for label, edit in transforms().items():
        counts = defaultdict(int)
        nearest_wrong = 256
        for number, name in enumerate(names):
            edited = edit(originals[name])
            frame = hashing.hash_picture(edited)
            if frame is None:
                counts["unhashable"] += 1
                continue
            best: dict[int, int] = {}
            for _, item, distance in archive.search(_as_rows(frame.query_hashes), 256):
                best[item] = min(distance, best.get(item, 256))
            own = best.get(number, 256)
            wrong = [d for item, d in best.items() if item != number]
            nearest_wrong = min([nearest_wrong, *wrong])
            counts["suggest"] += own <= suggest
            counts["strong"] += own <= strong
            counts["wrong_suggest"] += sum(d <= suggest for d in wrong)
            counts["wrong_strong"] += sum(d <= strong for d in wrong)
            plain = {i: d for _, i, d in baseline.search(_as_rows(frame.pdq), BASELINE_DISTANCE)}
            counts["baseline"] += number in plain
            counts["wrong_baseline"] += sum(i != number for i in plain)
        for key, value in counts.items():
            totals[key] += value
        rows.append((label, counts, nearest_wrong))
    queries = len(names) * len(rows)
    print(
        f"\n| edit | recall at suggest (<= {suggest}) | at strong (<= {strong}) "
        f"| wrong at suggest | wrong at strong | nearest wrong | plain PDQ <= {BASELINE_DISTANCE} |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    n = len(names)
    for label, c, nearest_wrong in rows:
        print(
            f"| {label} | {c['suggest'] / n:.0%} | {c['strong'] / n:.0%} | {c['wrong_suggest']} "
            f"| {c['wrong_strong']} | {nearest_wrong} | {c['baseline'] / n:.0%} |"
        )
    print(
        f"| **all ({queries} queries)** | **{totals['suggest'] / queries:.1%}** "
        f"| {totals['strong'] / queries:.1%} | {totals['wrong_suggest']} "
        f"| {totals['wrong_strong']} | | {totals['baseline'] / queries:.1%} "
        f"({totals['wrong_baseline']} wrong) |"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
