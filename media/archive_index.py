"""The in-memory indexes that lookups search, one of each per worker process: of archive hashes
(HashIndex), and of the local features of archive frames (FeatureIndex, a candidate stage for
what no hash finds; media.services.verified_lookups).

An exact scan (faiss's flat binary index: XOR and popcount over 32-byte codes, bounded by memory
bandwidth) rather than an approximate index: near-duplicate PDQ hashes lie 30 to 60 bits apart,
where multi-index hashing degenerates into a scan and graph indexes lose recall on codes this
uniform (measured in bench/media). A lookup asks at most two hashes per query frame, so an image
lookup is one pass over the archive.

The indexes are never rebuilt: each search first reads the ArchiveHash (ArchiveFeatures) rows
added since the last one (an indexed range on the primary key), so an item is searchable by every
worker as soon as its hashing commits. Ids taken by transactions still open at that moment are
remembered and asked for again, so a row committed out of id order is not skipped. Rows deleted
when an item leaves the archive stay in memory until the process restarts; their hits are dropped
when they are resolved against the database.
"""

import threading
import time
from collections.abc import Callable

import faiss
import numpy as np
from django.db import connection

from media.hashing import PDQ_BYTES
from media.models import ArchiveFeatures, ArchiveHash
from media.verification import DESCRIPTOR_BYTES

# How long an id skipped by the sequence is waited for: longer than any hashing transaction.
GAP_PATIENCE_SECONDS = 600
# Rows read per query: 100,000 hashes are 3 MB, 5,000 frames' features 32 MB.
SYNC_BATCH = 100_000
FEATURES_SYNC_BATCH = 5_000
# A query descriptor votes for the archive frames with a descriptor within this many bits (of
# 256; random descriptors lie about 128 apart): 56 rather than 40 put the right photograph among
# the 3 most voted for a few more of bench/media/robust.py's dev queries (456 and 450 of 494, in
# a first trial with nearest-neighbour votes and 250 descriptors a frame).
MATCH_DISTANCE = 56
# A query descriptor that near more frames than this is too common to vote: a video's
# keyframes of one scene share most descriptors, so this is well above a scene's length.
GENERIC_FRAMES = 64


class _CodeIndex:
    """Binary codes of `code_bytes` each, with the id of the frame each belongs to, searched by
    Hamming radius (an exact scan)."""

    code_bytes: int

    def __init__(self) -> None:
        self._index = faiss.IndexBinaryFlat(self.code_bytes * 8)
        self._chunks: list[np.ndarray] = []
        self._frame_ids = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return self._index.ntotal

    def add(self, frame_ids: np.ndarray, codes: np.ndarray) -> None:
        """`frame_ids` has one id per code."""
        if not len(frame_ids):
            return
        codes = np.ascontiguousarray(codes, dtype=np.uint8)
        self._index.add(codes.reshape(-1, self.code_bytes))
        self._chunks.append(np.asarray(frame_ids, dtype=np.int64))

    def _within(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, ...]:
        """(query rows, frame ids, distances) of every code within `radius` bits of a query."""
        if self._chunks:
            self._frame_ids = np.concatenate([self._frame_ids, *self._chunks])
            self._chunks = []
        queries = np.ascontiguousarray(queries, dtype=np.uint8).reshape(-1, self.code_bytes)
        # faiss returns distances strictly below the radius it is given.
        limits, distances, positions = self._index.range_search(queries, radius + 1)
        rows = np.repeat(np.arange(len(queries)), np.diff(limits.astype(np.int64)))
        return rows, self._frame_ids[positions], distances


class HashIndex(_CodeIndex):
    """PDQ hashes with the id of the frame each belongs to, searched by Hamming radius."""

    code_bytes = PDQ_BYTES

    def search(self, queries: np.ndarray, radius: int) -> list[tuple[int, int, int]]:
        """(query row, frame id, distance) for every hash within `radius` bits of a query."""
        if not len(self) or not len(queries):
            return []
        rows, frame_ids, distances = self._within(queries, radius)
        return list(zip(rows.tolist(), frame_ids.tolist(), distances.tolist(), strict=True))


class RowFeed:
    """The rows of an archive table committed since the last read, in id order, with the ids a
    still-open transaction held back asked for again (see the module)."""

    def __init__(self, table: str, columns: str, batch: int = SYNC_BATCH) -> None:
        self._table = table
        self._columns = columns
        self._batch = batch
        self._last_id = 0
        self._gaps: dict[int, float] = {}
        self._lock = threading.Lock()

    def read(self, add: Callable[[list[tuple]], None]) -> int:
        """Pass the new rows (without their id) to `add`, in batches; returns how many."""
        with self._lock:
            now = time.monotonic()
            self._gaps = {
                row_id: seen
                for row_id, seen in self._gaps.items()
                if now - seen < GAP_PATIENCE_SECONDS
            }
            added = self._load(add, "id = ANY(%s)", list(self._gaps), now) if self._gaps else 0
            while True:
                loaded = self._load(add, "id > %s", self._last_id, now)
                added += loaded
                if loaded < self._batch:
                    return added

    def _load(self, add, condition: str, parameter, now: float) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {self._columns} FROM {self._table} "
                f"WHERE {condition} ORDER BY id LIMIT {self._batch}",
                [parameter],
            )
            rows = cursor.fetchall()
        if not rows:
            return 0
        ids = [row[0] for row in rows]
        add([row[1:] for row in rows])
        for row_id in ids:
            self._gaps.pop(row_id, None)
        if ids[-1] > self._last_id:
            missing = set(range(self._last_id + 1, ids[-1] + 1)).difference(ids)
            self._gaps.update(dict.fromkeys(missing, now))
            self._last_id = ids[-1]
        return len(rows)


class ArchiveIndex(HashIndex):
    """A HashIndex kept up to date with the ArchiveHash table."""

    def __init__(self) -> None:
        super().__init__()
        self._feed = RowFeed(ArchiveHash._meta.db_table, "frame_id, pdq_hash")

    def sync(self) -> int:
        """Load the rows committed since the last sync; returns how many were added."""
        return self._feed.read(self._add_rows)

    def _add_rows(self, rows: list[tuple]) -> None:
        self.add(
            np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)),
            np.frombuffer(b"".join(bytes(row[1]) for row in rows), dtype=np.uint8),
        )


class FeatureIndex(_CodeIndex):
    """Local-feature descriptors of archive frames (media.verification.strongest), searched for
    the frames that share many of a query's descriptors: a candidate stage that no crop,
    rotation or background defeats, since a keypoint inside what the query kept of a picture is
    described the same whatever was cut from around it.

    Each query descriptor votes once for every frame with a descriptor within MATCH_DISTANCE
    bits, unless it lies that near more than GENERIC_FRAMES frames (a descriptor of sky, grass or
    text, which says nothing about which picture it is in). A radius rather than a nearest
    neighbour: the copies a frame's descriptors leave in memory when its item is hashed again or
    leaves the archive cannot hide the current ones, and their votes are dropped when frames are
    resolved against the database, as HashIndex's hits are. An exact scan, like HashIndex
    (bench/media/README.md says what it costs as the archive grows).
    """

    code_bytes = DESCRIPTOR_BYTES

    def votes(self, queries: np.ndarray) -> dict[int, int]:
        """Frame id -> how many of the query descriptors voted for it."""
        if not len(self) or not len(queries):
            return {}
        rows, frame_ids, _ = self._within(queries, MATCH_DISTANCE)
        if not len(rows):
            return {}
        # One integer per (frame, query row) pair, deduplicated by sorting: common descriptors
        # are near hundreds of thousands of codes of a large archive, and np.unique took ten
        # times as long as a sort on these (and longer still on rows of two columns).
        pairs = np.sort(frame_ids * len(queries) + rows)
        pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]]
        rows = pairs % len(queries)
        frames = pairs[np.bincount(rows, minlength=len(queries))[rows] <= GENERIC_FRAMES]
        frames //= len(queries)
        if not len(frames):
            return {}
        starts = np.flatnonzero(np.r_[True, frames[1:] != frames[:-1]])
        counts = np.diff(np.r_[starts, len(frames)])
        return dict(zip(frames[starts].tolist(), counts.tolist(), strict=True))


class ArchiveFeatureIndex(FeatureIndex):
    """A FeatureIndex kept up to date with the ArchiveFeatures table."""

    def __init__(self) -> None:
        super().__init__()
        self._feed = RowFeed(
            ArchiveFeatures._meta.db_table, "frame_id, descriptors", FEATURES_SYNC_BATCH
        )

    def sync(self) -> int:
        """Load the frames committed since the last sync; returns how many were added."""
        return self._feed.read(self._add_rows)

    def _add_rows(self, rows: list[tuple]) -> None:
        joined = [bytes(row[1]) for row in rows]
        counts = [len(descriptors) // DESCRIPTOR_BYTES for descriptors in joined]
        self.add(
            np.repeat(np.fromiter((row[0] for row in rows), dtype=np.int64), counts),
            np.frombuffer(b"".join(joined), dtype=np.uint8),
        )


_process_index: ArchiveIndex | None = None
_process_features: ArchiveFeatureIndex | None = None
_process_lock = threading.Lock()


def archive_index() -> ArchiveIndex:
    """This process's index, brought up to date."""
    global _process_index
    with _process_lock:
        if _process_index is None:
            _process_index = ArchiveIndex()
    _process_index.sync()
    return _process_index


def feature_index() -> ArchiveFeatureIndex:
    """This process's index of local features, brought up to date."""
    global _process_features
    with _process_lock:
        if _process_features is None:
            _process_features = ArchiveFeatureIndex()
    _process_features.sync()
    return _process_features


def reset_archive_index() -> None:
    """Forget the indexes, for a process whose database was replaced (tests)."""
    global _process_index, _process_features
    with _process_lock:
        _process_index = None
        _process_features = None
