"""A lookup's content views are hashed as queries and nothing more, and no hash of a frame is
searched twice: views of one picture often hash alike, and like the picture itself."""

from PIL import Image

from media import content_region, hashing
from media.services import verified_lookups
from tests.media.pictures import captioned, on_background, photo, vertical


def test_a_frames_view_hashes_are_searched_once_and_not_its_own_again():
    picture = captioned(photo("rocket"))
    own = hashing.hash_picture(picture.copy()).query_hashes
    every_view = [
        hashed
        for view in content_region.content_views(picture)
        if (hashed := hashing.query_hashes(view)) is not None
    ]
    views = verified_lookups.query_views({0.0: picture}, {0.0: own})
    searched = [h for view in views for h in hashing.split_hashes(view.query_hashes)]
    assert len(searched) == len(set(searched))
    assert not set(searched) & set(hashing.split_hashes(own))
    # Only repeats were left out: this picture's views repeat a hash and two of its own.
    assert set(searched) | set(hashing.split_hashes(own)) == {
        h for hashed in [own, *every_view] for h in hashing.split_hashes(hashed)
    }
    assert len(searched) < sum(len(hashed) for hashed in every_view) // hashing.PDQ_BYTES


def test_query_hashes_are_the_query_hashes_of_the_whole_hashing():
    for picture in (
        photo("astronaut"),
        captioned(photo("coffee")),
        on_background(photo("chelsea")),
        vertical(photo("rocket"), "blurred"),
    ):
        assert hashing.query_hashes(picture) == hashing.hash_picture(picture).query_hashes


def test_a_flat_view_has_no_query_hashes():
    assert hashing.query_hashes(Image.new("RGB", (200, 150), "grey")) is None
