"""Video lookups on what re-uploads do: recall, wrong matches and the clip's reported position,
through the production lookup job, with the same run's plain vPDQ at distance 31; and a 12 s
clip's lookup against 1M hashes.

    .venv/bin/python -m bench.media.video            # dev and held-out sets, speed at 1M: 10 min
    .venv/bin/python -m bench.media.video --details  # with a line for every miss
    .venv/bin/python -m bench.media.video --clips 1 --speed 0   # a quick look, about 4 min

The archive is ARCHIVE_VIDEOS videos of 60 s, 480x270 at 10 frames a second, made from
scikit-image's 19 photographs (bench/media/transforms.py): each video shows 3-4 of them, one
after the other, every one slowly panned and zoomed, so that keyframes two seconds apart differ
and a clip's position can only be found from its pictures. No photograph is in two videos.

A query is a 12 s clip cut at a random start from a random video, put through one re-upload
family frame by frame (bench/media/reupload.py's edits, their random parameters drawn once a
clip so every frame gets the same edit) and encoded again. "Clip of a clip" is a 20 s cut,
cropped and subtitled, encoded and decoded, then a 12 s cut of that under a meme caption block.
Clips are drawn from a seed: reupload.DEV_SEED for tuning, HELD_OUT_SEED only to report.

Everything runs as the service runs it, on a database of the benchmark's own (on the embedded
server, `factcheck_bench_video`, dropped and made again at each run) with media files in a
temporary folder: archive videos and queries are stored (media_item_create) and hashed
(media_item_hash), and each query is looked up by the lookup job (lookup_request, run_lookup).
A query is right when its own video is among the job's matches; every other video among them is
a wrong match. The position error is |matched offset - query offset - true start| of the right
match. Plain vPDQ: the right (or another) video has a keyframe whose stored PDQ lies within 31
bits of one of the query's keyframes.

Speed and memory are measured in a fresh process, as a lookup worker is (`--worker`, started
by the run once the quality sets are done): it pads its archive index
(media.archive_index.archive_index) with random hashes of frames that do not exist, as
robust.py's `run_speed` pads its own (they cost a lookup's scans as real ones would, and their
rare hits are dropped when resolved against the database), and runs the dev clips' lookup jobs
again.
"""

import argparse
import functools
import io
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

import av
import numpy as np
from PIL import Image

# Settings of the benchmarks (bench/settings.py) on a database and a media folder of this one's
# own; tasks the services send go to queues no worker reads.
os.environ.setdefault("BENCH_DATABASE", "factcheck_bench_video")
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/12")
os.environ.setdefault("CELERY_QUEUE_PREFIX", "bench-video-")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
MEDIA_ROOT = tempfile.mkdtemp(prefix="factcheck-video-bench-")
os.environ["DJANGO_MEDIA_ROOT"] = MEDIA_ROOT

from bench.database import database_name, database_url, fresh_database  # noqa: E402

os.environ["DATABASE_URL"] = database_url(os.environ["BENCH_DATABASE"])
# A DATABASE_URL in the environment names the database itself: never drop another one.
if database_name(os.environ["DATABASE_URL"]) != os.environ["BENCH_DATABASE"]:
    raise SystemExit(f"DATABASE_URL names another database than {os.environ['BENCH_DATABASE']}")

import django  # noqa: E402

# As every entry point does: without it the services send their tasks with Celery's default app,
# to its default queue, whatever the settings route.
import factcheck.celery  # noqa: E402, F401

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402

from bench.media import reupload  # noqa: E402
from bench.media.memory import peak_rss_mb, rss_mb  # noqa: E402
from bench.media.timing import percentiles  # noqa: E402
from bench.media.transforms import crop, photos  # noqa: E402
from media import hashing  # noqa: E402
from media.archive_index import archive_index, feature_index  # noqa: E402
from media.demo_media import encode_video  # noqa: E402
from media.models import LookupJob, MediaItem  # noqa: E402
from media.services import lookups  # noqa: E402
from media.services.media import media_item_create  # noqa: E402
from media.tasks import run_lookup  # noqa: E402

FPS = 10
WIDTH, HEIGHT = 480, 270
VIDEO_SECONDS = 60
ARCHIVE_VIDEOS = 5
CLIP_SECONDS = 12
# The first level of a clip of a clip, the second being a CLIP_SECONDS cut of it.
OUTER_CLIP_SECONDS = 20
PLAIN_DISTANCE = 31


_photos = functools.cache(photos)


def _scenes(video: int) -> list[str]:
    """The photographs of an archive video, dealt out in turn: 4, 4, 4, 4 and 3."""
    return list(_photos())[video::ARCHIVE_VIDEOS]


def _scene(video: int, index: int) -> tuple[str, float]:
    """(photograph, progress through its scene from 0 to 1) of frame `index` of a video."""
    scenes = _scenes(video)
    scene_frames = VIDEO_SECONDS * FPS // len(scenes)
    scene = min(index // scene_frames, len(scenes) - 1)
    return scenes[scene], (index - scene * scene_frames) / scene_frames


def reference_frame(video: int, index: int) -> Image.Image:
    """Frame `index` of archive video `video`: a window of 85% of its scene's photograph at the
    scene's start, zooming in to 60% while it moves from the top left to the bottom right."""
    name, progress = _scene(video, index)
    picture = _photos()[name]
    # The window keeps the video's shape inside the photograph, whatever the photograph's.
    fit = min(picture.width, picture.height * WIDTH / HEIGHT)
    width = fit * (0.85 - 0.25 * progress)
    height = width * HEIGHT / WIDTH
    left = (picture.width - width) * progress
    top = (picture.height - height) * progress
    window = (round(left), round(top), round(left + width), round(top + height))
    return picture.crop(window).resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)


def _encode(frames: list[Image.Image]) -> bytes:
    """H.264 at the frames' own shape, at most 640 pixels on its longer side."""
    width, height = frames[0].size
    scale = min(1.0, 640 / max(width, height))
    size = (round(width * scale / 2) * 2, round(height * scale / 2) * 2)
    return encode_video(iter(frames), width=size[0], height=size[1], crf=26)


def _decoded(data: bytes) -> list[Image.Image]:
    with av.open(io.BytesIO(data)) as container:
        return [frame.to_image() for frame in container.decode(video=0)]


def _light_crop(image: Image.Image, rng: random.Random) -> Image.Image:
    """Cropped 2-5% a side and brought back to its size, as a re-upload trims a border."""
    return crop(image, *(rng.uniform(0.02, 0.05) for _ in range(4))).resize(image.size)


def _subtitled(image: Image.Image, rng: random.Random) -> Image.Image:
    """The seed's case: cropped 2-5% a side, a subtitle burned into the bottom."""
    return reupload.burned_caption(_light_crop(image, rng), rng)


def _under_meme(image: Image.Image, rng: random.Random) -> Image.Image:
    return reupload.meme(_light_crop(image, rng), rng)


def families() -> dict:
    """Per-frame edits, each taking (frame, rng); "clip of a clip" is made apart (`_query`)."""
    edits = {
        "plain cut": lambda image, rng: image,
        "crop 2-5% a side + subtitle": _subtitled,
        **reupload.families(),
    }
    edits["clip of a clip"] = None
    return edits


def _clip(video: int, start: int, seconds: float) -> list[Image.Image]:
    return [reference_frame(video, index) for index in range(start, start + int(seconds * FPS))]


def _edited(frames: list[Image.Image], edit, clip_seed: int) -> list[Image.Image]:
    # The same draws for every frame: a re-upload edits the whole clip one way.
    return [edit(frame, random.Random(clip_seed)) for frame in frames]


def _query(label: str, edit, rng: random.Random) -> tuple[int, float, bytes]:
    """(video, true start in seconds, encoded clip) of one query of `label`."""
    video = rng.randrange(ARCHIVE_VIDEOS)
    if edit is not None:
        start = rng.randrange(0, (VIDEO_SECONDS - CLIP_SECONDS) * FPS)
        frames = _edited(_clip(video, start, CLIP_SECONDS), edit, rng.randrange(1 << 30))
        return video, start / FPS, _encode(frames)
    outer_start = rng.randrange(0, (VIDEO_SECONDS - OUTER_CLIP_SECONDS) * FPS)
    outer = _edited(
        _clip(video, outer_start, OUTER_CLIP_SECONDS), _subtitled, rng.randrange(1 << 30)
    )
    first_upload = _decoded(_encode(outer))
    inner_start = rng.randrange(0, (OUTER_CLIP_SECONDS - CLIP_SECONDS) * FPS)
    inner = first_upload[inner_start : inner_start + CLIP_SECONDS * FPS]
    frames = _edited(inner, _under_meme, rng.randrange(1 << 30))
    return video, (outer_start + inner_start) / FPS, _encode(frames)


def _stored(data: bytes, name: str, **provenance) -> MediaItem:
    item, _ = media_item_create(
        actor=None, file=ContentFile(data, name=name), queue_hashing=False, **provenance
    )
    return lookups.media_item_hash(media_item_id=item.pk)


def _lookup(query: MediaItem) -> LookupJob:
    job = lookups.lookup_request(media_item=query, actor=None)
    run_lookup(job.pk)
    job.refresh_from_db()
    return job


def _pdq_hashes(item: MediaItem) -> list[bytes]:
    return [bytes(pdq) for pdq in item.frames.values_list("pdq_hash", flat=True)]


def build_archive() -> dict[int, MediaItem]:
    archive = {}
    for video in range(ARCHIVE_VIDEOS):
        data = _encode(_clip(video, 0, VIDEO_SECONDS))
        archive[video] = _stored(data, f"archive-{video}.mp4", in_archive=True)
    return archive


def run_quality(
    archive: dict[int, MediaItem], seed: int, clips: int, details: bool = False
) -> tuple[dict, list]:
    """Counts per family, and the dev queries' items (for the speed run); with `details`, a
    line for every query missed, misplaced or with a wrong match."""
    archived = {item.pk: video for video, item in archive.items()}
    archive_pdq = {video: _pdq_hashes(item) for video, item in archive.items()}
    results, queries = {}, []
    for label, edit in families().items():
        # Seeded by family as well, so that adding a family leaves the others' clips as they were.
        rng = random.Random(f"{seed}:{label}")
        counts = defaultdict(float)
        counts["errors"] = []
        for number in range(clips):
            video, start, data = _query(label, edit, rng)
            query = _stored(data, f"{seed}-{label}-{number}.mp4")
            queries.append(query)
            counts["queries"] += 1
            job = _lookup(query)
            if job.status != LookupJob.Status.SUCCEEDED:
                counts["failed"] += 1
                continue
            found = {}
            for match in job.matches.all():
                if match.matched_item_id in archived:
                    found[archived[match.matched_item_id]] = match
            counts["wrong"] += len(set(found) - {video})
            if video in found:
                counts["found"] += 1
                match = found[video]
                counts["verified"] += match.transform is not None
                shift = match.matched_offset_seconds - match.query_offset_seconds
                counts["errors"].append(abs(shift - start))
            query_pdq = _pdq_hashes(query)
            plain = {
                other
                for other, hashes in archive_pdq.items()
                if any(hashing.hamming(a, b) <= PLAIN_DISTANCE for a in query_pdq for b in hashes)
            }
            counts["plain"] += video in plain
            counts["plain_wrong"] += len(plain - {video})
            misplaced = video in found and counts["errors"][-1] > 1
            if details and (video not in found or misplaced or set(found) - {video}):
                print(_detail(seed, label, video, start, query, job, archived), flush=True)
        results[label] = counts
    return results, queries


def _detail(seed, label, video, start, query, job, archived) -> str:
    name, progress = _scene(video, round(start * FPS))
    found = ", ".join(
        f"video {archived.get(match.matched_item_id)} at {match.matched_offset_seconds:.1f} s "
        f"for {match.query_offset_seconds:.1f} s, {match.distance} bits, "
        f"{'verified' if match.transform else 'not verified'}"
        for match in job.matches.all()
    )
    return (
        f"  seed {seed}, {label}: video {video} from {start:.1f} s ({name}, {progress:.0%} "
        f"through), {query.frames.count()} keyframes, {job.status} {job.error or ''}: "
        f"{found or 'no match'}"
    )


def _errors(errors: list[float]) -> str:
    if not errors:
        return "-"
    within = sum(error <= 1 for error in errors) / len(errors)
    return f"{within:.0%} ({statistics.median(errors):.1f} s, {max(errors):.1f} s)"


def print_quality(dev: dict, held_out: dict) -> None:
    print(
        "\n| family | recall, dev | recall, held out | wrong (dev + held out) "
        "| position within ±1 s, dev (median, worst) | within ±1 s, held out | verified, dev "
        "| plain vPDQ <= 31, dev (wrong) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    totals = defaultdict(float)
    all_errors = {"dev": [], "held": []}
    for label in dev:
        d, h = dev[label], held_out[label]
        n, hn = d["queries"], h["queries"]
        failed = (
            f" ({d['failed'] + h['failed']:.0f} jobs failed)" if d["failed"] + h["failed"] else ""
        )
        print(
            f"| {label}{failed} | {d['found'] / n:.0%} | {h['found'] / hn:.0%} "
            f"| {d['wrong'] + h['wrong']:.0f} | {_errors(d['errors'])} | {_errors(h['errors'])} "
            f"| {d['verified'] / n:.0%} | {d['plain'] / n:.0%} ({d['plain_wrong']:.0f}) |"
        )
        for key in ("queries", "found", "wrong", "verified", "plain", "plain_wrong"):
            totals[key] += d[key]
            totals["held_" + key] += h[key]
        all_errors["dev"] += d["errors"]
        all_errors["held"] += h["errors"]
    n, hn = totals["queries"], totals["held_queries"]
    print(
        f"| **all ({n:.0f} + {hn:.0f} clips)** | **{totals['found'] / n:.1%}** "
        f"| **{totals['held_found'] / hn:.1%}** | **{totals['wrong'] + totals['held_wrong']:.0f}** "
        f"| {_errors(all_errors['dev'])} | {_errors(all_errors['held'])} "
        f"| {totals['verified'] / n:.1%} | {totals['plain'] / n:.1%} "
        f"({totals['plain_wrong']:.0f}) |"
    )


def run_worker(dev_clips: int, size: int) -> None:
    """Speed and memory of a lookup worker: this process, started afresh on the database the
    quality sets left, loads the archive indexes, pads the hash index to `size` hashes and runs
    the lookup job of each of the first `dev_clips` queries (the dev set's) again."""
    print(f"\nworker process: RSS {rss_mb():.0f} MB after setup", end="")
    index = archive_index()
    feature_index()
    print(f", {rss_mb():.0f} MB with the archive's indexes ({len(index):,} hashes)", end="")
    rng = np.random.default_rng(5)
    padding = size - len(index)
    # Ids past any frame's: the hits resolve to nothing, as a deleted item's do.
    index.add(
        np.arange(1 << 40, (1 << 40) + padding),
        rng.integers(0, 256, (padding, hashing.PDQ_BYTES), dtype=np.uint8),
    )
    index.search(np.zeros((1, hashing.PDQ_BYTES), dtype=np.uint8), 0)
    print(f", {rss_mb():.0f} MB padded to {len(index):,}")
    queries = list(MediaItem.objects.filter(in_archive=False).order_by("pk")[:dev_clips])
    samples, keyframes = [], []
    for query in queries:
        keyframes.append(query.frames.count())
        start = time.perf_counter()
        _lookup(query)
        samples.append(time.perf_counter() - start)
    print(
        f"lookup job of a {CLIP_SECONDS} s clip ({statistics.median(keyframes):.0f} keyframes, "
        f"median), {len(samples)} dev clips: {percentiles(samples)}, "
        f"slowest {max(samples) * 1000:.0f} ms"
    )
    print(f"worker process after the lookups: RSS {rss_mb():.0f} MB, peak {peak_rss_mb():.0f} MB")


def _fresh_database() -> None:
    connections.close_all()
    fresh_database(os.environ["DATABASE_URL"])
    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=5, help="clips per family and seed")
    parser.add_argument("--speed", type=int, default=1_000_000, help="hashes to pad the index to")
    parser.add_argument("--details", action="store_true", help="the misses, one line each")
    parser.add_argument(
        "--held-out-seed",
        type=int,
        default=reupload.HELD_OUT_SEED,
        help="another held-out seed, once the usual one has been looked at",
    )
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        try:
            run_worker(arguments.worker, arguments.speed)
        finally:
            shutil.rmtree(MEDIA_ROOT, ignore_errors=True)
        return
    _fresh_database()
    try:
        start = time.perf_counter()
        archive = build_archive()
        frames = sum(item.frames.count() for item in archive.values())
        print(
            f"archive: {len(archive)} videos of {VIDEO_SECONDS} s, {WIDTH}x{HEIGHT} at {FPS} "
            f"fps, {frames} keyframes, made in {time.perf_counter() - start:.0f} s; "
            f"RSS {rss_mb():.0f} MB"
        )
        start = time.perf_counter()
        dev, dev_queries = run_quality(
            archive, reupload.DEV_SEED, arguments.clips, arguments.details
        )
        held_out, _ = run_quality(
            archive, arguments.held_out_seed, arguments.clips, arguments.details
        )
        print(f"quality: {time.perf_counter() - start:.0f} s")
        print_quality(dev, held_out)
        print(f"peak RSS of the benchmark process: {peak_rss_mb():.0f} MB (now {rss_mb():.0f} MB)")
        if arguments.speed:
            sys.stdout.flush()
            worker = [sys.executable, "-m", "bench.media.video", "--speed", str(arguments.speed)]
            subprocess.run([*worker, "--worker", str(len(dev_queries))], check=True)
        print(f"load average at the end: {os.getloadavg()}")
    finally:
        shutil.rmtree(MEDIA_ROOT, ignore_errors=True)
        _purge_queues()


def _purge_queues() -> None:
    """Drop the lookup messages the services sent to this run's queues, which no worker reads."""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return
    import redis

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    # The queues and kombu's bindings of them.
    keys = list(broker.scan_iter(f"*{settings.CELERY_QUEUE_PREFIX}*"))
    if keys:
        broker.delete(*keys)


if __name__ == "__main__":
    main()
