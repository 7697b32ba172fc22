"""The edits re-uploads make, applied to real photographs (scikit-image's sample data)."""

import io
import random

import numpy as np
import skimage.data
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

# The photographs among scikit-image's bundled samples (no download needed). Of the stereo
# pair only the left image is used: the right one is the same scene, which is a true match.
PHOTOS = [
    "astronaut",
    "brick",
    "camera",
    "cell",
    "chelsea",
    "clock",
    "coffee",
    "coins",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "microaneurysms",
    "moon",
    "motorcycle_left",
    "page",
    "retina",
    "rocket",
    "text",
]


def photos() -> dict[str, Image.Image]:
    loaded = {}
    for name in PHOTOS:
        if name == "motorcycle_left":
            array = skimage.data.stereo_motorcycle()[0]
        else:
            array = getattr(skimage.data, name)()
        if array.ndim == 2:
            array = np.stack([array] * 3, axis=-1)
        loaded[name] = Image.fromarray(array[..., :3].astype(np.uint8)).convert("RGB")
    return loaded


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def crop(image: Image.Image, left: float, top: float, right: float, bottom: float):
    width, height = image.size
    return image.crop(
        (int(width * left), int(height * top), int(width * (1 - right)), int(height * (1 - bottom)))
    )


def caption(image: Image.Image) -> Image.Image:
    width, height = image.size
    bar = int(height * 0.2)
    framed = Image.new("RGB", (width, height + bar), "white")
    framed.paste(image, (0, bar))
    draw = ImageDraw.Draw(framed)
    headline = "BREAKING: this is what happened"
    draw.text((10, bar * 0.2), headline, fill="black", font=_font(bar // 3))
    return framed


def screenshot(image: Image.Image) -> Image.Image:
    """A phone screenshot of a post: dark app chrome with a status bar, a header and buttons."""
    width, height = image.size
    canvas_width, top, bottom = int(width * 1.15), int(height * 0.25), int(height * 0.3)
    framed = Image.new("RGB", (canvas_width, height + top + bottom), (24, 24, 28))
    framed.paste(image, ((canvas_width - width) // 2, top))
    draw = ImageDraw.Draw(framed)
    font = _font(max(10, top // 4))
    draw.text((10, 5), "9:41      87%", fill="white", font=font)
    draw.text((10, top // 2), "@newsaccount - 2h", fill=(200, 200, 200), font=font)
    draw.text((10, top + height + 10), "12.5K likes  3.1K shares", fill=(200, 200, 200), font=font)
    return framed


def watermark(image: Image.Image) -> Image.Image:
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    width, height = image.size
    font = _font(max(12, height // 10))
    draw.text((width * 0.05, height * 0.8), "(c) NEWSWIRE", fill=(255, 255, 255, 140), font=font)
    draw.text((width * 0.55, height * 0.05), "LIVE", fill=(255, 0, 0, 160), font=font)
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def combined(image: Image.Image) -> Image.Image:
    """Several at once, as a copy of a copy looks: cropped, mirrored, shrunk, captioned."""
    edited = ImageOps.mirror(crop(image, 0.05, 0.05, 0.05, 0.05))
    edited = edited.resize((int(image.width * 0.6), int(image.height * 0.6)))
    return jpeg(caption(edited), 50)


def transforms(seed: int = 7) -> dict:
    rng = random.Random(seed)
    return {
        "re-encode (JPEG q35)": lambda im: jpeg(im, 35),
        "resize (50%)": lambda im: im.resize((im.width // 2, im.height // 2), Image.BILINEAR),
        "crop 10% each side": lambda im: crop(im, 0.1, 0.1, 0.1, 0.1),
        "crop 10% top-left": lambda im: crop(im, 0.1, 0.1, 0, 0),
        "crop 10% right": lambda im: crop(im, 0, 0, 0.1, 0),
        "crop random (0-10% a side)": lambda im: crop(im, *(rng.uniform(0, 0.1) for _ in range(4))),
        "caption bar": caption,
        "screenshot frame": screenshot,
        "watermark": watermark,
        "mirror": ImageOps.mirror,
        "rotate 90": lambda im: im.rotate(90, expand=True),
        "grayscale": lambda im: ImageOps.grayscale(im).convert("RGB"),
        "blur": lambda im: im.filter(ImageFilter.GaussianBlur(max(1, im.width / 250))),
        "brightness +35%": lambda im: ImageEnhance.Brightness(im).enhance(1.35),
        "combined": combined,
    }
