"""Hashing a picture: the uniform bands trimmed before its views are hashed, and the thumbnail
kept with each frame; a video's keyframes at its cuts."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from media import hashing
from tests.media import videos
from tests.media.pictures import (
    captioned,
    on_background,
    photo,
    stored_turned,
    with_damaged_exif,
)


def test_a_caption_bar_with_text_on_it_is_trimmed_to_the_picture():
    original = photo("coffee")
    trimmed = hashing.trim_borders(captioned(original))
    assert trimmed is not None
    assert trimmed.size == original.size


@pytest.mark.parametrize(("off", "depth"), [(11, 10), (12, 1)])
def test_a_band_is_within_twelve_levels_of_its_edge_lines_median(off, depth):
    """The median can fall between two levels: 100.5 here, so 89 and 112 are within and 88 and
    113 are not (and, alternating, no band of their own either)."""
    rgb = np.random.default_rng(3).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    rgb[0, :32], rgb[0, 32:] = 100, 101
    rgb[1:10, ::2], rgb[1:10, 1::2] = 100 - off, 101 + off
    trimmed = hashing.trim_borders(Image.fromarray(rgb))
    assert trimmed is not None
    assert trimmed.size == (64, 64 - depth)


def test_a_frames_thumbnail_is_made_at_its_own_size_not_from_the_views_smaller_copy():
    """Video verification extracts keypoints from the thumbnail: made from the views' 256-pixel
    copy, it had a fifth fewer pixels a side than its size said (a third fewer in all), and
    small pictures in a frame (on a background, in a 9:16 reframing) too few keypoints."""
    frame = hashing.hash_picture(photo("coffee", 640).resize((640, 360)))
    thumbnail = Image.open(io.BytesIO(frame.thumbnail))
    assert thumbnail.size == (hashing.THUMBNAIL_SIZE, 180)


def test_an_image_files_thumbnail_is_made_at_its_own_size_as_displayed():
    """The file's picture reached hashing already shrunk to the views' 256 pixels, so image
    thumbnails were smaller than video ones. Stored turned a quarter, the thumbnail is of the
    picture as displayed."""
    shown = photo("coffee", 640).resize((640, 360))
    (frame,) = hashing.hash_image(io.BytesIO(stored_turned(shown)))
    thumbnail = Image.open(io.BytesIO(frame.thumbnail))
    assert thumbnail.size == (hashing.THUMBNAIL_SIZE, 180)


def test_a_picture_whose_exif_block_is_damaged_is_hashed_as_stored():
    """Turning it for display raised SyntaxError out of the hashing job: the item stayed
    unsearchable with no reason given. Browsers show such a file as stored."""
    buffer = io.BytesIO()
    photo("coffee").save(buffer, "JPEG")
    (damaged,) = hashing.hash_image(io.BytesIO(with_damaged_exif(buffer.getvalue())))
    (intact,) = hashing.hash_image(buffer)
    assert (damaged.pdq, damaged.archive_hashes) == (intact.pdq, intact.archive_hashes)


def _cuts(data: bytes) -> list[float]:
    return [offset for offset, _, is_cut in hashing.keyframes(io.BytesIO(data)) if is_cut]


@pytest.mark.parametrize("start", [6.5, 6.0])
def test_a_video_marks_its_keyframes_at_cuts(start):
    """From 6.0 s the cut falls 4.0 s in, when a keyframe is due anyway: told from the spacing of
    keyframes (one sooner than MAX_KEYFRAME_INTERVAL after the last), it was not a cut."""
    clip = videos.encode(videos.cut(videos.reference_frames(), start, 8))
    assert _cuts(clip) == [pytest.approx(10 - start, abs=0.25)]


def test_cuts_of_footage_on_a_still_background_are_kept():
    """The picture is a fifth of the frame: a cut changed the whole frame by a fifth as much as
    the footage, under SCENE_CHANGE, and the clip's cuts were lost (so was its placement by
    them). Measured over what changes, they are the footage's own."""
    frames = [on_background(frame) for frame in videos.cut(videos.reference_frames(), 6.5, 8)]
    clip = videos.encode(frames, frames[0].size)
    assert _cuts(clip) == [pytest.approx(3.5, abs=0.25)]


def test_a_detail_moving_over_a_still_frame_is_not_a_cut():
    """A small region changing sharply (a ticker, a hand) is measured against the whole frame."""
    still = photo("camera", 320).resize((320, 180))
    frames = []
    for index in range(40):
        frame = still.copy()
        colour = "white" if index % 2 else "black"
        ImageDraw.Draw(frame).rectangle((10, 10, 60, 40), fill=colour)
        frames.append(frame)
    assert _cuts(videos.encode(frames)) == []


def test_a_fast_pan_over_a_detailed_picture_is_not_a_cut_at_every_frame():
    """The tests' astronaut shot pans fast: every frame differs from the last by 17-22 grey
    levels, over SCENE_CHANGE, and every frame was kept as a cut."""
    clip = videos.encode(videos.cut(videos.reference_frames(), 0.5, 4))
    assert _cuts(clip) == []
