"""Small real photographs (scikit-image's bundled samples, no download) and the edits
re-uploads make to them, shared by the media tests."""

import functools
import io

import numpy as np
import skimage.data
from PIL import ExifTags, Image, ImageDraw, ImageFilter, ImageOps


@functools.cache
def _photo(name: str) -> Image.Image:
    array = getattr(skimage.data, name)()
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    return Image.fromarray(array[..., :3].astype(np.uint8)).convert("RGB")


def photo(name: str = "astronaut", width: int = 400) -> Image.Image:
    image = _photo(name)
    return image.resize((width, round(image.height * width / image.width)))


def crop(image: Image.Image, left: float, top: float, right: float, bottom: float):
    width, height = image.size
    return image.crop(
        (
            round(width * left),
            round(height * top),
            round(width * (1 - right)),
            round(height * (1 - bottom)),
        )
    )


def vertical(image: Image.Image, bands: str) -> Image.Image:
    """Reframed to 9:16: the picture across the middle, bands above and below."""
    width = image.width
    height = round(width * 16 / 9)
    top = (height - image.height) // 2
    if bands == "blurred":
        canvas = image.resize((round(height * width / image.height), height)).crop(
            (0, 0, width, height)
        )
        canvas = canvas.filter(ImageFilter.GaussianBlur(width / 30))
    else:
        canvas = Image.new("RGB", (width, height))
        flipped = ImageOps.flip(image)
        canvas.paste(flipped, (0, top - image.height))
        canvas.paste(flipped, (0, top + image.height))
    canvas.paste(image, (0, top))
    return canvas


def on_background(
    image: Image.Image, scale: float = 0.6, at: tuple[float, float] = (0.3, 0.2)
) -> Image.Image:
    """Shrunk onto a larger, smooth but not uniform background, its corner `at` these shares
    of the picture's own width and height."""
    noise = np.random.default_rng(3).integers(0, 255, (8, 10, 3)).astype(np.uint8)
    background = Image.fromarray(noise).resize(
        (round(image.width * 1.4), round(image.height * 1.4)), Image.Resampling.BICUBIC
    )
    small = image.resize((round(image.width * scale), round(image.height * scale)))
    background.paste(small, (round(image.width * at[0]), round(image.height * at[1])))
    return background


def photo_of_screen(image: Image.Image) -> Image.Image:
    width, height = image.size
    # Where each corner of the shot comes from: the top of the screen is further from the phone.
    quad = (-0.18 * width, -0.04 * height, 0.02 * width, 1.04 * height,
            0.98 * width, 1.02 * height, 1.16 * width, -0.06 * height)  # fmt: skip
    return image.transform(image.size, Image.Transform.QUAD, quad, Image.Resampling.BICUBIC)


def captioned(image: Image.Image) -> Image.Image:
    """A headline bar above the picture, as a news post frames it."""
    bar = image.height // 5
    framed = Image.new("RGB", (image.width, image.height + bar), "white")
    framed.paste(image, (0, bar))
    ImageDraw.Draw(framed).text(
        (10, bar // 5), "BREAKING: this is what happened", fill="black", font_size=bar // 3
    )
    return framed


def subtitled(
    image: Image.Image,
    lines: tuple[str, ...] = ("the truth about what happened", "they did not tell you this"),
) -> Image.Image:
    """Lines of subtitles burned over the lower part of the picture, white letters outlined in
    black: the strongest corners of the copy are the letters'."""
    edited = image.copy()
    draw = ImageDraw.Draw(edited)
    size = image.height // 12
    for line, words in enumerate(lines):
        draw.text(
            (image.width // 20, image.height * (0.72 + 0.11 * line)),
            words,
            fill="white",
            font_size=size,
            stroke_width=max(1, size // 12),
            stroke_fill="black",
        )
    return edited


def in_screen_recording(image: Image.Image) -> Image.Image:
    """Shown at its size in a recorded browser window: a dark tab bar, and lines of text in a
    sidebar beside it."""
    width, height = image.size
    canvas = Image.new("RGB", (round(width * 1.6), round(height * 1.5)), (242, 242, 245))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, canvas.width, round(height * 0.12)), fill=(53, 54, 58))
    draw.text((8, 4), "news - Browser   x   +", fill="white", font_size=max(8, height // 20))
    for line in range(12):
        draw.text(
            (8, height * (0.18 + line * 0.09)),
            "they did not want you to see",
            fill=(60, 60, 60),
            font_size=max(8, height // 22),
        )
    canvas.paste(image, (round(width * 0.5), round(height * 0.18)))
    return canvas


def with_damaged_exif(jpeg: bytes) -> bytes:
    """The JPEG with an EXIF block whose TIFF header is garbage after its start of image."""
    payload = b"Exif\x00\x00" + b"not a TIFF header" * 4
    segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    return jpeg[:2] + segment + jpeg[2:]


def stored_turned(shown: Image.Image) -> bytes:
    """A JPEG that stores the picture turned a quarter, with the EXIF orientation (6) that
    displays it as `shown`, as phones store their portrait photos."""
    tags = Image.Exif()
    tags[ExifTags.Base.Orientation] = 6
    buffer = io.BytesIO()
    shown.transpose(Image.Transpose.ROTATE_90).save(buffer, "JPEG", quality=90, exif=tags)
    return buffer.getvalue()
