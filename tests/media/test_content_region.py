"""Content regions of re-uploads: the picture between blurred or mirrored bands, under a meme's
caption block, on a background or turned on it, the footage that moves on a still background;
nothing from pictures with no such region."""

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from media import content_region, hashing
from tests.media import videos
from tests.media.pictures import on_background, photo, subtitled, vertical


def _closest(views: list[Image.Image], size: tuple[int, int]) -> Image.Image:
    return min(views, key=lambda view: abs(view.width - size[0]) + abs(view.height - size[1]))


@pytest.mark.parametrize("bands", ["blurred", "mirrored"])
def test_a_vertical_reframing_yields_the_picture_between_its_bands(bands):
    original = photo("chelsea")
    views = content_region.content_views(vertical(original, bands))
    assert views
    view = _closest(views, original.size)
    assert abs(view.height - original.height) <= 0.06 * original.height
    assert view.width == original.width


def test_a_meme_block_whose_text_reaches_the_edge_is_cut_off():
    original = photo("coffee")
    meme = Image.new("RGB", (original.width, original.height + 100), "white")
    meme.paste(original, (0, 100))
    ImageDraw.Draw(meme).text(
        (-8, 8), "NOBODY TALKS ABOUT THIS ONE " * 3, fill="black", font_size=36
    )
    view = _closest(content_region.content_views(meme), original.size)
    assert abs(view.height - original.height) <= 4


def test_a_picture_on_a_background_is_cut_out():
    original = photo()
    views = content_region.content_views(on_background(original))
    view = _closest(views, (240, 240))
    assert abs(view.width - 240) <= 12
    assert abs(view.height - 240) <= 12


def test_a_picture_off_centre_on_a_background_is_cut_out():
    """Most of the background's columns lie left of it: the middle third of the columns, which
    used to stand for the picture's sharpness, is mostly background."""
    original = photo("grass")
    views = content_region.content_views(on_background(original, 0.55, at=(0.8, 0.55)))
    view = _closest(views, (220, 220))
    assert abs(view.width - 220) <= 12
    assert abs(view.height - 220) <= 12


@pytest.mark.parametrize("at", [(0.3, 0.2), (0.05, 0.3), (0.6, 0.6)])
def test_a_low_contrast_picture_on_a_busy_background_is_cut_out_to_the_pixel(at):
    """scikit-image's microaneurysms (grey, soft) on smooth colours: no background colour to
    tell it by, and no sharper than what surrounds it, but its edges are straight steps. A
    pixel off, its view would hash as another picture."""
    pasted = on_background(photo("microaneurysms", width=102), at=at)
    left, top = round(102 * at[0]), round(102 * at[1])

    assert content_region.framed_region(np.asarray(pasted)) == (left, top, left + 61, top + 61)
    assert (61, 61) in [view.size for view in content_region.content_views(pasted)]


def test_straight_edges_inside_a_photograph_frame_no_box_of_it():
    """A page of text, a wall of bricks, a rocket on its tower: straight lines, none a frame."""
    for name in ("page", "brick", "text", "rocket", "camera"):
        assert content_region.framed_region(np.asarray(photo(name, width=256))) is None


def test_a_turned_picture_is_straightened():
    original = photo()
    turned = original.rotate(12, Image.Resampling.BICUBIC, expand=True)
    view = _closest(content_region.content_views(turned), original.size)
    assert view.size == pytest.approx(original.size, rel=0.05)
    # Turned back, it hashes as the picture does; turned, as an unrelated one.
    assert hashing.hamming(hashing.hash_picture(view).pdq, hashing.hash_picture(original).pdq) < 40
    assert (
        hashing.hamming(hashing.hash_picture(turned).pdq, hashing.hash_picture(original).pdq) > 80
    )


@pytest.mark.parametrize(
    "picture",
    [
        Image.new("RGB", (1, 1)),
        Image.new("RGB", (400, 300), "white"),
        Image.new("RGB", (30_000, 30), (10, 200, 10)),
        photo().resize((30_000, 30)),
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (600, 600, 3), np.uint8)),
    ],
    ids=["1x1", "blank", "strip", "photo-strip", "noise"],
)
def test_pictures_without_a_region_give_no_views_and_no_error(picture):
    assert content_region.content_views(picture) == []


def test_a_plain_photograph_gives_few_views_and_never_itself():
    """A soft background on one side passes for a band: a guess the verification settles, but
    each guess costs a search, so there are few."""
    for name in ("astronaut", "coffee", "camera", "rocket"):
        picture = photo(name)
        views = content_region.content_views(picture)
        assert len(views) <= 6  # one a finder at most
        assert all(view.size != picture.size for view in views)


@pytest.mark.parametrize("name", ["clock", "astronaut", "coffee"])
def test_subtitles_burned_over_a_picture_are_left_out_of_its_region(name):
    picture = subtitled(photo(name))
    left, top, right, bottom = content_region.subtitle_free_region(picture)
    # The first line is drawn from 0.72 of the height down, the second from 0.83.
    assert (left, top, right) == (0, 0, picture.width)
    assert 0.6 * picture.height < bottom < 0.8 * picture.height
    # Over the top of the picture, alike.
    upside_down = ImageOps.flip(picture)
    flipped = (0, picture.height - bottom, picture.width, picture.height)
    assert content_region.subtitle_free_region(upside_down) == pytest.approx(flipped, abs=3)


@pytest.mark.parametrize(
    "picture",
    [
        *(photo(name) for name in ("astronaut", "coffee", "camera", "rocket", "clock")),
        Image.new("RGB", (1, 1)),
        Image.new("RGB", (400, 300), "white"),
        Image.new("RGB", (30_000, 30), (10, 200, 10)),
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (600, 600, 3), np.uint8)),
    ],
    ids=["astronaut", "coffee", "camera", "rocket", "clock", "1x1", "blank", "strip", "noise"],
)
def test_pictures_without_subtitles_have_no_subtitle_free_region(picture):
    assert content_region.subtitle_free_region(picture) is None


def _keyframes(frames: list[Image.Image]) -> list[Image.Image]:
    return frames[:: videos.FPS * 2]


def test_the_region_that_moves_across_a_clip_is_the_footage_on_its_background():
    """A smooth, busy background that no single frame tells from a picture (content_views
    finds nothing close), still across the clip while the footage moves."""
    footage = videos.cut(videos.reference_frames(), 6.5, 12)
    box = content_region.moving_region(_keyframes([on_background(frame) for frame in footage]))
    # on_background puts the footage, at 0.6 of its size, 0.3 and 0.2 of it from the corner.
    expected = (96, 36, 96 + 192, 36 + 108)
    assert box is not None
    assert all(abs(side - at) <= 4 for side, at in zip(box, expected, strict=True))


def test_no_moving_region_in_footage_that_fills_the_frame_or_a_still_clip():
    footage = _keyframes(list(videos.cut(videos.reference_frames(), 6.5, 12)))
    assert content_region.moving_region(footage) is None
    assert content_region.moving_region([footage[0]] * 6) is None
    assert content_region.moving_region(footage[:2]) is None
