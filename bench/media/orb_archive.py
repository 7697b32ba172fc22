"""Real ORB descriptors for a large stand-in archive, for the feature index's speed runs.

Random descriptors are the wrong stand-in: they spread evenly over the 256-bit space, while real
ORB descriptors cluster (corners and edges look alike), which is what an approximate index
exploits and what makes some descriptors generic. Each frame here is a collage, drawn from a
seed: two to four pieces of scikit-image's photographs, each cut at a random place and size (6%
to 60% of the photograph's side), turned by a random angle and scaled, pasted onto a blurred
piece of another; then a few random shapes and a line of text on top, and Gaussian noise. Its
INDEX_KEYPOINTS strongest descriptors are taken as production takes them
(media.services.local_features.picture_descriptors). Pieces of 19 photographs repeat, so frames
share more descriptors than a real archive's would: the vote counts their descriptors' neighbours
as for a real archive with many near-duplicates (a pessimistic stand-in for the search's cost).

Generating takes about 40 ms a frame (10 minutes for 3M descriptors, 15,000 frames, on the
machine of bench/media/README.md); the result is cached under the data folder.
"""

import os
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from media import verification
from media.services import local_features

FRAME_SIDE = 480


def _piece(rng: random.Random, photo: Image.Image) -> Image.Image:
    width, height = photo.size
    side = rng.uniform(0.06, 0.6) * min(width, height)
    left = rng.uniform(0, width - side)
    top = rng.uniform(0, height - side * 0.75)
    piece = photo.crop((round(left), round(top), round(left + side), round(top + side * 0.75)))
    scale = rng.uniform(120, 360) / max(piece.size)
    piece = piece.resize((max(8, round(piece.width * scale)), max(8, round(piece.height * scale))))
    return piece.rotate(rng.uniform(0, 360), Image.Resampling.BICUBIC, expand=True)


def frame(rng: random.Random, photos: list[Image.Image]) -> Image.Image:
    canvas = _piece(rng, rng.choice(photos)).resize((FRAME_SIDE, FRAME_SIDE * 3 // 4))
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0, 4)))
    for _ in range(rng.randint(2, 4)):
        piece = _piece(rng, rng.choice(photos))
        canvas.paste(
            piece,
            (rng.randint(-60, FRAME_SIDE - 60), rng.randint(-60, FRAME_SIDE * 3 // 4 - 60)),
        )
    draw = ImageDraw.Draw(canvas)
    for _ in range(rng.randint(0, 4)):
        box = sorted(rng.sample(range(FRAME_SIDE), 2)) + sorted(rng.sample(range(360), 2))
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = rng.choice((draw.ellipse, draw.rectangle))
        shape((box[0], box[2], box[1], box[3]), outline=colour, width=rng.randint(1, 6))
    if rng.random() < 0.5:
        words = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz 0123456789") for _ in range(30))
        draw.text(
            (rng.randint(0, 200), rng.randint(0, 330)),
            words,
            fill=tuple(rng.randrange(256) for _ in range(3)),
            font=ImageFont.load_default(size=rng.randint(12, 40)),
        )
    array = np.asarray(canvas, dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(0, 8), array.shape)
    return Image.fromarray(np.clip(array + noise, 0, 255).astype(np.uint8))


def descriptors(count: int, photos: list[Image.Image], seed: int = 11) -> tuple[np.ndarray, ...]:
    """(frame ids from 0, descriptors) of `count` descriptors: the first `count` of the cached
    run of this seed when it holds as many (a seed draws the same frames in the same order)."""
    cache = Path(os.environ.get("FACTCHECK_DATA_DIR", "var")) / "bench" / f"orb-{seed}.npz"
    if cache.exists():
        with np.load(cache) as stored:
            if len(stored["frame_ids"]) >= count:
                return stored["frame_ids"][:count], stored["descriptors"][:count]
    rng = random.Random(seed)
    ids, found, total = [], [], 0
    while total < count:
        picture = frame(rng, photos)
        rows = np.frombuffer(local_features.picture_descriptors(picture), dtype=np.uint8)
        rows = rows.reshape(-1, verification.DESCRIPTOR_BYTES)
        ids.append(np.full(len(rows), len(ids)))
        found.append(rows)
        total += len(rows)
    frame_ids, codes = np.concatenate(ids)[:count], np.concatenate(found)[:count]
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, frame_ids=frame_ids, descriptors=codes)
    return frame_ids, codes
