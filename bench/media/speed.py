"""Speed of hashing and of archive lookups.

    .venv/bin/python -m bench.media.speed            # everything (about 5 minutes, 4 GB)
    .venv/bin/python -m bench.media.speed --sizes 1000000   # a smaller archive only

Hashing uses JPEGs made from a scikit-image photograph and a minute of 720p H.264 panning across
photographs with a cut every five seconds. Lookups search media.archive_index.HashIndex (the
production index, without the database) filled with random PDQ hashes, into which edited copies
are planted at known distances; the baseline is a plain numpy scan of the same hashes.
"""

import argparse
import io
import os
import resource
import statistics
import time
from fractions import Fraction

import av
import django
import numpy as np
import skimage.data
from PIL import Image

from factcheck import embedded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
# As every entry point does: settings only read what this puts in the environment.
embedded.prepare_environment()
# Only the matching settings are read; no database is used, so no real key is needed.
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")
django.setup()

from django.conf import settings  # noqa: E402

from bench.media.memory import rss_mb  # noqa: E402
from bench.media.timing import percentiles  # noqa: E402
from media import hashing, verification  # noqa: E402
from media.archive_index import HashIndex  # noqa: E402
from media.services import local_features  # noqa: E402


def _timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def bench_images() -> None:
    photo = Image.fromarray(skimage.data.astronaut())
    for size in ((1024, 768), (4000, 3000)):
        buffer = io.BytesIO()
        photo.resize(size, Image.Resampling.BICUBIC).save(buffer, "JPEG", quality=90)
        data = buffer.getvalue()
        hashing.hash_image(io.BytesIO(data))  # warm up
        total = _timed(lambda data=data: hashing.hash_image(io.BytesIO(data)), 40)
        decode = _timed(lambda data=data: hashing.open_image(io.BytesIO(data)), 40)
        full = _timed(lambda data=data: Image.open(io.BytesIO(data)).convert("RGB"), 10)
        features = _timed(
            lambda data=data: local_features.picture_descriptors(
                verification.open_picture(io.BytesIO(data))
            ),
            40,
        )
        print(
            f"image {size[0]}x{size[1]} JPEG ({len(data) // 1024} KB): hash {percentiles(total)}; "
            f"draft decode {percentiles(decode)}; full decode {percentiles(full)}; "
            f"local features (in the hashing job, after the hashes) {percentiles(features)}"
        )


def _minute_of_720p() -> bytes:
    scenes = [
        np.asarray(
            Image.fromarray(getattr(skimage.data, name)()).convert("RGB").resize((1600, 900))
        )
        for name in ("astronaut", "coffee", "chelsea", "rocket")
    ]
    buffer = io.BytesIO()
    fps = 30
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.time_base = Fraction(1, fps)
        stream.options = {"crf": "23", "preset": "veryfast"}
        for index in range(60 * fps):
            scene = scenes[(index // (5 * fps)) % len(scenes)]
            pan = (index % (5 * fps)) * 2
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(scene[pan // 2 : pan // 2 + 720, pan : pan + 1280]),
                format="rgb24",
            )
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def bench_video() -> None:
    video = _minute_of_720p()
    samples = _timed(lambda: hashing.hash_video(io.BytesIO(video)), 3)
    frames = hashing.hash_video(io.BytesIO(video))
    hashes = sum(len(f.archive_hashes) // 32 for f in frames)
    print(
        f"video 60 s 720p30 H.264 ({len(video) // 1024} KB): {min(samples):.2f} s best, "
        f"{statistics.median(samples):.2f} s median of 3; {len(frames)} keyframes, "
        f"{hashes} archive hashes"
    )


def _flip_bits(rng, codes: np.ndarray, count: int) -> np.ndarray:
    bits = np.unpackbits(codes, axis=1)
    for row in bits:
        row[rng.choice(256, count, replace=False)] ^= 1
    return np.packbits(bits, axis=1)


def bench_lookups(size: int, rng) -> None:
    suggest = settings.LOOKUP_SUGGEST_DISTANCE
    before = rss_mb()
    codes = rng.integers(0, 256, size=(size, hashing.PDQ_BYTES), dtype=np.uint8)
    index = HashIndex()
    start = time.perf_counter()
    for offset in range(0, size, 1_000_000):
        chunk = codes[offset : offset + 1_000_000]
        index.add(np.arange(offset, offset + len(chunk)), chunk)
    index.search(codes[:1], 0)  # joins the id chunks
    added = time.perf_counter() - start
    grown = rss_mb() - before
    print(f"\narchive of {size:,} hashes: filled in {added:.1f} s, +{grown:.0f} MB RSS")

    # An image query sends one hash per distinct view: 1 for a plain picture, 2 or 3 when it
    # has borders to trim. A 12-second clip has about 7 keyframes.
    cases = [(f"image ({n} hash{'es' if n > 1 else ''})", n) for n in (1, 2, 3)]
    for label, per_query in [*cases, ("12 s clip (21 hashes)", 21)]:
        runs = 200 if per_query <= 3 else 30
        targets = rng.choice(size, size=(runs, per_query))
        queries = [_flip_bits(rng, codes[t], 40) for t in targets]
        found = 0
        samples = []
        for target, query in zip(targets, queries, strict=True):
            start = time.perf_counter()
            hits = index.search(query, suggest)
            samples.append(time.perf_counter() - start)
            found += len({frame for _, frame, _ in hits} & set(target.tolist()))
        recall = found / targets.size
        print(f"  lookup, {label}: {percentiles(samples)}; planted copies found {recall:.0%}")

    as_words = codes.view(np.uint64).reshape(size, 4)

    def numpy_scan(query: np.ndarray) -> np.ndarray:
        words = query.view(np.uint64)
        distance = np.zeros(size, dtype=np.uint16)
        for column in range(4):
            distance += np.bitwise_count(as_words[:, column] ^ words[column])
        return np.flatnonzero(distance <= suggest)

    query = _flip_bits(rng, codes[:1], 40)[0]
    samples = _timed(lambda: numpy_scan(query), 5)
    print(f"  baseline numpy scan, 1 hash: {percentiles(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument("--skip-hashing", action="store_true")
    arguments = parser.parse_args()
    print(f"faiss threads: {__import__('faiss').omp_get_max_threads()}, cores: {os.cpu_count()}")
    if not arguments.skip_hashing:
        bench_images()
        bench_video()
    rng = np.random.default_rng(42)
    for size in arguments.sizes:
        bench_lookups(size, rng)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
