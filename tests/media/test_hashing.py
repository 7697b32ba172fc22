"""Hashing a picture: the uniform bands trimmed before its views are hashed."""

from media import hashing
from tests.media.pictures import captioned, photo


def test_a_caption_bar_with_text_on_it_is_trimmed_to_the_picture():
    original = photo("coffee")
    trimmed = hashing.trim_borders(captioned(original))
    assert trimmed is not None
    assert trimmed.size == original.size
