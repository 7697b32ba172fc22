"""The feature index searched approximately (a large archive's) votes for the same photographs as
the exact scan, also for frames added after it was trained."""

import threading

import faiss
import numpy as np
import pytest
from PIL import Image

from media import archive_index
from media.archive_index import FeatureIndex
from media.services import local_features
from tests.media.pictures import crop, photo

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "camera", "immunohistochemistry", "clock")
# Cuts of each photograph stored as frames of their own: (left, top, right, bottom).
CUTS = ((0, 0, 0, 0), (0.3, 0, 0, 0.3), (0, 0.3, 0.3, 0), (0.15, 0.15, 0.15, 0.15))


def descriptors(picture: Image.Image) -> np.ndarray:
    return np.frombuffer(local_features.picture_descriptors(picture), np.uint8).reshape(-1, 32)


def most_voted(index: FeatureIndex, picture: Image.Image) -> list[int]:
    votes = index.votes(descriptors(picture))
    return sorted(votes, key=lambda frame: (-votes[frame], frame))[:3]


def query(name: str) -> Image.Image:
    """A deep crop, turned a little: no hash finds it, the feature index must."""
    turned = photo(name, width=480).rotate(7, Image.Resampling.BICUBIC)
    return crop(turned, 0.12, 0.2, 0.25, 0.1)


def archive(names) -> tuple[np.ndarray, np.ndarray]:
    """(frame ids, descriptors): frame id = photo number * 10 + cut number."""
    ids, rows = [], []
    for number, name in enumerate(names):
        for cut_number, cut in enumerate(CUTS):
            found = descriptors(crop(photo(name, width=480), *cut))
            ids.append(np.full(len(found), number * 10 + cut_number))
            rows.append(found)
    return np.concatenate(ids), np.concatenate(rows)


@pytest.fixture
def small_lists(monkeypatch):
    """About 1,400 lists of 4 for 5,600 descriptors, of which PROBED_LISTS are searched: a far
    smaller share of the index than a large archive's search reads."""
    monkeypatch.setattr(FeatureIndex, "approximate_from", 1000)
    monkeypatch.setattr(archive_index, "LIST_CODES", 4)


def test_approximate_votes_pick_the_photographs_the_exact_scan_picks(small_lists):
    frame_ids, rows = archive(PHOTOS)
    exact, approximate = FeatureIndex(), FeatureIndex()
    exact.approximate_from = len(rows) + 1
    exact.add(frame_ids, rows)
    approximate.add(frame_ids, rows)
    for number, name in enumerate(PHOTOS):
        queried = descriptors(query(name))
        expected, found = exact.votes(queried), approximate.votes(queried)
        assert isinstance(approximate._index, faiss.IndexBinaryIVF)
        assert approximate._index.nprobe < approximate._index.nlist
        best = max(expected, key=expected.get)
        assert best // 10 == number
        assert max(found, key=found.get) // 10 == number
        # Searching one list per descriptor loses about a tenth of these votes.
        assert found[best] >= 0.95 * expected[best]


def test_frames_added_after_training_are_found_and_growth_retrains(small_lists):
    frame_ids, rows = archive(PHOTOS[:4])
    index = FeatureIndex()
    index.add(frame_ids, rows)
    assert most_voted(index, query("astronaut"))[0] // 10 == 0
    trained = index._index
    later_ids, later_rows = archive(PHOTOS[4:])
    index.add(later_ids + 100, later_rows)
    # The index has grown by less than RETRAIN_GROWTH times: the new frames join its lists.
    assert most_voted(index, query("immunohistochemistry"))[0] // 10 == 11
    assert index._index is trained
    for repeat in range(1, archive_index.RETRAIN_GROWTH):
        index.add(frame_ids + 1000 * repeat, rows)
    index.votes(descriptors(query("clock")))
    index._retraining.join()
    assert index._index is not trained
    assert most_voted(index, query("clock"))[0] // 10 == 12


def test_a_retraining_leaves_the_index_answering_and_keeps_what_is_added_meanwhile(
    small_lists, monkeypatch
):
    """Training again at a million descriptors takes 5-7 s, 11-24 s at three: the lookup that
    found it due waited for it. Now the lists the index has answer meanwhile, and the frames
    added during the training are in the lists that replace them."""
    frame_ids, rows = archive(PHOTOS[:4])
    index = FeatureIndex()
    index.add(frame_ids, rows)
    index.train_if_due()
    trained = index._index
    release = threading.Event()
    trained_centroids = archive_index._trained_centroids

    def held_centroids(*arguments, **keywords):
        release.wait(timeout=10)
        return trained_centroids(*arguments, **keywords)

    monkeypatch.setattr(archive_index, "_trained_centroids", held_centroids)
    for repeat in range(1, archive_index.RETRAIN_GROWTH):
        index.add(frame_ids + 1000 * repeat, rows)
    assert most_voted(index, query("astronaut"))[0] // 10 == 0
    assert index._index is trained
    later_ids, later_rows = archive(PHOTOS[4:])
    index.add(later_ids + 100, later_rows)
    release.set()
    index._retraining.join()
    assert index._index is not trained
    assert index._index.ntotal == archive_index.RETRAIN_GROWTH * len(rows) + len(later_rows)
    assert most_voted(index, query("clock"))[0] // 10 == 12


@pytest.mark.parametrize("table_cells", [archive_index.VOTE_TABLE_CELLS, 7])
def test_a_descriptor_votes_once_a_frame_and_never_when_it_is_common(monkeypatch, table_cells):
    """Counted in one table or in many small ones (a large archive's), the same votes: one a
    frame however many of its codes are near, none from a descriptor near too many frames,
    and one for a frame added twice (an item put back into the archive)."""
    monkeypatch.setattr(archive_index, "VOTE_TABLE_CELLS", table_cells)
    rng = np.random.default_rng(3)
    distinct, common = rng.integers(0, 256, (2, 32), dtype=np.uint8)
    near_distinct = np.repeat(distinct[None], 3, axis=0)
    near_distinct[1, 0] ^= 1
    index = FeatureIndex()
    # Frame 7 holds three codes near the distinct descriptor, frame 8 one.
    index.add(np.array([7, 7, 7, 8]), np.vstack([near_distinct, distinct[None]]))
    # The common descriptor is in one more frame than may vote.
    generic = archive_index.GENERIC_FRAMES + 1
    index.add(np.arange(100, 100 + generic), np.repeat(common[None], generic, axis=0))
    index.add(np.array([8]), distinct[None])
    noise = rng.integers(0, 256, (40, 32), dtype=np.uint8)
    assert index.votes(np.vstack([noise, distinct, common, noise])) == {7: 1, 8: 1}
