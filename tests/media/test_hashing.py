"""Hashing a picture: the uniform bands trimmed before its views are hashed, and the thumbnail
kept with each frame."""

import io

from PIL import Image

from media import hashing
from tests.media.pictures import captioned, photo


def test_a_caption_bar_with_text_on_it_is_trimmed_to_the_picture():
    original = photo("coffee")
    trimmed = hashing.trim_borders(captioned(original))
    assert trimmed is not None
    assert trimmed.size == original.size


def test_a_frames_thumbnail_is_made_at_its_own_size_not_from_the_views_smaller_copy():
    """Video verification extracts keypoints from the thumbnail: made from the views' 256-pixel
    copy, it had a fifth fewer pixels a side than its size said (a third fewer in all), and
    small pictures in a frame (on a background, in a 9:16 reframing) too few keypoints."""
    frame = hashing.hash_picture(photo("coffee", 640).resize((640, 360)))
    thumbnail = Image.open(io.BytesIO(frame.thumbnail))
    assert thumbnail.size == (hashing.THUMBNAIL_SIZE, 180)
