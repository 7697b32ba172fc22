"""The demo's synthetic videos, which tests and benchmarks make the same way."""

import itertools

import pytest

from media import demo_media


@pytest.mark.parametrize("size", [(480, 270), (360, 640)])
def test_the_same_frames_encode_to_the_same_bytes(size):
    """Tests and benchmarks compare what lookups find in videos made this way: made again,
    they are the same videos."""
    frames = list(itertools.islice(demo_media.reference_frames(), 60))
    encodings = {
        demo_media.encode_video(iter(frames), width=size[0], height=size[1], crf=26)
        for _ in range(5)
    }
    assert len(encodings) == 1
