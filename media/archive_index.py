"""The in-memory indexes that lookups search, one of each per worker process: of archive hashes
(HashIndex), of the hashes of lists other newsrooms shared (SharedHash rows, media without the
media), and of the local features of archive frames (FeatureIndex, a candidate stage for what no
hash finds; media.services.verified_lookups).

The hash index is an exact scan (faiss's flat binary index: XOR and popcount over 32-byte codes,
bounded by memory bandwidth) rather than an approximate index: near-duplicate PDQ hashes lie 30
to 60 bits apart, where multi-index hashing degenerates into a scan and graph indexes lose recall
on codes this uniform (measured in bench/media). A lookup asks at most two hashes per query
frame, so an image lookup is one pass over the archive. The feature index asks about 1000
descriptors per query picture, 1000 passes: an exact scan while the archive is small, an
approximate index (inverted lists of ORB descriptors, which cluster as PDQ hashes do not) once it
holds more than APPROXIMATE_FROM descriptors.

The indexes are never reloaded: each search first reads the ArchiveHash (ArchiveFeatures) rows
added since the last one (an indexed range on the primary key), so an item is searchable by every
worker as soon as its hashing commits. Ids taken by transactions still open at that moment are
remembered and asked for again, so a row committed out of id order is not skipped. Rows deleted
when an item leaves the archive or is hashed again stay in memory, and their hits are dropped
when they are resolved against the database; once the table has a quarter fewer rows than the
index read from it (a whole archive hashed again doubles it), the index is read afresh.
"""

import logging
import threading
import time
from collections.abc import Callable

import faiss
import numpy as np
from django.db import connection

from media.hashing import PDQ_BYTES
from media.models import ArchiveFeatures, ArchiveHash, SharedHash
from media.verification import DESCRIPTOR_BYTES

logger = logging.getLogger(__name__)

# How long an id skipped by the sequence is waited for: longer than any hashing transaction.
GAP_PATIENCE_SECONDS = 600
# How often an index counts its table's rows to see how many it holds that were deleted, and the
# share of them that has it read afresh (a count of a million rows takes tens of milliseconds; a
# fresh read of a million hashes a few seconds, paid by one lookup).
RECOUNT_SECONDS = 300
OUTGROWN_SHARE = 0.25
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
# Votes are counted in tables of this many (query descriptor, frame) cells at most, 4 bytes a
# cell: 16 MB, whatever the archive (a million descriptors are about 5,000 frames).
VOTE_TABLE_CELLS = 1 << 22
# Above this many descriptors (100 frames) the feature index is searched approximately: at 39k a
# vote cost 48 ms exact and 8 ms approximate on the slower machines bench/media/README.md ran
# on (241 and 13 ms at 204k), with the same photographs among the most voted for 39 of 40
# queries, and a video lookup votes once a keyframe; training takes well under a second there.
APPROXIMATE_FROM = 20_000
# The approximate index is trained again when it has grown this many times since it was last
# trained, so its lists stay balanced as what the archive holds changes.
RETRAIN_GROWTH = 4
# Lists of the approximate index: about LIST_CODES descriptors each when trained, at most
# MAX_LISTS (the query's descriptors are compared with every list's centroid, and training and
# assigning the archive to lists cost in proportion to their number).
LIST_CODES = 256
MAX_LISTS = 4096
# Descriptors a list's centroid is trained on, and rounds of training.
TRAINING_CODES_PER_LIST = 16
TRAINING_ROUNDS = 6
# Lists searched for each query descriptor, nearest centroids first.
PROBED_LISTS = 16


class _CodeIndex:
    """Binary codes of `code_bytes` each, with the id of the frame each belongs to, searched by
    Hamming radius (an exact scan; FeatureIndex replaces it with an approximate one at size)."""

    code_bytes: int

    def __init__(self) -> None:
        self._index = faiss.IndexBinaryFlat(self.code_bytes * 8)
        self._chunks: list[np.ndarray] = []
        self._labels = np.empty(0, dtype=np.int64)
        # Held to add codes and to take the labels of those added into the searched ones (and, in
        # a FeatureIndex, to read the codes for a training in the background).
        self._adding = threading.Lock()

    def __len__(self) -> int:
        return self._index.ntotal

    def train_if_due(self) -> None:
        """Prepare the index for searches at its size: an exact scan needs nothing."""

    def add(self, frame_ids: np.ndarray, codes: np.ndarray) -> None:
        """`frame_ids` has one id per code."""
        if not len(frame_ids):
            return
        codes = np.ascontiguousarray(codes, dtype=np.uint8)
        with self._adding:
            self._index.add(codes.reshape(-1, self.code_bytes))
            self._chunks.append(self._labelled(np.asarray(frame_ids, dtype=np.int64)))

    def _labelled(self, frame_ids: np.ndarray) -> np.ndarray:
        """What a hit on each of these codes reports: the frame id itself."""
        return frame_ids

    def _within(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, ...]:
        """(query rows, in order, labels, distances) of every code within `radius` bits of a
        query."""
        with self._adding:
            if self._chunks:
                self._labels = np.concatenate([self._labels, *self._chunks])
                self._chunks = []
        queries = np.ascontiguousarray(queries, dtype=np.uint8).reshape(-1, self.code_bytes)
        # faiss returns distances strictly below the radius it is given.
        limits, distances, positions = self._index.range_search(queries, radius + 1)
        rows = np.repeat(np.arange(len(queries)), np.diff(limits.astype(np.int64)))
        return rows, self._labels[positions], distances


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
        self._rows_read = 0
        self._counted_at = time.monotonic()

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
                    self._rows_read += added
                    return added

    def outgrown(self) -> bool:
        """Whether the table has OUTGROWN_SHARE fewer rows than were read from it (the rest
        deleted since), counted at most every RECOUNT_SECONDS."""
        now = time.monotonic()
        if now - self._counted_at < RECOUNT_SECONDS:
            return False
        self._counted_at = now
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {self._table}")
            (live,) = cursor.fetchone()
        return live < (1 - OUTGROWN_SHARE) * self._rows_read

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
    """A HashIndex kept up to date with a table of hashes: ArchiveHash, whose hits name archive
    frames, or SharedHash (`owner` "id"), whose hits name the shared hashes themselves."""

    def __init__(self, model=ArchiveHash, owner: str = "frame_id") -> None:
        super().__init__()
        self._feed = RowFeed(model._meta.db_table, f"{owner}, pdq_hash")

    def sync(self) -> int:
        """Load the rows committed since the last sync; returns how many were added."""
        return self._feed.read(self._add_rows)

    def outgrown(self) -> bool:
        return self._feed.outgrown()

    def _add_rows(self, rows: list[tuple]) -> None:
        self.add(
            np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)),
            np.frombuffer(b"".join(bytes(row[1]) for row in rows), dtype=np.uint8),
        )


def _trained_centroids(codes: np.ndarray, lists: int, rounds: int, seed: int) -> np.ndarray:
    """Binary centroids of `codes` by k-majority (k-means with Hamming distance, each centroid
    the bitwise majority of its codes). faiss's own training converts the codes to 256 floats
    and clusters those: 210 s on 200,000 random descriptors here, where this took 0.4 s on
    200,000 ORB descriptors (bench/media/README.md)."""
    rng = np.random.default_rng(seed)
    centroids = codes[rng.choice(len(codes), lists, replace=False)].copy()
    bits = np.unpackbits(codes, axis=1)
    for _ in range(rounds):
        nearest = faiss.IndexBinaryFlat(codes.shape[1] * 8)
        nearest.add(centroids)
        assigned = nearest.assign(codes, 1)[:, 0]
        order = np.argsort(assigned, kind="stable")
        assigned = assigned[order]
        starts = np.flatnonzero(np.r_[True, assigned[1:] != assigned[:-1]])
        ones = np.add.reduceat(bits[order], starts, axis=0, dtype=np.int32)
        sizes = np.diff(np.r_[starts, len(assigned)])
        # A centroid no code chose keeps its place; it is a list of nothing.
        centroids[assigned[starts]] = np.packbits(ones * 2 > sizes[:, None], axis=1)
    return centroids


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
    resolved against the database, as HashIndex's hits are.

    An exact scan up to `approximate_from` descriptors. From there on the first lookup trains an
    inverted-file index (faiss IndexBinaryIVF) on a sample of the descriptors it holds: each
    query descriptor is compared with the PROBED_LISTS lists whose centroids are nearest, so a
    neighbour within MATCH_DISTANCE that sits in another list is missed (about 5% of the right
    photograph's votes on bench/media's dev queries, which found the same photographs among the
    most voted in 119 of 120; bench/media/README.md), and a descriptor's frames may be
    undercounted against GENERIC_FRAMES. Descriptors added later join the trained lists; once
    the index has grown RETRAIN_GROWTH times, it is trained again in a thread of its own (5-7 s
    at a million descriptors, 11-24 s at three, measured there), the lookups meanwhile answered
    by the lists it has, and what was added during the training joins the new lists before they
    take over.
    """

    code_bytes = DESCRIPTOR_BYTES
    # A class attribute, so that tests can search small archives approximately.
    approximate_from = APPROXIMATE_FROM

    def __init__(self) -> None:
        super().__init__()
        self._trained_size = 0
        # The thread of the training in the background, once one has started.
        self._retraining: threading.Thread | None = None
        # Frames are numbered densely, in the order they were first added (a frame added again
        # keeps its number), so that votes are counted in tables a frame wide.
        self._frame_numbers: dict[int, int] = {}
        self._numbered_frames = np.empty(0, dtype=np.int64)

    def _labelled(self, frame_ids: np.ndarray) -> np.ndarray:
        """What a hit on each of these codes reports: its frame's number."""
        unique, inverse = np.unique(frame_ids, return_inverse=True)
        numbers = np.fromiter(
            (
                self._frame_numbers.setdefault(frame_id, len(self._frame_numbers))
                for frame_id in unique.tolist()
            ),
            dtype=np.int64,
            count=len(unique),
        )
        return numbers[inverse]

    def votes(self, queries: np.ndarray) -> dict[int, int]:
        """Frame id -> how many of the query descriptors voted for it."""
        if not len(self) or not len(queries):
            return {}
        self.train_if_due()
        rows, numbers, _ = self._within(queries, MATCH_DISTANCE)
        if not len(rows):
            return {}
        with self._adding:
            if len(self._numbered_frames) < len(self._frame_numbers):
                self._numbered_frames = np.fromiter(self._frame_numbers, dtype=np.int64)
        frames = len(self._numbered_frames)
        votes = np.zeros(frames, dtype=np.int64)
        # A query descriptor votes once a frame, however many of its codes are near: common
        # descriptors are near hundreds of thousands of codes of a large archive, where sorting
        # the (query row, frame) pairs to count each once took most of a lookup's time. A table
        # of a cell a pair, VOTE_TABLE_CELLS at a time, does it in one pass: the last hit written
        # to a cell stands for the pair.
        block = max(1, min(len(queries), VOTE_TABLE_CELLS // frames))
        bounds = np.searchsorted(rows, np.arange(0, len(queries) + block, block))
        for first_row, start, end in zip(
            range(0, len(queries), block), bounds[:-1], bounds[1:], strict=True
        ):
            if start == end:
                continue
            block_rows, voters = rows[start:end] - first_row, numbers[start:end]
            cells = block_rows * frames + voters
            hits = np.arange(end - start, dtype=np.int32)
            table = np.empty(block * frames, dtype=np.int32)
            table[cells] = hits
            once = table[cells] == hits
            block_rows, voters = block_rows[once], voters[once]
            near = np.bincount(block_rows, minlength=block)
            votes += np.bincount(voters[near[block_rows] <= GENERIC_FRAMES], minlength=frames)
        voted = np.flatnonzero(votes)
        return dict(zip(self._numbered_frames[voted].tolist(), votes[voted].tolist(), strict=True))

    def train_if_due(self) -> None:
        """Train an approximate index once the exact scan has grown past `approximate_from` (the
        caller waits: the exact scan would cost more, and a lookup worker does this as it
        starts), and again in the background once it has grown RETRAIN_GROWTH times since."""
        if not self._trained_size:
            if len(self) >= self.approximate_from:
                self.train()
            return
        with self._adding:
            retraining = self._retraining is not None and self._retraining.is_alive()
            if len(self) >= RETRAIN_GROWTH * self._trained_size and not retraining:
                self._retraining = threading.Thread(
                    target=self._retrain, name="feature-index-training", daemon=True
                )
                self._retraining.start()

    def train(self) -> None:
        """Replace the index with an approximate one trained on a sample of what it holds, and
        holding all of it; what is added later goes to the trained lists. Takes the time of
        training and of assigning every descriptor to a list (bench/media/README.md)."""
        with self._adding:
            self._replace(self._trained(self._index.reconstruct_n(0, len(self))))

    def _retrain(self) -> None:
        """`train`, with the index answering meanwhile: the codes added during the training
        join the new index before it replaces the current one."""
        try:
            with self._adding:
                codes = self._index.reconstruct_n(0, len(self))
            index = self._trained(codes)
            with self._adding:
                if len(self) > len(codes):
                    index.add(self._index.reconstruct_n(len(codes), len(self) - len(codes)))
                self._replace(index)
        except Exception:
            # The current index goes on answering; the next lookup tries again.
            logger.exception("training the feature index failed")

    def _trained(self, codes: np.ndarray) -> faiss.IndexBinaryIVF:
        """An approximate index trained on a sample of `codes` and holding them all (faiss's
        wrapper keeps its quantizer alive with it)."""
        lists = min(MAX_LISTS, max(1, 2 ** round(np.log2(len(codes) / LIST_CODES))))
        rng = np.random.default_rng(len(codes))
        chosen = rng.choice(len(codes), min(len(codes), lists * TRAINING_CODES_PER_LIST), False)
        sample = codes[chosen]
        quantizer = faiss.IndexBinaryFlat(self.code_bytes * 8)
        quantizer.add(_trained_centroids(sample, lists, TRAINING_ROUNDS, seed=len(codes)))
        index = faiss.IndexBinaryIVF(quantizer, self.code_bytes * 8, lists)
        index.nprobe = PROBED_LISTS
        # Positions in the new index are the old ones: codes are added in the same order.
        index.add(codes)
        return index

    def _replace(self, index: faiss.IndexBinaryIVF) -> None:
        """Search `index` from now on (a search under way finishes on the one it started on)."""
        self._index, self._trained_size = index, index.ntotal


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

    def outgrown(self) -> bool:
        return self._feed.outgrown()

    def _add_rows(self, rows: list[tuple]) -> None:
        joined = [bytes(row[1]) for row in rows]
        counts = [len(descriptors) // DESCRIPTOR_BYTES for descriptors in joined]
        self.add(
            np.repeat(np.fromiter((row[0] for row in rows), dtype=np.int64), counts),
            np.frombuffer(b"".join(joined), dtype=np.uint8),
        )


# This process's indexes, by kind; read by lookups, never by web processes. Each is brought up
# to date under its kind's lock: a lookup that asks while the warm-up (warm_process_indexes) is
# reading or training one waits for it, rather than reading or training it a second time.
_process_indexes: dict[str, ArchiveIndex | ArchiveFeatureIndex] = {}
_process_locks = {kind: threading.Lock() for kind in ("hashes", "shared", "features")}


def _process_index_of(kind: str, make: Callable[[], ArchiveIndex | ArchiveFeatureIndex]):
    """This process's index of `kind`, brought up to date and ready to search; read afresh when
    outgrown (see the module). Another thread may still search the index replaced: it is
    dropped after."""
    with _process_locks[kind]:
        index = _process_indexes.get(kind)
        if index is None:
            index = _process_indexes[kind] = make()
        index.sync()
        if index.outgrown():
            index = _process_indexes[kind] = make()
            index.sync()
        index.train_if_due()
        return index


def archive_index() -> ArchiveIndex:
    """This process's index of archive hashes, brought up to date."""
    return _process_index_of("hashes", ArchiveIndex)


def shared_hash_index() -> ArchiveIndex:
    """This process's index of the hashes of shared hash lists, brought up to date."""
    return _process_index_of("shared", lambda: ArchiveIndex(SharedHash, owner="id"))


def feature_index() -> ArchiveFeatureIndex:
    """This process's index of local features, brought up to date."""
    return _process_index_of("features", ArchiveFeatureIndex)


def reset_archive_index() -> None:
    """Forget the indexes, for a process whose database was replaced (tests)."""
    for kind, lock in _process_locks.items():
        with lock:
            _process_indexes.pop(kind, None)


def warm_process_indexes() -> None:
    """Read (and train) this process's indexes before a lookup needs them. A worker process
    that takes lookups does so as it starts (media.tasks): a first lookup or web image search
    would otherwise wait for the read, a few seconds at a million archive hashes, and for the
    feature index's training, 5-7 s at a million descriptors (bench/media/README.md), while a
    web request waits ARCHIVE_SEARCH_TIMEOUT_SECONDS (5) at most."""
    started = time.monotonic()
    hashes, shared, features = archive_index(), shared_hash_index(), feature_index()
    logger.info(
        "archive indexes read: %d hashes, %d shared hashes, %d feature descriptors in %.1f s",
        len(hashes),
        len(shared),
        len(features),
        time.monotonic() - started,
    )
