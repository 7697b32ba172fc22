"""Synthetic stand-ins for the demo case's footage, generated rather than downloaded.

`reference_frames` draws a 30-second "state funeral" sequence of six distinct scenes (a cortege,
flags, a crowd, a portrait, a guard of honour, a hall). The CCTV original, its 2020 YouTube
re-upload and the 2024 clip on X are all made from it, the way re-uploads are made: re-encoded,
resized, cut and captioned. Each is generated once per process (a few seconds of CPU).
"""

import functools
import io
import math
import random
from collections.abc import Iterator
from fractions import Fraction

import av
from PIL import Image, ImageDraw

FPS = 10
SCENE_SECONDS = 5
SCENES = 6
WIDTH, HEIGHT = 640, 360


def _scene(seed: int, t: float) -> Image.Image:
    """One frame of scene `seed` at `t` seconds into the scene: a fixed composition that pans."""
    rng = random.Random(seed)
    top = tuple(rng.randrange(20, 200) for _ in range(3))
    bottom = tuple(rng.randrange(20, 200) for _ in range(3))
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):
        mix = y / HEIGHT
        draw.line(
            [(0, y), (WIDTH, y)],
            fill=tuple(int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)),
        )
    pan = int(t * 6)
    for _ in range(rng.randrange(8, 16)):
        x, y = rng.randrange(-80, WIDTH), rng.randrange(0, HEIGHT)
        w, h = rng.randrange(20, 220), rng.randrange(20, 160)
        colour = tuple(rng.randrange(0, 256) for _ in range(3))
        box = [x + pan, y, x + pan + w, y + h]
        if rng.random() < 0.5:
            draw.rectangle(box, fill=colour)
        else:
            draw.ellipse(box, fill=colour)
    # A slow flicker of light, as on real footage, so consecutive frames are not identical.
    shade = int(8 * math.sin(t * 2))
    return Image.eval(image, lambda value: max(0, min(255, value + shade)))


def reference_frames() -> Iterator[Image.Image]:
    for scene in range(SCENES):
        for index in range(SCENE_SECONDS * FPS):
            yield _scene(1000 + scene, index / FPS)


def encode_video(
    frames: Iterator[Image.Image], *, width: int, height: int, crf: int, display_rotation: int = 0
) -> bytes:
    """H.264 in MP4, `width`x`height`, at the reference frame rate; `display_rotation` (degrees
    counterclockwise) in the display matrix turns it for players, as phones do."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, FPS)
        # x264's macroblock tree made the same frames encode to other bytes from one run to the
        # next (one 12 s clip of bench/media/video.py: 93,187-93,861 bytes; even on one thread),
        # so tests and benchmarks looked up other videos each time. Without it: the same bytes.
        stream.options = {"crf": str(crf), "preset": "veryfast", "x264-params": "mbtree=0"}
        if display_rotation:
            stream.set_display_rotation(display_rotation)
        for index, image in enumerate(frames):
            frame = av.VideoFrame.from_image(image.resize((width, height)))
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


@functools.cache
def cctv_original() -> bytes:
    """The 2015 broadcast: the whole sequence at full size."""
    return encode_video(reference_frames(), width=WIDTH, height=HEIGHT, crf=23)


@functools.cache
def youtube_reupload() -> bytes:
    """The 2020 re-upload: the same footage, smaller and compressed harder."""
    return encode_video(reference_frames(), width=480, height=270, crf=30)


CLIP_START_SECONDS = 8
CLIP_SECONDS = 12


def _captioned(image: Image.Image) -> Image.Image:
    captioned = Image.new("RGB", (WIDTH, HEIGHT + 60), (250, 250, 250))
    captioned.paste(image, (0, 60))
    draw = ImageDraw.Draw(captioned)
    draw.rectangle([0, 0, WIDTH, 58], fill=(180, 0, 0))
    draw.text((16, 20), "BREAKING: state funeral for general Kim Yong Bok", fill=(255, 255, 255))
    return captioned


@functools.cache
def x_clip() -> bytes:
    """The 2024 post on X: 12 seconds cut from 0:08 of the footage, under a caption bar."""
    frames = list(reference_frames())
    start = CLIP_START_SECONDS * FPS
    clip = (_captioned(image) for image in frames[start : start + CLIP_SECONDS * FPS])
    return encode_video(clip, width=WIDTH // 2 * 2, height=(HEIGHT + 60) // 2 * 2, crf=28)


def still(seed: int, *, size: tuple[int, int] = (800, 600)) -> bytes:
    """A JPEG still for the demo's other claims."""
    buffer = io.BytesIO()
    _scene(seed, 0).resize(size).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
