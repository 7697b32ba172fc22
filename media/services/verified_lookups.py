"""Archive lookups in two stages: perceptual-hash candidates, then geometric verification.

Stage one is the hash search every lookup did (media.services.lookups.archive_search), plus the
same search with extra query views: the content regions media.content_region finds (the picture
between blurred or mirrored bands, under a meme's caption block, on a background, turned back
upright; for a video, what moves across its keyframes), plus the archive items that share the
most local features with the query (the feature index, media.archive_index.FeatureIndex), which
finds what every view misses: deep crops, turned pictures without a background to straighten
them by, busy backgrounds. Stage two verifies candidates with local features
(media.verification) and records what was done to the archive picture.

What is kept:
- a hash match within the suggest distance of the query's own hashes, verified or not (a flat
  picture has no keypoints to verify with, and these matches were right before verification);
  the transform is attached when it verifies;
- a match found through an extra view within VIEW_MATCH_DISTANCE, verified or not, as a plain
  PDQ match at that distance would be: a small or flat picture inside a screen recording or
  between bands has too few keypoints to verify, and its view's hash is as telling as its own;
- any other match found only through an extra view, further out (up to VERIFY_RADIUS), or
  through the feature index, only when it verifies: a view is a guess at where the picture is,
  votes of a few descriptors are a guess at what it is, and a guess must not add a wrong match.

Verification (at most MAX_VERIFIED candidates a lookup) uses the keypoints each frame stored at
hashing (`MediaFrame.verification_features`): reading a candidate's picture again and extracting
its features was two thirds of a verification's time. A frame stored before them, until
extract_features has filled them, is verified from its picture as before: the item's file for an
image (decoded at reduced size, a JPEG in draft mode), the frame's 320-pixel thumbnail for a
video. The query's own features are taken once a lookup (verification.QueryPicture): its
strongest keypoints (those its hashing stored, for the keyframes it votes with), those of its
mirror image, those spread over it (burned-in subtitles take the strongest) and, for a video
with footage on a still background, those of that footage enlarged; each is verified only when
the ones before it were not.

A video match says where in the archive video the clip lies: where the clip's cuts lie on the
reference's (CUT_SEARCH_SECONDS) when it has any, else between the reference's keyframes, by how
the camera moved from one to the next (PLACEMENT_STEP).
"""

import logging
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
from django.conf import settings
from PIL import Image

from media import content_region, hashing, verification
from media.archive_index import FeatureIndex, feature_index
from media.models import MediaFrame, MediaItem

# Modules: media.services.lookups calls this one from its lookup job.
from media.services import local_features, lookups

logger = logging.getLogger(__name__)

# Candidates verified per lookup, closest first: bounds a lookup's time whatever the archive.
MAX_VERIFIED = 8
# Candidates that must verify to be kept are searched this far: a rotation, a deep crop or a
# photo of a screen leaves the hash 65-90 bits from its original, where unrelated photographs
# also lie (88 and up in bench/media), so only verification can tell them apart. Random hashes
# lie this close about once in a million, which keeps the candidates of a large archive few.
VERIFY_RADIUS = 84
# A view's hash this close to an archive frame's is a match by itself: the distance at which
# PDQ's authors call two pictures the same (and bench/media/robust.py's plain PDQ baseline).
VIEW_MATCH_DISTANCE = 31
# Pairs of frames tried per video candidate: the query keyframes nearest the pair that made it a
# candidate, then keyframes spread over the rest of the clip, at the same alignment: a crop of a
# flat photograph (scikit-image's cell in bench/media/video.py) has no keyframe that verifies
# near its candidate pair, and one in the next shot, 5 s away, that does (113 inliers).
PAIRS_TRIED = 3
PAIRS_SPREAD = 2
# The feature index's candidates: items one of whose frames got this many votes from a query
# frame's descriptors, the most voted few. In a first trial on bench/media/robust.py's dev set
# the right photograph was among the 3 most voted for 451 of 494 queries, while unrelated ones
# collected up to 30 votes (a texture, a page of text): votes choose what to verify, never what
# to keep. A picture small on a busy background collects few votes, and the background's
# texture many for other items: LabelMe's q0122 on a background, in bench/media/robust.py's
# real photographs, was fourth or fifth most voted, and verifies. Five more verifications are
# at most five of MAX_VERIFIED.
MIN_VOTES = 5
FEATURE_CANDIDATES = 5
# A video match is first placed by the offsets of one pair of keyframes whose hashes or
# descriptors agree, and within one shot that pair can be a neighbour's: a slow pan and zoom over
# a picture makes a crop of one moment look like a crop of another (bench/media/video.py placed
# deep crops and reframings 2-8 s off, and verification's inliers favour the wider frame, not the
# right one). Shot cuts are what pins a clip down: where the clip has cuts (keyframes hashing kept
# at a scene change, MediaFrame.is_cut), it is moved to the shift within CUT_SEARCH_SECONDS that
# lays the most of its cuts on the reference's, each within CUT_TOLERANCE_SECONDS (a cut is seen
# a frame or two late, hashing skipping frames nothing refers to), less the cuts either side has
# that the other lacks over the clip's span. 12 s: a shot of 15-20 s can hold a first placement
# most of a 12 s clip off (bench/media/video.py had one 8.2 s early).
CUT_SEARCH_SECONDS = 12.0
CUT_TOLERANCE_SECONDS = 0.25
# A shift is taken only when the shots its cut pairs start (or else end) verify (shots of equal
# length fit one shot later as well): the first (or last) few keyframes of each, at most
# CUT_VERIFICATIONS pairs a match each way.
CUT_SHOT_KEYFRAMES = 2
CUT_VERIFICATIONS = 16
# A clip without a cut is placed by a pair of keyframes, and keyframes are up to
# hashing.MAX_KEYFRAME_INTERVAL apart: a query frame shown between two of the reference's was
# placed on one or the other, a second or more off (bench/media/video.py: a plain cut 1.1 s,
# 9:16 mirrored bands 1.5 s). How the camera moved between the keyframe the match verified with
# and its neighbours (the homography of their keypoints, up to PATH_KEYFRAMES each way within
# the shot) says where in between: at the moment whose frame, its corners interpolated between
# theirs, is centred where the middle of what the query shows lies in the keyframe. The middle,
# not the size: a crop changes how much the query shows and hardly where its middle is, and a
# zoom changes only the size, so that a still shot or a zoom leaves the match where it was. In
# steps of PLACEMENT_STEP seconds.
PLACEMENT_STEP = 0.1
PATH_KEYFRAMES = 2
# Centres this close (a fraction of the frame's sides) are as good as each other: keypoints place
# a homography's corners to a few pixels.
PLACEMENT_TOLERANCE = 0.005
# Content views and feature votes cost tens of milliseconds a keyframe (40-75 ms on the machines
# bench/media/video.py ran on), unlike the hash search, which takes every keyframe at once: a
# longer query takes them from this many keyframes spread evenly over it (a 12 s clip has 6-8, a
# minute 30-40), so that a ten-minute upload's lookup does not take a minute.
SEARCHED_KEYFRAMES = 32


@dataclass(frozen=True)
class QueryView:
    """Hashes of a content region of a query frame, searched like a frame's own."""

    offset_seconds: float
    query_hashes: bytes


@dataclass(frozen=True)
class VerifiedMatch:
    match: "lookups.ArchiveMatch"
    transform: verification.Transform | None
    # (query offset, reference keyframe's offset) of the pair of frames the transform is of.
    verified_pair: tuple[float, float] | None = field(default=None, compare=False)


class _Pictures:
    """Pictures of frames, read once per lookup."""

    def __init__(self) -> None:
        self._items: dict[tuple[int, int], Image.Image | None] = {}

    def get(self, item: MediaItem, frame: MediaFrame | None) -> Image.Image | None:
        if item.kind == MediaItem.Kind.IMAGE:
            return self.image(item)
        if frame is None:
            return None
        return local_features.thumbnail_picture(bytes(frame.thumbnail))

    def image(self, item: MediaItem, side: int = verification.FEATURE_SIDE) -> Image.Image | None:
        """An image item's picture decoded for features at `side`."""
        if (item.pk, side) not in self._items:
            self._items[item.pk, side] = local_features.item_picture(item, side)
        return self._items[item.pk, side]


def _stored(
    frame: MediaFrame | None, column: str, size: tuple[int, int] | None
) -> verification.Features | None:
    """The keypoints a frame stored in `column`; None when it stored none (NULL) or another
    version of the format wrote them: the picture still answers."""
    data = None if frame is None else getattr(frame, column)
    if data is None:
        return None
    try:
        return verification.decoded(bytes(data), size)
    except ValueError as error:
        logger.warning("frame %s: stored %s unreadable: %s", frame.pk, column, error)
        return None


def _stored_keypoints(
    frames: list[MediaFrame], size: tuple[int, int] | None
) -> dict[int, verification.Features]:
    """By frame id, the keypoints these frames stored of their own pictures, read in one query
    (a lookup defers the column): hashing extracted them from the picture a lookup reads, so the
    query's votes need not extract them again (2-5 ms an image's, 1-2 a video keyframe's). Frames
    that stored none or unreadable ones are left out; their pictures still answer."""
    found = {}
    for frame in MediaFrame.objects.filter(pk__in=[frame.pk for frame in frames]).only(
        "verification_features"
    ):
        features = _stored(frame, "verification_features", size)
        if features is not None and features.descriptors is not None:
            found[frame.pk] = features
    return found


class _References:
    """Frames' features, read once per lookup: stored with their frame, or extracted from the
    picture of a frame stored before them."""

    def __init__(self, pictures: _Pictures) -> None:
        self._pictures = pictures
        self._features: dict[tuple[int, int | None], verification.Features | None] = {}
        self._finer: dict[tuple[int, int | None], verification.Features | None] = {}

    def get(self, item: MediaItem, frame: MediaFrame | None) -> verification.Features | None:
        key = (item.pk, None if frame is None else frame.pk)
        if key not in self._features:
            self._features[key] = self._read(item, frame)
        return self._features[key]

    def finer(
        self, item: MediaItem, frame: MediaFrame | None
    ) -> Callable[[], verification.Features | None]:
        """What reads a frame's finer keypoints when verification first asks for them (a
        candidate's, or the query's own): a video candidate's are asked for once for every pair
        of frames it is tried with."""
        key = (item.pk, None if frame is None else frame.pk)

        def read() -> verification.Features | None:
            if key not in self._finer:
                self._finer[key] = self._read_finer(item, frame)
            return self._finer[key]

        return read

    def _read(self, item: MediaItem, frame: MediaFrame | None) -> verification.Features | None:
        size = local_features.original_size(item)
        stored = _stored(frame, "verification_features", size)
        if stored is not None:
            return stored
        picture = self._pictures.get(item, frame)
        return None if picture is None else verification.features(picture, size)

    def _read_finer(
        self, item: MediaItem, frame: MediaFrame | None
    ) -> verification.Features | None:
        """Stored with the frame, or extracted from an image's file for a frame stored before
        them; a video frame has none."""
        size = local_features.original_size(item)
        stored = _stored(frame, "finer_features", size)
        if stored is not None or item.kind != MediaItem.Kind.IMAGE:
            return stored
        picture = self._pictures.image(item, verification.FINE_SIDE)
        return None if picture is None else verification.finer_features(picture, size)


def query_views(
    pictures: dict[float, Image.Image],
    searched: dict[float, bytes] | None = None,
    moving: content_region.Box | None = None,
) -> list[QueryView]:
    """The content-region views of each query frame, hashed as queries (their query hashes
    alone); for a video, first the region that moves across its keyframes (`moving`). A hash is
    searched once a frame: views of one picture often hash alike (a box cut on both axes and on
    one alone), and a view barely smaller than the picture like the picture, whose own hashes
    (`searched`, by offset) are searched already."""
    views = []
    for offset, picture in pictures.items():
        seen = set(hashing.split_hashes((searched or {}).get(offset, b"")))
        regions = content_region.content_views(picture)
        if moving is not None:
            regions.insert(0, picture.crop(moving))
        for view in regions:
            hashed = hashing.query_hashes(view)
            if hashed is None:
                continue
            new = [h for h in hashing.split_hashes(hashed) if h not in seen]
            seen.update(new)
            if new:
                views.append(QueryView(offset_seconds=offset, query_hashes=b"".join(new)))
    return views


def _hash_distance(query_hashes: bytes, archive_hashes: bytes) -> int:
    """The least distance between a query frame's hashes and an archive frame's."""
    if not query_hashes or not archive_hashes:
        return hashing.PDQ_BYTES * 8
    queries = np.frombuffer(query_hashes, np.uint8).reshape(-1, 1, hashing.PDQ_BYTES)
    archive = np.frombuffer(archive_hashes, np.uint8).reshape(1, -1, hashing.PDQ_BYTES)
    return int(np.unpackbits(queries ^ archive, axis=2).sum(axis=2).min())


def feature_votes(
    index: FeatureIndex, query_pictures: dict[float, verification.QueryPicture]
) -> dict[float, dict[int, int]]:
    """By query offset, the archive frames its picture's local features vote for (frame id ->
    votes). No database: it runs beside the rest of stage one (archive_search_verified)."""
    return {
        offset: index.votes(local_features.query_descriptors(query))
        for offset, query in query_pictures.items()
    }


def feature_candidates(
    frames: list[MediaFrame],
    votes_by_offset: dict[float, dict[int, int]],
    *,
    exclude_item_id: int | None = None,
) -> list["lookups.ArchiveMatch"]:
    """The archive items whose frames share the most local features with the query's frames
    (`feature_votes`), most voted first: candidates that must verify. Their distance is the
    least between their hashes, for the record; it found nothing."""
    # (query offset, archive frame, votes) for every pair with enough votes.
    pairs = [
        (offset, frame_id, votes)
        for offset, votes_of_frames in votes_by_offset.items()
        for frame_id, votes in votes_of_frames.items()
        if votes >= MIN_VOTES
    ]
    if not pairs:
        return []
    archived = {
        frame_id: (item_id, offset, bytes(archive_hashes))
        for frame_id, item_id, offset, archive_hashes in MediaFrame.objects.filter(
            pk__in={frame_id for _, frame_id, _ in pairs},
            media_item__in_archive=True,
            media_item__status=MediaItem.Status.READY,
        )
        .exclude(media_item_id=exclude_item_id)
        .values_list("id", "media_item_id", "offset_seconds", "archive_hashes")
    }
    # As archive_search aligns a clip: the pairs vote, by their votes, for the difference of
    # their offsets; neighbouring keyframes of one shot share descriptors, so the single most
    # voted pair may sit a second or two off. (item, alignment bin) -> [votes, best pair].
    bins: dict[tuple[int, int], list] = {}
    for query_offset, frame_id, votes in pairs:
        if frame_id not in archived:
            continue
        item_id, matched_offset, archive_hashes = archived[frame_id]
        key = (item_id, lookups.alignment_bin(query_offset, matched_offset))
        pair = (votes, query_offset, matched_offset, archive_hashes)
        entry = bins.setdefault(key, [0, pair])
        entry[0] += votes
        if votes > entry[1][0]:
            entry[1] = pair
    # Item -> (total votes, its best pair) at its best alignment.
    best: dict[int, tuple[int, tuple]] = {}
    for (item_id, _), (total, pair) in bins.items():
        if item_id not in best or total > best[item_id][0]:
            best[item_id] = (total, pair)
    query_hashes = {frame.offset_seconds: bytes(frame.query_hashes) for frame in frames}
    chosen = sorted(best.items(), key=lambda entry: (-entry[1][0], entry[0]))[:FEATURE_CANDIDATES]
    return [
        lookups.ArchiveMatch(
            media_item_id=item_id,
            distance=_hash_distance(query_hashes.get(query_offset, b""), archive_hashes),
            query_offset_seconds=query_offset,
            matched_offset_seconds=matched_offset,
            frames_share=round(1 / len(frames), 3),
            is_strong=False,
        )
        for item_id, (_, (_, query_offset, matched_offset, archive_hashes)) in chosen
    ]


def _frame_near(item: MediaItem, offset: float) -> MediaFrame | None:
    """The item's keyframe nearest to `offset` (keyframes are at most two seconds apart); an
    image's one frame whatever the offset, as its picture is the same at every offset."""
    if item.kind == MediaItem.Kind.IMAGE:
        return item.frames.first()
    window = MediaFrame.objects.filter(
        media_item_id=item.pk, offset_seconds__gte=offset - 2, offset_seconds__lte=offset + 2
    )
    return min(window, key=lambda frame: abs(frame.offset_seconds - offset), default=None)


def _first_verified(
    match: "lookups.ArchiveMatch",
    pairs,
    matched_item: MediaItem,
    query_pictures: dict[float, verification.QueryPicture],
    references: _References,
) -> VerifiedMatch | None:
    """The match verified by the first of `pairs` (query offset, frame of `matched_item`) that
    verifies; None when none does or no picture is left to verify with."""
    for query_offset, frame in pairs:
        reference = references.get(matched_item, frame)
        if reference is None:
            continue
        found = verification.verify_query(
            query_pictures[query_offset], reference, finer=references.finer(matched_item, frame)
        )
        if found is not None:
            # An image's picture verifies without a frame, as it is the same at every offset.
            pair = None if frame is None else (query_offset, frame.offset_seconds)
            return VerifiedMatch(match, found, pair)
    return None


def _cut_aligned(
    found: VerifiedMatch,
    matched_item: MediaItem,
    query_pictures: dict[float, verification.QueryPicture],
    query_cuts: list[float],
    references: _References,
) -> VerifiedMatch:
    """The match moved to where its clip's cuts (the offsets of its keyframes that are cuts) lie
    on the reference's (CUT_SEARCH_SECONDS), with the transform that confirmed it; as it was
    when the clip has no cut, or no shift that fits its cuts is confirmed by verification."""
    match = found.match
    query_offsets = sorted(query_pictures)
    if not query_cuts:
        return found
    shift = match.matched_offset_seconds - match.query_offset_seconds
    duration = query_offsets[-1]
    reference_frames = {
        frame.offset_seconds: frame
        for frame in MediaFrame.objects.filter(
            media_item_id=matched_item.pk,
            offset_seconds__gte=shift - CUT_SEARCH_SECONDS - hashing.MAX_KEYFRAME_INTERVAL,
            offset_seconds__lte=shift + duration + CUT_SEARCH_SECONDS,
        )
    }
    reference_offsets = sorted(reference_frames)
    reference_cuts = [offset for offset in reference_offsets if reference_frames[offset].is_cut]

    def laid(cut: float, candidate: float) -> float | None:
        """The reference's cut the clip's `cut` lies on at shift `candidate`, if any."""
        near = [
            other
            for other in reference_cuts
            if abs(cut + candidate - other) <= CUT_TOLERANCE_SECONDS
        ]
        return min(near, key=lambda other: abs(cut + candidate - other), default=None)

    def fit(candidate: float) -> int:
        pairs = sum(laid(cut, candidate) is not None for cut in query_cuts)
        # The reference's cuts inside the clip's span that no cut of the clip lies on.
        unmatched = sum(
            candidate < other < candidate + duration
            and all(abs(cut + candidate - other) > CUT_TOLERANCE_SECONDS for cut in query_cuts)
            for other in reference_cuts
        )
        return 2 * pairs - len(query_cuts) - unmatched

    candidates = {
        other - cut
        for cut in query_cuts
        for other in reference_cuts
        if abs(other - cut - shift) <= CUT_SEARCH_SECONDS
    }

    def starting(offsets: list[float], cuts: list[float], cut: float) -> list[float]:
        """The first keyframes of the shot a cut starts, up to the next cut."""
        end = min((later for later in cuts if later > cut), default=float("inf"))
        return [offset for offset in offsets if cut <= offset < end][:CUT_SHOT_KEYFRAMES]

    def ending(offsets: list[float], cuts: list[float], cut: float) -> list[float]:
        """The last keyframes before a cut, nearest first: of the shot the cut ends."""
        return [offset for offset in offsets if offset < cut][::-1][:CUT_SHOT_KEYFRAMES]

    scored = sorted(
        ((fit(candidate), candidate) for candidate in candidates),
        key=lambda scored: (-scored[0], abs(scored[1] - shift)),
    )

    def first_laid(candidate: float) -> tuple[float, float]:
        """(the clip's cut, the reference's) of the first cut that lies on one at `candidate`."""
        return next(
            (cut, other) for cut in query_cuts if (other := laid(cut, candidate)) is not None
        )

    # A shift that fits scores 1 or more: at least one of its cuts lies on one.
    laid_cuts = [first_laid(candidate) for score, candidate in scored if score >= 1]
    # Each shift is confirmed at its first laid cut: by the shots the two cuts start (a cut's
    # own keyframe may be too soft or plain to verify, its shot's others are not), and when no
    # shift is, by the shots they end, as one side of a cut can be a picture too flat or small
    # to verify (a tiny photograph) where the other is not. CUT_VERIFICATIONS pairs each way.
    for shot in (starting, ending):
        verifications = 0
        for cut, other in laid_cuts:
            pairs = [
                (query_offset, reference_frames[reference_offset])
                for query_offset in shot(query_offsets, query_cuts, cut)
                for reference_offset in shot(reference_offsets, reference_cuts, other)
            ][: CUT_VERIFICATIONS - verifications]
            verifications += len(pairs)
            moved = replace(match, query_offset_seconds=cut, matched_offset_seconds=other)
            confirmed = _first_verified(moved, pairs, matched_item, query_pictures, references)
            if confirmed is not None:
                return confirmed
    return found


_FRAME_CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


def _centre(corners: np.ndarray) -> np.ndarray:
    """Where the middle of a frame lies, given where its corners do: where the diagonals cross,
    which a homography keeps (the corners' mean it does not: a reframing's bands, fitted by the
    picture between them, lean their far corners)."""
    (x1, y1), (x2, y2), (x3, y3), (x4, y4) = corners
    # The diagonals top left-bottom right and top right-bottom left, crossing at a share of each.
    across = (x3 - x1) * (y2 - y4) - (y3 - y1) * (x2 - x4)
    if abs(across) < 1e-12:
        return corners.mean(axis=0)
    share = ((x2 - x1) * (y2 - y4) - (y2 - y1) * (x2 - x4)) / across
    return corners[0] + share * (corners[2] - corners[0])


def _shown_in(
    query: verification.QueryPicture, reference: verification.Features
) -> np.ndarray | None:
    """The corners of what a query picture shows of a reference (its region when it has one, the
    footage on a still background; else all of it), in the reference's fractions; None when no
    keypoints of it (its own, its mirror image's, those spread over it) fit one."""
    shown = query.region_query() if query.region is not None else query
    for mirrored, spread in ((False, False), (True, False), (False, True)):
        corners = verification.corners_in(
            shown.features(mirrored=mirrored, spread=spread), reference
        )
        if corners is not None:
            return corners
    return None


def _placed_between(
    found: VerifiedMatch,
    matched_item: MediaItem,
    query_pictures: dict[float, verification.QueryPicture],
    references: _References,
) -> VerifiedMatch:
    """The match moved to where between the reference's keyframes its query frame lies (see
    PLACEMENT_STEP); as it was when it did not verify, or when no neighbour of the keyframe it
    verified with shows the same shot."""
    if found.verified_pair is None:
        return found
    query_offset, matched_offset = found.verified_pair
    reach = 2 * hashing.MAX_KEYFRAME_INTERVAL
    window = {
        frame.offset_seconds: frame
        for frame in MediaFrame.objects.filter(
            media_item_id=matched_item.pk,
            offset_seconds__gte=matched_offset - reach,
            offset_seconds__lte=matched_offset + reach,
        )
    }
    keyframe = window.get(matched_offset)
    features = None if keyframe is None else references.get(matched_item, keyframe)
    if features is None:
        return found
    # The keyframe's neighbours in its shot, up to PATH_KEYFRAMES each way, in its fractions.
    path = {matched_offset: _FRAME_CORNERS}
    offsets = sorted(window)
    at = offsets.index(matched_offset)
    for side in (offsets[at + 1 :], offsets[:at][::-1]):
        for offset in side[:PATH_KEYFRAMES]:
            neighbour = references.get(matched_item, window[offset])
            corners = None if neighbour is None else verification.corners_in(neighbour, features)
            if corners is None:
                break
            path[offset] = corners
    shown = None if len(path) == 1 else _shown_in(query_pictures[query_offset], features)
    if shown is None:
        return found
    centre = _centre(shown)
    offsets = sorted(path)

    def off_centre(moment: float) -> float:
        moment = min(max(moment, offsets[0]), offsets[-1])
        later = next(offset for offset in offsets[1:] if moment <= offset)
        earlier = offsets[offsets.index(later) - 1]
        share = (moment - earlier) / (later - earlier)
        corners = (1 - share) * path[earlier] + share * path[later]
        return float(np.linalg.norm(_centre(corners) - centre))

    moments = [
        matched_offset + step * PLACEMENT_STEP
        for step in range(
            math.ceil((offsets[0] - matched_offset) / PLACEMENT_STEP),
            math.floor((offsets[-1] - matched_offset) / PLACEMENT_STEP) + 1,
        )
    ]
    scores = {moment: off_centre(moment) for moment in moments}
    # The nearest of the moments as good as the best: a still shot stays on its keyframe.
    least = min(scores.values())
    best = min(
        (moment for moment, score in scores.items() if score <= least + PLACEMENT_TOLERANCE),
        key=lambda moment: abs(moment - matched_offset),
    )
    moved = replace(
        found.match, query_offset_seconds=query_offset, matched_offset_seconds=round(best, 3)
    )
    return replace(found, match=moved)


def _within_shot(
    found: VerifiedMatch, matched_item: MediaItem, query_offsets: list[float]
) -> VerifiedMatch:
    """A match of a clip without a cut moved, the least it takes, to lie within the shot of the
    reference its matched moment is in (between the reference's cuts around it): one shot of
    the clip is one shot of its source. A zoom confounds a crop at any moment of the shot, and
    placed by keyframes alone a cropped, subtitled clip cut at a shot's start had its first
    seconds on the shot before (bench/media/video.py's seed case, 1.4 s early). As it was when
    it lies within the shot already, or is longer than it (a cut of the clip was missed)."""
    match = found.match
    shift = match.matched_offset_seconds - match.query_offset_seconds
    cuts = MediaFrame.objects.filter(media_item_id=matched_item.pk, is_cut=True)
    start = (
        cuts.filter(offset_seconds__lte=match.matched_offset_seconds)
        .order_by("-offset_seconds")
        .values_list("offset_seconds", flat=True)
        .first()
    )
    end = (
        cuts.filter(offset_seconds__gt=match.matched_offset_seconds)
        .order_by("offset_seconds")
        .values_list("offset_seconds", flat=True)
        .first()
    )
    earliest = -math.inf if start is None else start - query_offsets[0]
    latest = math.inf if end is None else end - query_offsets[-1]
    if earliest > latest or earliest <= shift <= latest:
        return found
    moved = min(max(shift, earliest), latest)
    return replace(
        found,
        match=replace(match, matched_offset_seconds=round(match.query_offset_seconds + moved, 3)),
    )


def _match_transform(
    match: "lookups.ArchiveMatch",
    matched_item: MediaItem,
    query_pictures: dict[float, verification.QueryPicture],
    references: _References,
) -> VerifiedMatch:
    """The match verified by its pair of frames; for a video, by the first of a few pairs at
    the match's alignment that verifies (one keyframe may be a blur, a cut or flat)."""
    alignment = match.matched_offset_seconds - match.query_offset_seconds
    nearest = sorted(query_pictures, key=lambda offset: abs(offset - match.query_offset_seconds))
    tried = nearest[:PAIRS_TRIED] + _spread_evenly(sorted(nearest[PAIRS_TRIED:]), PAIRS_SPREAD)
    pairs = (
        (query_offset, _frame_near(matched_item, query_offset + alignment))
        for query_offset in tried
    )
    verified = _first_verified(match, pairs, matched_item, query_pictures, references)
    return VerifiedMatch(match, None) if verified is None else verified


def _beyond_hashes(
    further: list["lookups.ArchiveMatch"],
    by_views: list["lookups.ArchiveMatch"],
    found_ids: set[int],
) -> tuple[dict[int, "lookups.ArchiveMatch"], set[int]]:
    """The items the query's hashes found further out or its views found, and not within the
    suggest distance (`found_ids`): each item's closest match, and the items a view's hash found
    within VIEW_MATCH_DISTANCE."""
    to_verify: dict[int, lookups.ArchiveMatch] = {}
    close_by_view: set[int] = set()
    for matches, of_views in ((further, False), (by_views, True)):
        for match in matches:
            if match.media_item_id not in found_ids:
                current = to_verify.get(match.media_item_id)
                if current is None or match.distance < current.distance:
                    to_verify[match.media_item_id] = match
                if of_views and match.distance <= VIEW_MATCH_DISTANCE:
                    close_by_view.add(match.media_item_id)
    return to_verify, close_by_view


def _kept_by_view(
    by_view: list["lookups.ArchiveMatch"],
    close_by_view: set[int],
    verify: Callable[["lookups.ArchiveMatch"], VerifiedMatch],
    kept: dict[int, VerifiedMatch] | None = None,
) -> list[VerifiedMatch]:
    """The candidates no close hash found, verified in order. An item is kept once: at its first
    alignment that verifies, else, when a view's hash was close, unverified at the first.
    `kept`: what earlier candidates kept (item id -> match), added to."""
    kept = {} if kept is None else kept
    for match in by_view:
        current = kept.get(match.media_item_id)
        if current is not None and current.transform is not None:
            continue
        found = verify(match)
        if found.transform is not None or (
            current is None and match.media_item_id in close_by_view
        ):
            kept[match.media_item_id] = found
    return list(kept.values())


def _items(matches: list["lookups.ArchiveMatch"]) -> dict[int, MediaItem]:
    """The matched archive items by id."""
    return {
        matched.pk: matched
        for matched in MediaItem.objects.filter(pk__in=[match.media_item_id for match in matches])
    }


def _aligned_alike(match: "lookups.ArchiveMatch", other: "lookups.ArchiveMatch | None") -> bool:
    """Whether two matches of an item lay the query at the same place in it (an image's
    always do)."""
    return other is not None and lookups.alignment_bin(
        match.query_offset_seconds, match.matched_offset_seconds
    ) == lookups.alignment_bin(other.query_offset_seconds, other.matched_offset_seconds)


def _spread_evenly(offsets: list[float], most: int) -> list[float]:
    """At most `most` of the sorted offsets, first and last included, evenly spread."""
    if len(offsets) <= most:
        return offsets
    step = (len(offsets) - 1) / (most - 1)
    return [offsets[round(index * step)] for index in range(most)]


def archive_search_verified(item: MediaItem, frames: list[MediaFrame]) -> list[VerifiedMatch]:
    """The archive matches of an item (its `frames`), verified where its pictures allow (see
    the module)."""
    if not frames:
        return []
    pictures = _Pictures()
    references = _References(pictures)
    frame_pictures = {
        frame.offset_seconds: (picture, frame)
        for frame in frames
        if (picture := pictures.get(item, frame)) is not None
    }
    searched = _spread_evenly(list(frame_pictures), SEARCHED_KEYFRAMES)
    searched_pictures = {offset: frame_pictures[offset][0] for offset in searched}
    moving = content_region.moving_region(list(searched_pictures.values()))
    size = local_features.original_size(item)
    stored = _stored_keypoints([frame_pictures[offset][1] for offset in searched], size)
    query_pictures = {
        offset: verification.QueryPicture(
            picture,
            size,
            moving,
            finer=references.finer(item, frame),
            features=stored.get(frame.pk),
        )
        for offset, (picture, frame) in frame_pictures.items()
    }
    # The query's local features and their votes take about as long as its views and their hash
    # searches, and neither needs the other: they are found in another thread meanwhile (OpenCV,
    # faiss and NumPy let go of the interpreter), which keeps the database to this one. The
    # candidates the hashes found are verified meanwhile too, those the votes find after them.
    index = feature_index()
    candidates: dict[int, MediaItem] = {}
    verified_count = 0

    def verify(match: lookups.ArchiveMatch) -> VerifiedMatch:
        nonlocal verified_count
        if verified_count >= MAX_VERIFIED:
            return VerifiedMatch(match, None)
        verified_count += 1
        return _match_transform(match, candidates[match.media_item_id], query_pictures, references)

    kept_by_view: dict[int, VerifiedMatch] = {}
    with ThreadPoolExecutor(max_workers=1) as voter:
        voting = voter.submit(
            feature_votes, index, {offset: query_pictures[offset] for offset in searched}
        )
        # The query's own hashes within the suggest distance, and further out, then its views:
        # each item once, closest first.
        by_hash, further = lookups.archive_searches(
            frames, (settings.LOOKUP_SUGGEST_DISTANCE, VERIFY_RADIUS), exclude_item_id=item.pk
        )
        own_hashes = {frame.offset_seconds: bytes(frame.query_hashes) for frame in frames}
        views = query_views(searched_pictures, own_hashes, moving)
        by_views = lookups.archive_search(views, exclude_item_id=item.pk, radius=VERIFY_RADIUS)
        found_ids = {match.media_item_id for match in by_hash}
        to_verify, close_by_view = _beyond_hashes(further, by_views, found_ids)
        by_view = sorted(to_verify.values(), key=lambda match: match.distance)
        candidates.update(_items([*by_hash, *by_view]))
        results = [verify(match) for match in by_hash]
        _kept_by_view(by_view, close_by_view, verify, kept_by_view)
        votes_by_offset = voting.result()
    # Then what the local features find that no hash did, most voted first; and a clip a view's
    # hash found at another alignment: a weak hit on a look-alike moment of the clip hid where its
    # keypoints agreed (bench/media/video.py, the cell turned by a few degrees: a view 80 bits
    # from the moon's shot of the same video, which did not verify, and no match).
    by_votes = [
        match
        for match in feature_candidates(frames, votes_by_offset, exclude_item_id=item.pk)
        if match.media_item_id not in found_ids
        and not _aligned_alike(match, to_verify.get(match.media_item_id))
    ]
    candidates.update(
        _items([match for match in by_votes if match.media_item_id not in candidates])
    )
    results += _kept_by_view(by_votes, close_by_view, verify, kept_by_view)
    if item.kind != MediaItem.Kind.VIDEO:
        return results
    query_cuts = sorted(frame.offset_seconds for frame in frames if frame.is_cut)
    placed = []
    for found in results:
        matched = candidates[found.match.media_item_id]
        if matched.kind == MediaItem.Kind.VIDEO:
            aligned = _cut_aligned(found, matched, query_pictures, query_cuts, references)
            # A cut pins a clip down to a frame or two; without one, its keyframes only to
            # theirs, which are seconds apart.
            if aligned is not found:
                found = aligned
            else:
                found = _placed_between(found, matched, query_pictures, references)
                if not query_cuts:
                    found = _within_shot(found, matched, sorted(query_pictures))
        placed.append(found)
    return placed
