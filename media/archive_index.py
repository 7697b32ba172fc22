"""The in-memory index of archive hashes that lookups search, one per worker process.

An exact scan (faiss's flat binary index: XOR and popcount over 32-byte codes, bounded by memory
bandwidth) rather than an approximate index: near-duplicate PDQ hashes lie 30 to 60 bits apart,
where multi-index hashing degenerates into a scan and graph indexes lose recall on codes this
uniform (measured in bench/media). A lookup asks at most two hashes per query frame, so an image
lookup is one pass over the archive.

The index is never rebuilt: each search first reads the ArchiveHash rows added since the last one
(an indexed range on the primary key), so an item is searchable by every worker as soon as its
hashing commits. Ids taken by transactions still open at that moment are remembered and asked for
again, so a row committed out of id order is not skipped. Rows deleted when an item leaves the
archive stay in memory until the process restarts; their hits are dropped when they are resolved
against the database.
"""

import threading
import time

import faiss
import numpy as np
from django.db import connection

from media.hashing import PDQ_BYTES
from media.models import ArchiveHash

# How long an id skipped by the sequence is waited for: longer than any hashing transaction.
GAP_PATIENCE_SECONDS = 600
SYNC_BATCH = 100_000


class HashIndex:
    """PDQ hashes with the id of the frame each belongs to, searched by Hamming radius."""

    def __init__(self) -> None:
        self._index = faiss.IndexBinaryFlat(PDQ_BYTES * 8)
        self._chunks: list[np.ndarray] = []
        self._frame_ids = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return self._index.ntotal

    def add(self, frame_ids: np.ndarray, hashes: np.ndarray) -> None:
        if not len(frame_ids):
            return
        self._index.add(np.ascontiguousarray(hashes, dtype=np.uint8).reshape(-1, PDQ_BYTES))
        self._chunks.append(np.asarray(frame_ids, dtype=np.int64))

    def search(self, queries: np.ndarray, radius: int) -> list[tuple[int, int, int]]:
        """(query row, frame id, distance) for every hash within `radius` bits of a query."""
        if not len(self) or not len(queries):
            return []
        if self._chunks:
            self._frame_ids = np.concatenate([self._frame_ids, *self._chunks])
            self._chunks = []
        queries = np.ascontiguousarray(queries, dtype=np.uint8).reshape(-1, PDQ_BYTES)
        # faiss returns distances strictly below the radius it is given.
        limits, distances, positions = self._index.range_search(queries, radius + 1)
        rows = np.repeat(np.arange(len(queries)), np.diff(limits.astype(np.int64)))
        return list(
            zip(
                rows.tolist(),
                self._frame_ids[positions].tolist(),
                distances.tolist(),
                strict=True,
            )
        )


class ArchiveIndex(HashIndex):
    """A HashIndex kept up to date with the ArchiveHash table."""

    def __init__(self) -> None:
        super().__init__()
        self._last_id = 0
        self._gaps: dict[int, float] = {}
        self._lock = threading.Lock()

    def sync(self) -> int:
        """Load the rows committed since the last sync; returns how many were added."""
        with self._lock:
            now = time.monotonic()
            self._gaps = {
                row_id: seen
                for row_id, seen in self._gaps.items()
                if now - seen < GAP_PATIENCE_SECONDS
            }
            added = self._load("id = ANY(%s)", list(self._gaps), now) if self._gaps else 0
            while True:
                loaded = self._load("id > %s", self._last_id, now)
                added += loaded
                if loaded < SYNC_BATCH:
                    return added

    def _load(self, condition: str, parameter, now: float) -> int:
        table = ArchiveHash._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, frame_id, pdq_hash FROM {table} "
                f"WHERE {condition} ORDER BY id LIMIT {SYNC_BATCH}",
                [parameter],
            )
            rows = cursor.fetchall()
        if not rows:
            return 0
        ids = [row[0] for row in rows]
        self.add(
            np.fromiter((row[1] for row in rows), dtype=np.int64, count=len(rows)),
            np.frombuffer(b"".join(bytes(row[2]) for row in rows), dtype=np.uint8),
        )
        for row_id in ids:
            self._gaps.pop(row_id, None)
        if ids[-1] > self._last_id:
            missing = set(range(self._last_id + 1, ids[-1] + 1)).difference(ids)
            self._gaps.update(dict.fromkeys(missing, now))
            self._last_id = ids[-1]
        return len(rows)


_process_index: ArchiveIndex | None = None
_process_lock = threading.Lock()


def archive_index() -> ArchiveIndex:
    """This process's index, brought up to date."""
    global _process_index
    with _process_lock:
        if _process_index is None:
            _process_index = ArchiveIndex()
    _process_index.sync()
    return _process_index


def reset_archive_index() -> None:
    """Forget the index, for a process whose database was replaced (tests)."""
    global _process_index
    with _process_lock:
        _process_index = None
