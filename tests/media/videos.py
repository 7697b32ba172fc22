"""Short videos made from real photographs, and the re-uploads made of them, for the video tests.

Each scene slowly pans and zooms across one photograph, so that keyframes two seconds apart
differ and a clip's position can only be found from the pictures."""

import functools

from PIL import Image, ImageDraw, ImageFilter

from media.demo_media import encode_video
from tests.media.pictures import photo

FPS = 10
WIDTH, HEIGHT = 320, 180
SCENE_SECONDS = 5
SCENES = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry", "camera")


def _scene_frame(name: str, t: float) -> Image.Image:
    picture = photo(name, 640)
    # A window of 80% of the photograph, moving right and down and zooming in over the scene.
    progress = t / SCENE_SECONDS
    width = picture.width * (0.8 - 0.1 * progress)
    height = width * HEIGHT / WIDTH
    left = (picture.width - width) * progress
    top = (picture.height - height) * 0.5 * progress
    return picture.crop((round(left), round(top), round(left + width), round(top + height))).resize(
        (WIDTH, HEIGHT), Image.Resampling.BILINEAR
    )


@functools.cache
def reference_frames() -> tuple[Image.Image, ...]:
    return tuple(
        _scene_frame(name, index / FPS) for name in SCENES for index in range(SCENE_SECONDS * FPS)
    )


def encode(frames, size=(WIDTH, HEIGHT)) -> bytes:
    return encode_video(iter(frames), width=size[0], height=size[1], crf=26)


def encode_sideways(frames) -> bytes:
    """Stored a quarter turn counterclockwise, with the display matrix that turns it back (-90),
    as a phone stores a video it filmed upright in portrait."""
    return encode_video(
        (frame.transpose(Image.Transpose.ROTATE_90) for frame in frames),
        width=HEIGHT,
        height=WIDTH,
        crf=26,
        display_rotation=-90,
    )


def cut(frames, start: float, seconds: float):
    return frames[round(start * FPS) : round((start + seconds) * FPS)]


def cropped_with_caption(image: Image.Image, share: float = 0.04) -> Image.Image:
    """Cropped a few percent a side, a subtitle burned into the bottom of the picture."""
    width, height = image.size
    cropped = image.crop(
        (round(width * share), round(height * share), round(width * (1 - share)),
         round(height * (1 - share)))
    ).resize((width, height))  # fmt: skip
    ImageDraw.Draw(cropped).text(
        (12, height - 34), "state funeral today", fill="white", font_size=18, stroke_width=2,
        stroke_fill="black",
    )  # fmt: skip
    return cropped


def reframed(image: Image.Image) -> Image.Image:
    """9:16 with blurred copies of itself above and below, as TikTok and Douyin reframe."""
    width = 180
    height = 320
    background = image.resize((round(image.width * height / image.height), height)).crop(
        ((round(image.width * height / image.height) - width) // 2, 0,
         (round(image.width * height / image.height) + width) // 2, height)
    ).filter(ImageFilter.GaussianBlur(8))  # fmt: skip
    picture = image.resize((width, round(image.height * width / image.width)))
    background.paste(picture, (0, (height - picture.height) // 2))
    return background


def under_caption_block(image: Image.Image) -> Image.Image:
    """Cropped 4% a side again, under a white block of text reaching the edges (meme format)."""
    width, height = image.size
    cropped = image.crop(
        (round(width * 0.04), round(height * 0.04), round(width * 0.96), round(height * 0.96))
    )
    block = 48
    framed = Image.new("RGB", (cropped.width, cropped.height + block), "white")
    framed.paste(cropped, (0, block))
    ImageDraw.Draw(framed).text((-4, 6), "NOBODY IS TALKING ABOUT THIS", fill="black", font_size=22)
    return framed.resize((framed.width // 2 * 2, framed.height // 2 * 2))
