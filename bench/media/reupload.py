"""What re-uploads do to a picture beyond the edits of transforms.py: captions burned over it,
meme caption blocks, vertical reframing with blurred, mirrored or solid bands, deep crops,
rotation, perspective (a photo of a screen), a picture on a background or in a screen recording.

Every edit takes a random generator, so a seed fixes a whole set: the dev seed is used to tune,
the held-out seed only to report.
"""

import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from bench.media.transforms import jpeg

DEV_SEED = 7
HELD_OUT_SEED = 1009

WORDS = [
    "BREAKING",
    "they",
    "did",
    "not",
    "want",
    "you",
    "to",
    "see",
    "this",
    "footage",
    "the",
    "truth",
    "about",
    "what",
    "happened",
    "today",
]


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, size))


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def burned_caption(image: Image.Image, rng: random.Random) -> Image.Image:
    """A subtitle in white with a black outline over the lower part of the picture."""
    edited = image.copy()
    draw = ImageDraw.Draw(edited)
    size = int(image.height * rng.uniform(0.06, 0.1))
    font = _font(size)
    for line in range(2):
        y = image.height * (0.72 + 0.1 * line)
        draw.text(
            (image.width * 0.05, y),
            _sentence(rng, 6),
            fill="white",
            font=font,
            stroke_width=max(1, size // 12),
            stroke_fill="black",
        )
    return edited


def meme(image: Image.Image, rng: random.Random) -> Image.Image:
    """A caption block above (and sometimes below) whose text runs to the picture's edge."""
    width, height = image.size
    top = int(height * rng.uniform(0.15, 0.3))
    bottom = int(height * 0.15) if rng.random() < 0.5 else 0
    framed = Image.new("RGB", (width, height + top + bottom), "white")
    framed.paste(image, (0, top))
    draw = ImageDraw.Draw(framed)
    size = max(10, top // 3)
    for line in range(2):
        draw.text(
            (-size // 3, 4 + line * size * 1.1), _sentence(rng, 9), fill="black", font=_font(size)
        )
    if bottom:
        draw.text((2, top + height + 4), _sentence(rng, 8), fill="black", font=_font(size))
    return framed


def vertical(image: Image.Image, rng: random.Random, bands: str) -> Image.Image:
    """Reframed to 9:16 with the picture across the middle and bands above and below."""
    width = image.width
    height = int(width * 16 / 9)
    picture_height = min(image.height, int(height * 0.7))
    picture = image.resize((width, picture_height))
    if bands == "blurred":
        canvas = image.resize((int(height * image.width / image.height), height)).crop(
            (0, 0, width, height)
        )
        canvas = canvas.filter(ImageFilter.GaussianBlur(width / 30))
    elif bands == "mirrored":
        canvas = Image.new("RGB", (width, height))
    else:
        canvas = Image.new("RGB", (width, height), rng.choice(["black", "white", (20, 20, 20)]))
    top = (height - picture_height) // 2
    if bands == "mirrored":
        flipped = ImageOps.flip(picture)
        canvas.paste(flipped, (0, top - picture_height))
        canvas.paste(flipped, (0, top + picture_height))
    canvas.paste(picture, (0, top))
    return canvas


def deep_crop(image: Image.Image, rng: random.Random) -> Image.Image:
    width, height = image.size
    left, top, right, bottom = (rng.uniform(0, 0.25) for _ in range(4))
    return image.crop(
        (int(width * left), int(height * top), int(width * (1 - right)), int(height * (1 - bottom)))
    )


def rotation(image: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.uniform(4, 15) * rng.choice([-1, 1])
    return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=rng.random() < 0.5)


def perspective(image: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo of a screen: the picture as a quadrilateral on a dark surround, softened."""
    width, height = image.size
    jitter = lambda: rng.uniform(0.0, 0.12)  # noqa: E731
    # Where each corner of the output comes from in the picture, outside it for the surround.
    quad = (
        -width * jitter(), -height * jitter(),
        -width * jitter(), height * (1 + jitter()),
        width * (1 + jitter()), height * (1 + jitter()),
        width * (1 + jitter()), -height * jitter(),
    )  # fmt: skip
    shot = image.transform(image.size, Image.Transform.QUAD, quad, Image.Resampling.BICUBIC)
    shot = shot.filter(ImageFilter.GaussianBlur(0.8))
    return jpeg(shot, 70)


def on_background(image: Image.Image, rng: random.Random) -> Image.Image:
    """The picture shrunk onto a larger textured background (picture in picture)."""
    width, height = image.size
    noise = np.random.default_rng(rng.randrange(1 << 30)).integers(0, 255, (12, 16, 3))
    background = Image.fromarray(noise.astype(np.uint8)).resize(
        (int(width * 1.4), int(height * 1.4)), Image.Resampling.BICUBIC
    )
    scale = rng.uniform(0.5, 0.8)
    picture = image.resize((int(width * scale), int(height * scale)))
    x = rng.randrange(0, background.width - picture.width)
    y = rng.randrange(0, background.height - picture.height)
    background.paste(picture, (x, y))
    return background


def screen_recording(image: Image.Image, rng: random.Random) -> Image.Image:
    """A desktop screen recording: a browser window with tabs, a sidebar and the picture."""
    width, height = image.size
    canvas = Image.new("RGB", (int(width * 1.6), int(height * 1.5)), (242, 242, 245))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, canvas.width, int(height * 0.12)), fill=(53, 54, 58))
    draw.text((12, 8), "news - Browser   x   +", fill="white", font=_font(height // 28))
    sidebar = int(width * 0.35)
    for line in range(12):
        draw.text((10, height * (0.18 + line * 0.09)), _sentence(rng, 3), fill=(60, 60, 60),
                  font=_font(height // 30))  # fmt: skip
    x = sidebar + rng.randrange(0, int(width * 0.2))
    y = int(height * 0.18)
    canvas.paste(image, (x, y))
    return jpeg(canvas, 80)


def families() -> dict:
    """Edit families, each taking (picture, rng)."""
    return {
        "caption over picture": burned_caption,
        "meme caption block": meme,
        "9:16 blurred bands": lambda im, rng: vertical(im, rng, "blurred"),
        "9:16 mirrored bands": lambda im, rng: vertical(im, rng, "mirrored"),
        "9:16 solid bands": lambda im, rng: vertical(im, rng, "solid"),
        "crop up to 25% a side": deep_crop,
        "rotation 4-15 degrees": rotation,
        "perspective (photo of a screen)": perspective,
        "on a background": on_background,
        "screen recording": screen_recording,
    }
