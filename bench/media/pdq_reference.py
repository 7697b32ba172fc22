"""Our stored PDQ against Meta's reference hashes, on Meta's test images (Meta's rule: within 10
bits of the C++ reference at quality >= 80).

    .venv/bin/python -m bench.media.pdq_reference ../shared/data/pdq-reference

The folder holds `pdq_expected_hashes.csv` (path, pdq_hash_hex, quality, source) and the images.
"""

import argparse
import csv
import io
import statistics
import time
from pathlib import Path

from media import hashing

TOLERANCE = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args().folder
    distances, slowest = [], []
    with (folder / "pdq_expected_hashes.csv").open() as rows:
        for row in csv.DictReader(rows):
            data = (folder / row["path"]).read_bytes()
            started = time.perf_counter()
            frames = hashing.hash_image(io.BytesIO(data))
            elapsed = (time.perf_counter() - started) * 1000
            reference = row["source"].split()[0]
            if not frames:
                print(f"{row['path']:40} too flat to hash ({reference} reference)")
                continue
            [frame] = frames
            distance = hashing.hamming(frame.pdq, bytes.fromhex(row["pdq_hash_hex"]))
            print(
                f"{row['path']:40} {distance:3d} bits  quality {frame.quality:3d}  "
                f"{elapsed:5.0f} ms  ({reference} reference)"
            )
            if frame.quality >= 80 and reference == "C++":
                distances.append(distance)
            slowest.append(elapsed)
    over = sum(distance > TOLERANCE for distance in distances)
    print(
        f"\nC++ reference, quality >= 80: {len(distances)} images, max {max(distances)} bits, "
        f"mean {statistics.mean(distances):.1f}, {over} over {TOLERANCE}; "
        f"hashing median {statistics.median(slowest):.0f} ms, max {max(slowest):.0f} ms"
    )


if __name__ == "__main__":
    main()
