"""Geometric verification of a candidate match with local features, and what was done to it.

A perceptual hash says two pictures look alike as wholes; it cannot say that the query is the
archive picture rotated by 12 degrees, cropped to its middle half, or photographed off a screen,
and it cannot tell a close look-alike from the same picture. Local features can: ORB keypoints
of both pictures are matched by descriptor, and RANSAC looks for one homography most of the
matches agree on. A candidate is accepted only when enough matches (inliers) agree; the
homography then says where the query's picture lies in the reference (the crop), at what scale
and rotation, and whether it was mirrored or seen in perspective.

An archive picture's features are extracted once, when it is hashed, and stored with its frame
(`encoded`, `decoded`): a lookup extracts only its query's, and verifies each candidate against
what its frame stored, as it would against the picture. A large image also stores finer ones
(FINE_SIDE), which a deep crop of it is verified with when nothing coarser verified it, and a
small one its keypoints enlarged (SMALL_SIDE), which its copies and thumbnails are.

ORB rather than SIFT: a tenth of the time per picture (a few milliseconds at 480 pixels), binary
descriptors matched by Hamming distance, and rotation invariance, which the edits need. It is not
mirror invariant, so a mirrored query is tried once more, flipped, when the first try fails.

Everything a stranger's picture can make expensive is bounded before extraction: pictures are
shrunk to FEATURE_SIDE, keypoints capped at MAX_KEYPOINTS (a picture of noise yields no more
than a photograph), and RANSAC's iterations are capped. Flat pictures (blank, one colour, 1x1, a
30,000x30 strip shrunk to a line) yield too few keypoints and are reported unverifiable, never an
error.
"""

import math
import struct
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import IO

import cv2
import numpy as np
from PIL import Image

from media import content_region, hashing

# Longest side features are extracted at: enough for a 25% crop of the reference to keep
# hundreds of keypoints, small enough to cost a few milliseconds.
FEATURE_SIDE = 480
# Matching is quadratic in keypoints: 500 a picture verify as many of bench/media/robust.py's
# copies as 1000 did, in a quarter of the time.
MAX_KEYPOINTS = 500
# A large picture also has keypoints at FINE_SIDE, which a candidate is verified with when
# nothing at FEATURE_SIDE verified it: a crop of up to a quarter from every side of a large
# photograph keeps too few of its 480-pixel keypoints, and too little of its detail, to verify.
# The bridge of ../shared/data/pdq-reference cut so: 7 of 14 ratio-tested matches agreed at 480
# pixels, 43 of 48 at 960 on both sides, still 7 of 12-14 with either alone at 960
# (scikit-image's retina: 11 of 25 at 480, 52 of 74 at 960).
FINE_SIDE = 960
# A picture smaller than this on its longest side has no finer keypoints: little detail its
# 480-pixel copy lacks. At 720 rather than 600, scikit-image's retina cut by a quarter from every
# side (705 pixels) was found by its hashes but did not verify.
FINE_MIN_SIDE = 600
# A picture smaller than this on its longest side has finer keypoints too: its own, enlarged to
# this side. ORB's 31-pixel patches leave a 100-pixel picture a few dozen keypoints, and its
# edited copies too few matches to verify: scikit-image's microaneurysms (102 pixels) had 47,
# its copies 10-20 ratio-tested matches; enlarged to 240 pixels, 213, and 22-119 inliers for its
# re-encoded, cropped, turned, blurred, banded and photographed copies. Enlarged to 360, it is
# too smooth for FAST's corners: fewer of them verified (bench/media/README.md).
SMALL_SIDE = 240
# ORB's descriptors: 256 bits.
DESCRIPTOR_BYTES = 32
# A picture narrower than this on either side has no room for ORB's 31-pixel patches.
MIN_SIDE = 48
# Lowe's ratio test: a match is kept when its best descriptor is clearly better than the second.
RATIO = 0.8
# Reprojection error allowed for an inlier, in pixels at FEATURE_SIDE.
RANSAC_THRESHOLD = 6.0
RANSAC_ITERATIONS = 2000
RANSAC_SEED = 20261130
# Inliers needed to accept a match: with the share below, no wrong match among the 988 queries of
# bench/media/robust.py, while edited copies that verify mostly have 30 to several hundred.
MIN_INLIERS = 20
# And the share of ratio-tested matches they must be: a flood of keypoints on a texture can
# collect 20 chance inliers among thousands of matches, never a quarter of them.
MIN_INLIER_SHARE = 0.2
# Scales outside this range (the query's picture against the reference's) are a degenerate fit.
MAX_SCALE_RATIO = 8.0
# A picture was seen at an angle (a photo of a screen) when the best affine map (scale, rotation,
# crop, shear) misplaces the inliers this many times further than the homography does (90th
# percentile of the errors). Keypoints from coarse pyramid levels make a homography lean by a few
# percent on a flat edit, so the homography's own perspective terms cannot tell.
AFFINE_ERROR_RATIO = 2.0

# A candidate that does not verify may still be the query's picture, small in it: put on a
# background, or in a screen recording, its keypoints too small to match the reference's. When at
# least ZOOM_INLIERS matches roughly agree on where the reference lies in the query, that part
# (with ZOOM_MARGIN of its size around it) is verified again on its own, enlarged, by the same
# rules as any verification. A part larger than ZOOM_MAX_SHARE of the query is the query again,
# and one smaller than ZOOM_MIN_SHARE too small to enlarge into anything.
ZOOM_INLIERS = 8
ZOOM_MARGIN = 0.1
ZOOM_MAX_SHARE = 0.6
ZOOM_MIN_SHARE = 0.02

# FAST's corner threshold (grey levels), and the lower one a flat picture is tried at again when
# the first finds fewer than FLAT_KEYPOINTS: a low-contrast photograph (scikit-image's cell, a
# deep crop of it) had no keypoint at all at 12, so neither stage could find or verify it.
FAST_THRESHOLD = 12
FLAT_FAST_THRESHOLD = 4
FLAT_KEYPOINTS = 100

# A query's keypoints are also taken spread over the picture: of SPREAD_CANDIDATES times
# MAX_KEYPOINTS found, at most SPREAD_CELL_SHARE times an even share in each cell of a
# SPREAD_GRID x SPREAD_GRID grid. The strongest corners of a copy with burned-in subtitles are
# the letters' outlines; among its 500 strongest keypoints too few were on the picture to verify
# it (grass, gravel, brick and retina in bench/media/robust.py's "caption over picture"). Spread,
# they are taken around the subtitles when media.content_region finds them: the letters' corners
# kept FAST at its usual threshold, at which a flat picture has almost none (scikit-image's clock
# under subtitles: 19 ratio-tested matches spread over it, 37 with 36 inliers around them).
# A small picture's (see SMALL_SIDE) are taken at FLAT_FAST_THRESHOLD, and when its finer
# keypoints do not verify it, of it enlarged too: letters or a window's chrome beside a flat
# picture keep FAST at its usual threshold, and a small picture has too few keypoints to spare
# its flat parts (scikit-image's microaneurysms in bench/media/robust.py's screen recording:
# 103 keypoints, none that matched; 27 of 36 matches agreed at the flat threshold. Under
# subtitles, 38 keypoints, 18 inliers; enlarged, 48 of 51 agreed with its finer keypoints).
SPREAD_GRID = 8
SPREAD_CELL_SHARE = 2.0
SPREAD_CANDIDATES = 4

_orbs: dict[tuple[int, int], cv2.ORB] = {}


def _detector(threshold: int = FAST_THRESHOLD, most: int = MAX_KEYPOINTS):
    if (threshold, most) not in _orbs:
        _orbs[threshold, most] = cv2.ORB_create(nfeatures=most, fastThreshold=threshold)
    return _orbs[threshold, most]


def _spread(keypoints: tuple, size: tuple[int, int]) -> list:
    """The MAX_KEYPOINTS strongest keypoints once each grid cell is capped (see SPREAD_GRID)."""
    if len(keypoints) <= MAX_KEYPOINTS:
        return list(keypoints)
    width, height = size
    points = np.array([kp.pt for kp in keypoints], dtype=np.float32)
    responses = np.array([kp.response for kp in keypoints], dtype=np.float32)
    columns = np.minimum((points[:, 0] * SPREAD_GRID / width).astype(int), SPREAD_GRID - 1)
    rows = np.minimum((points[:, 1] * SPREAD_GRID / height).astype(int), SPREAD_GRID - 1)
    cells = rows * SPREAD_GRID + columns
    order = np.lexsort((-responses, cells))
    sorted_cells = cells[order]
    starts = np.searchsorted(sorted_cells, sorted_cells, side="left")
    rank_in_cell = np.arange(len(order)) - starts
    cap = math.ceil(SPREAD_CELL_SHARE * MAX_KEYPOINTS / SPREAD_GRID**2)
    allowed = order[rank_in_cell < cap]
    kept = allowed[np.argsort(-responses[allowed], kind="stable")][:MAX_KEYPOINTS]
    return [keypoints[index] for index in sorted(kept.tolist())]


def _detect(pixels: np.ndarray, threshold: int, spread: bool, mask: np.ndarray | None) -> tuple:
    if not spread:
        return _detector(threshold).detectAndCompute(pixels, mask)
    detector = _detector(threshold, SPREAD_CANDIDATES * MAX_KEYPOINTS)
    found = _spread(detector.detect(pixels, mask), (pixels.shape[1], pixels.shape[0]))
    return detector.compute(pixels, found)


@dataclass(frozen=True)
class Features:
    """Keypoints of a picture at feature size; `factor` is feature pixels per original pixel."""

    points: np.ndarray
    descriptors: np.ndarray | None
    size: tuple[int, int]
    factor: float
    # Each keypoint's corner response: how distinctive it is, for picking the strongest.
    responses: np.ndarray = field(default_factory=lambda: np.empty(0, np.float32))

    def __len__(self) -> int:
        return len(self.points)


@dataclass(frozen=True)
class Transform:
    """How the query shows the reference.

    reference_box: the part of the reference the query shows, (left, top, right, bottom) as
    fractions of the reference: (0, 0, 1, 1) is all of it, (0.25, 0.25, 0.75, 0.75) its middle.
    query_box: where the reference's picture lies in the query, as fractions of the query: less
    than the whole query when the picture was put on a background, under a caption block or into
    a screen recording.
    scale: the query's size of the picture against the reference's, in original pixels.
    rotation_degrees: counterclockwise, as seen by a viewer (before mirroring, when mirrored).
    perspective: seen at an angle (a photo of a screen), not only scaled, rotated and cropped.
    """

    inliers: int
    matches: int
    scale: float
    rotation_degrees: float
    mirrored: bool
    perspective: bool
    reference_box: tuple[float, float, float, float]
    query_box: tuple[float, float, float, float]

    def as_dict(self) -> dict:
        return asdict(self)


# A box covering this much of each side is the whole picture (keypoints place its edges to a
# few pixels), a turn this small is none, and a scale this close to 1 is the same size.
WHOLE_SHARE = 0.97
LEAST_TURN_DEGREES = 2.0
SAME_SCALE = 0.1


def _where(box: tuple[float, ...]) -> str:
    """Which part of a picture a box (fractions) lies in, in words: "middle", "top left"..."""
    left, top, right, bottom = box
    across, down = (left + right) / 2, (top + bottom) / 2
    vertical = "top" if down < 0.4 else "bottom" if down > 0.6 else ""
    horizontal = "left" if across < 0.4 else "right" if across > 0.6 else ""
    return " ".join(part for part in (vertical, horizontal) if part) or "middle"


def described(transform: dict) -> list[str]:
    """What a stored transform (Transform.as_dict) says was done to the archive picture, in
    words a fact-checker can check against the two pictures; empty when the copy shows all of it,
    upright, at its size."""
    changes = []
    box = transform.get("reference_box") or (0, 0, 1, 1)
    width, height = box[2] - box[0], box[3] - box[1]
    if min(width, height) < WHOLE_SHARE:
        changes.append(
            f"cropped to {width:.0%} x {height:.0%} of the earlier picture, from its {_where(box)}"
        )
    turn = transform.get("rotation_degrees") or 0.0
    if abs(turn) >= LEAST_TURN_DEGREES:
        way = "counterclockwise" if turn > 0 else "clockwise"
        changes.append(f"turned {abs(turn):.0f} degrees {way}")
    if transform.get("mirrored"):
        changes.append("mirrored")
    if transform.get("perspective"):
        changes.append("seen at an angle, as in a photo of a screen")
    scale = transform.get("scale") or 1.0
    if scale < 1 - SAME_SCALE:
        changes.append(f"shown at {scale:.0%} of the earlier picture's size")
    elif scale > 1 + SAME_SCALE:
        changes.append(f"shown at {scale:.1f} times the earlier picture's size")
    frame = transform.get("query_box") or (0, 0, 1, 1)
    shown_width, shown_height = frame[2] - frame[0], frame[3] - frame[1]
    if min(shown_width, shown_height) < WHOLE_SHARE:
        changes.append(
            f"set into a larger frame, filling {shown_width:.0%} x {shown_height:.0%} of the copy "
            f"in its {_where(frame)} (bands, a caption block, a background or a screen around it)"
        )
    return changes


def open_picture(stream: IO[bytes], side: int = FEATURE_SIDE) -> Image.Image:
    """A stored image decoded no larger than features at `side` need: a JPEG in draft mode
    decodes at an eighth of a 12-megapixel photo's size for FEATURE_SIDE. Raises what Pillow
    raises on a damaged file."""
    image = Image.open(stream, formats=hashing.IMAGE_FORMATS)
    image.draft("RGB", (side, side))
    # Loaded at the draft's scale before anything else: thumbnail would draft it again, larger.
    image.load()
    image = hashing.upright(image)
    image.thumbnail((side, side), Image.Resampling.BILINEAR)
    return image.convert("RGB")


def features(
    image: Image.Image,
    original_size: tuple[int, int] | None = None,
    *,
    spread: bool = False,
    side: int = FEATURE_SIDE,
    within: tuple[int, int, int, int] | None = None,
    flat: bool = False,
) -> Features:
    """ORB keypoints of a picture, shrunk to `side` first. `original_size` is the size the
    picture had before it was shrunk elsewhere (a stored thumbnail), so scales compare originals.
    `spread`: keypoints spread over the picture rather than the strongest (see SPREAD_GRID).
    `within`: a box of the picture (its pixels) to take them from, none from the rest.
    `flat`: at FLAT_FAST_THRESHOLD from the start."""
    width = (original_size or image.size)[0]
    picture = image.convert("L")
    picture.thumbnail((side, side), Image.Resampling.BILINEAR)
    factor = picture.width / max(width, 1)
    empty = Features(np.empty((0, 2), np.float32), None, picture.size, factor)
    if min(picture.size) < MIN_SIDE:
        return empty
    pixels = np.asarray(picture)
    mask = None
    if within is not None:
        shrunk = picture.width / image.width
        left, top, right, bottom = (round(edge * shrunk) for edge in within)
        mask = np.zeros(pixels.shape, np.uint8)
        mask[top:bottom, left:right] = 255
    keypoints, descriptors = _detect(
        pixels, FLAT_FAST_THRESHOLD if flat else FAST_THRESHOLD, spread, mask
    )
    if len(keypoints) < FLAT_KEYPOINTS and not flat:
        keypoints, descriptors = _detect(pixels, FLAT_FAST_THRESHOLD, spread, mask)
    if descriptors is None or len(keypoints) < MIN_INLIERS:
        return empty
    points = np.array([kp.pt for kp in keypoints], dtype=np.float32)
    responses = np.array([kp.response for kp in keypoints], dtype=np.float32)
    return Features(points, descriptors, picture.size, factor, responses)


def finer_features(
    picture: Image.Image, original_size: tuple[int, int] | None = None
) -> Features | None:
    """Keypoints at FINE_SIDE of a picture decoded at that side (`open_picture`), or of a small
    one enlarged to SMALL_SIDE; None for a picture in between, or too narrow for any keypoint
    (see FINE_SIDE and SMALL_SIDE)."""
    longest = max(picture.size)
    if longest >= FINE_MIN_SIDE:
        return features(picture, original_size, side=FINE_SIDE)
    if longest >= SMALL_SIDE or min(picture.size) < MIN_SIDE:
        return None
    return features(enlarged(picture), original_size or picture.size, side=SMALL_SIDE)


def enlarged(picture: Image.Image) -> Image.Image:
    """A small picture enlarged to SMALL_SIDE on its longest side."""
    longest = max(picture.size)
    return picture.resize(
        (round(picture.width * SMALL_SIDE / longest), round(picture.height * SMALL_SIDE / longest)),
        Image.Resampling.BICUBIC,
    )


# Stored features (see `encoded`): a format byte, the picture's size at feature scale and the
# keypoint count, then each keypoint's position and response (float32, little-endian) and its
# descriptor. Stored exactly, so that verifying against them gives the picture's answer.
_FORMAT = 1
_HEADER = struct.Struct("<BHHH")
_FLOAT = np.dtype("<f4")


def encoded(found: Features) -> bytes:
    """Features as a frame stores them for verification: 44 bytes a keypoint (22 KB for
    MAX_KEYPOINTS), empty for a picture without features (nothing a verification could use)."""
    if found.descriptors is None:
        return b""
    return b"".join(
        [
            _HEADER.pack(_FORMAT, *found.size, len(found)),
            found.points.astype(_FLOAT).tobytes(),
            found.responses.astype(_FLOAT).tobytes(),
            found.descriptors.tobytes(),
        ]
    )


def decoded(data: bytes, original_size: tuple[int, int] | None = None) -> Features:
    """Stored features back, as `features` gave them for the same picture and `original_size`.
    Raises ValueError on bytes `encoded` did not write."""
    if not data:
        return Features(np.empty((0, 2), np.float32), None, (0, 0), 0.0)
    if len(data) < _HEADER.size:
        raise ValueError("stored features are truncated")
    version, width, height, count = _HEADER.unpack_from(data)
    if version != _FORMAT or len(data) != _HEADER.size + count * (12 + DESCRIPTOR_BYTES):
        raise ValueError("stored features are not in the format this code writes")
    offset = _HEADER.size
    points = np.frombuffer(data, _FLOAT, count * 2, offset).reshape(count, 2)
    offset += points.nbytes
    responses = np.frombuffer(data, _FLOAT, count, offset)
    offset += responses.nbytes
    descriptors = np.frombuffer(data, np.uint8, count * DESCRIPTOR_BYTES, offset)
    factor = width / max((original_size or (width, height))[0], 1)
    return Features(
        points.astype(np.float32),
        descriptors.reshape(count, DESCRIPTOR_BYTES),
        (width, height),
        factor,
        responses.astype(np.float32),
    )


def strongest(found: Features, count: int) -> np.ndarray:
    """The descriptors of the `count` keypoints with the strongest responses, strongest first:
    (n, 32) bytes, none for a picture without features."""
    if found.descriptors is None:
        return np.empty((0, DESCRIPTOR_BYTES), np.uint8)
    order = np.argsort(-found.responses, kind="stable")[:count]
    return found.descriptors[order]


def _good_matches(query: Features, reference: Features) -> tuple[np.ndarray, np.ndarray]:
    """The query's keypoints whose nearest reference descriptor passes the ratio test, and
    those nearest ones' keypoints. The two nearest come as arrays from the function OpenCV's
    brute-force matcher calls: its matches as Python objects, read one by one, took about as
    long as finding them (bench/media/README.md)."""
    if len(reference.descriptors) < 2:
        return np.empty((0, 2), np.float32), np.empty((0, 2), np.float32)
    distances, nearest = cv2.batchDistance(
        query.descriptors, reference.descriptors, cv2.CV_32S, normType=cv2.NORM_HAMMING, K=2
    )
    good = np.flatnonzero(distances[:, 0] < RATIO * distances[:, 1])
    return query.points[good], reference.points[nearest[good, 0]]


def _box(corners: np.ndarray, width: int, height: int) -> tuple[float, float, float, float]:
    left, top = corners.min(axis=0)
    right, bottom = corners.max(axis=0)
    clip = lambda value: round(float(min(1.0, max(0.0, value))), 3)  # noqa: E731
    return (clip(left / width), clip(top / height), clip(right / width), clip(bottom / height))


def _corners(width: int, height: int) -> np.ndarray:
    return np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)


def _project(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    homogeneous = np.hstack([points, np.ones((len(points), 1))]) @ matrix.T
    return homogeneous[:, :2] / homogeneous[:, 2:3]


def _is_convex(quad: np.ndarray) -> bool:
    turns = []
    for i in range(4):
        a, b, c = quad[i], quad[(i + 1) % 4], quad[(i + 2) % 4]
        turns.append((b - a)[0] * (c - b)[1] - (b - a)[1] * (c - b)[0] > 0)
    return all(turns) or not any(turns)


def _is_perspective(matrix: np.ndarray, source: np.ndarray, target: np.ndarray) -> bool:
    cv2.setRNGSeed(RANSAC_SEED)
    affine, _ = cv2.estimateAffine2D(source, target, method=cv2.LMEDS)
    if affine is None:
        return False
    by_homography = np.linalg.norm(_project(matrix, source.astype(np.float64)) - target, axis=1)
    by_affine = np.linalg.norm(source @ affine[:, :2].T + affine[:, 2] - target, axis=1)
    floor = max(float(np.percentile(by_homography, 90)), 1.5)
    return float(np.percentile(by_affine, 90)) > AFFINE_ERROR_RATIO * floor


Fit = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _fit(query: Features, reference: Features) -> Fit | None:
    """(matches in the query, in the reference, the map from one to the other, its inlier
    mask) when at least ZOOM_INLIERS ratio-tested matches were found and fit a map, else None.
    The map is a homography, or a similarity when the matches are too few to accept."""
    if query.descriptors is None or reference.descriptors is None:
        return None
    source, target = _good_matches(query, reference)
    if len(source) < ZOOM_INLIERS:
        return None
    # The similarity's RANSAC and LMEDS (_is_perspective) sample from OpenCV's per-thread
    # generator, whose state is whatever the thread's earlier estimations left: seeded, a pair
    # of pictures gets the same answer every time, whatever ran before it in the worker. USAC
    # starts from a fixed state of its own.
    cv2.setRNGSeed(RANSAC_SEED)
    if len(source) < MIN_INLIERS:
        # Too few to accept, enough to point where to zoom: a similarity (scale, turn, shift)
        # is what so few matches pin down.
        similarity, mask = cv2.estimateAffinePartial2D(
            source, target, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_THRESHOLD
        )
        matrix = None if similarity is None else np.vstack([similarity, [0.0, 0.0, 1.0]])
    else:
        # USAC's LO-RANSAC, not the classic one, which ran all its iterations on matches that do
        # not agree (a candidate that fails): 33-51 ms on 20-300 random matches against USAC's
        # 0.4-0.8 ms, and the same tables in bench/media/robust.py.
        matrix, mask = cv2.findHomography(
            source,
            target,
            cv2.USAC_DEFAULT,
            RANSAC_THRESHOLD,
            maxIters=RANSAC_ITERATIONS,
            confidence=0.995,
        )
    # USAC reports a fit it could not make as a zero matrix.
    if matrix is None or mask is None or abs(np.linalg.det(matrix)) < 1e-12:
        return None
    return source, target, matrix, mask


def _frame_agreed(fitted: Fit, size: tuple[int, int]) -> np.ndarray | None:
    """The corners of a picture of `size` seen through the fitted homography (pixels of the
    picture it maps to) when enough keypoints agree on it and the frame keeps a real picture's
    shape, a convex quadrilateral; else None."""
    source, _, matrix, mask = fitted
    inliers = int(mask.sum())
    if inliers < MIN_INLIERS or inliers < MIN_INLIER_SHARE * len(source):
        return None
    corners = _project(matrix, _corners(*size))
    if not np.isfinite(corners).all() or not _is_convex(corners):
        return None
    return corners


def _accepted(
    fitted: Fit, query: Features, reference: Features, query_mirrored: bool
) -> Transform | None:
    """The transform taking the reference to the query when enough keypoints agree on the
    fitted homography, else None. With `query_mirrored`, the query's features are of its
    flipped picture."""
    source, target, matrix, mask = fitted
    query_width, query_height = query.size
    reference_width, reference_height = reference.size
    # The query's frame seen in the reference.
    query_in_reference = _frame_agreed(fitted, query.size)
    if query_in_reference is None:
        return None
    inliers = int(mask.sum())
    inverse = np.linalg.inv(matrix)
    reference_in_query = _project(inverse, _corners(reference_width, reference_height))
    if not np.isfinite(reference_in_query).all():
        return None
    # Scale and rotation of the local linear map at the query's centre.
    centre = np.array([[query_width / 2, query_height / 2]])
    origin = _project(matrix, centre)[0]
    along_x = _project(matrix, centre + np.array([[1.0, 0.0]]))[0] - origin
    along_y = _project(matrix, centre + np.array([[0.0, 1.0]]))[0] - origin
    determinant = along_x[0] * along_y[1] - along_x[1] * along_y[0]
    if determinant <= 0:
        return None
    feature_scale = math.sqrt(determinant)
    # Reference feature pixels per query feature pixel, back to original pixels of each.
    scale = (reference.factor / query.factor) / feature_scale
    if not (1 / MAX_SCALE_RATIO <= scale <= MAX_SCALE_RATIO):
        return None
    # The query's x axis turns clockwise in the reference (y grows downwards) by as much as the
    # picture was turned counterclockwise, as seen.
    rotation = math.degrees(math.atan2(along_x[1], along_x[0]))
    # A flipped query frames the same part of the reference; only its own box flips back.
    box = _box(query_in_reference, reference_width, reference_height)
    query_box = _box(reference_in_query, query_width, query_height)
    if query_mirrored:
        left, top, right, bottom = query_box
        query_box = (round(1 - right, 3), top, round(1 - left, 3), bottom)
    inlying = mask.ravel().astype(bool)
    perspective = _is_perspective(matrix, source[inlying], target[inlying])
    return Transform(
        inliers=inliers,
        matches=len(source),
        scale=round(scale, 3),
        rotation_degrees=round(rotation, 1),
        mirrored=query_mirrored,
        perspective=perspective,
        reference_box=box,
        query_box=query_box,
    )


def corners_in(frame: Features, reference: Features) -> np.ndarray | None:
    """The corners of `frame`'s picture in `reference`'s (top left, top right, bottom right,
    bottom left), as fractions of the reference's sides, beyond 0-1 where the frame shows what
    the reference does not; None unless as many of their keypoints agree as a match needs. Of
    two keyframes of one shot: how the camera moved between them."""
    fitted = _fit(frame, reference)
    corners = None if fitted is None else _frame_agreed(fitted, frame.size)
    return None if corners is None else corners / np.array(reference.size, dtype=np.float64)


class QueryPicture:
    """A query's features, extracted once for all the candidates it is verified against (those
    of its mirror image, or spread over it, only when a candidate needs them).

    `region`: a box of the picture (pixels) that may be all it shows of the reference, such as
    the footage that moves on a still background. It is verified on its own when the whole
    picture is not, enlarged to the picture's size: footage 120-180 pixels wide in a 320-pixel
    thumbnail had too few keypoints, at another scale than the reference's, to verify
    (bench/media/video.py's brick, text and grass on a background: none verified as they were,
    60-150 inliers enlarged).

    `features`: the picture's own keypoints, when they were extracted before (an uploaded
    image's or keyframe's, stored by its hashing from this same picture)."""

    def __init__(
        self,
        picture: Image.Image,
        original_size: tuple[int, int] | None = None,
        region: tuple[int, int, int, int] | None = None,
        *,
        finer: Callable[[], Features | None] | None = None,
        features: Features | None = None,
    ):
        self._picture = picture
        self._original_size = original_size
        self._features: dict[tuple[bool, bool, bool], Features] = {}
        # A lookup's votes and its verifications ask for features from two threads at once:
        # each is extracted once.
        self._extracting = threading.Lock()
        if features is not None:
            self._features[False, False, False] = features
        self.region = region
        self._region_query: QueryPicture | None = None
        self._read_finer = finer
        self._finer: Features | None = None

    def features(self, *, mirrored: bool, spread: bool = False, larger: bool = False) -> Features:
        """Its keypoints: the strongest, of the picture or its mirror image, or spread over the
        picture, and then only over what subtitles burned over it leave (see SPREAD_GRID);
        `larger`: of a small picture enlarged to SMALL_SIDE."""
        with self._extracting:
            if (mirrored, spread, larger) not in self._features:
                picture = self._picture
                if mirrored:
                    picture = picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
                original_size = self._original_size or picture.size
                side = FEATURE_SIDE
                if larger:
                    picture, side = enlarged(picture), SMALL_SIDE
                within = content_region.subtitle_free_region(picture) if spread else None
                self._features[mirrored, spread, larger] = features(
                    picture,
                    original_size,
                    spread=spread,
                    within=within,
                    side=side,
                    flat=spread and self.small,
                )
            return self._features[mirrored, spread, larger]

    @property
    def small(self) -> bool:
        """Smaller than SMALL_SIDE: its finer keypoints are of it enlarged."""
        return max(self._picture.size) < SMALL_SIDE

    def finer(self) -> Features | None:
        """The query's finer keypoints (see FINE_SIDE), read by `finer` the first time they are
        asked for (an uploaded image stored them when it was hashed, as the archive's did);
        None when it has none."""
        if self._read_finer is not None:
            self._finer = self._read_finer()
            self._read_finer = None
        return self._finer

    def region_query(self) -> "QueryPicture":
        """The region as a query of its own (see `part`)."""
        with self._extracting:
            if self._region_query is None:
                self._region_query = self.part(self.region)
            return self._region_query

    def part(self, box: tuple[int, int, int, int]) -> "QueryPicture":
        """A box of the picture (pixels) as a query of its own, enlarged to fit the picture; its
        original size is the box's, so that scales still compare originals."""
        left, top, right, bottom = box
        width, height = self._picture.size
        enlarged = max(1.0, min(width / (right - left), height / (bottom - top)))
        crop = self._picture.crop(box).resize(
            (round((right - left) * enlarged), round((bottom - top) * enlarged)),
            Image.Resampling.BICUBIC,
        )
        original_width, original_height = self._original_size or (width, height)
        original = (
            round((right - left) * original_width / width),
            round((bottom - top) * original_height / height),
        )
        return QueryPicture(crop, original)

    def in_picture(
        self, box: tuple[float, float, float, float], part: tuple[int, int, int, int] | None = None
    ) -> tuple[float, ...]:
        """A box given as fractions of a part (the region when none is named), as fractions of
        the whole picture."""
        left, top, right, bottom = part or self.region
        width, height = self._picture.size
        part_width, part_height = right - left, bottom - top
        return (
            round((left + box[0] * part_width) / width, 3),
            round((top + box[1] * part_height) / height, 3),
            round((left + box[2] * part_width) / width, 3),
            round((top + box[3] * part_height) / height, 3),
        )

    def around(self, box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
        """A box of fractions, with ZOOM_MARGIN of its size around it, in the picture's pixels."""
        width, height = self._picture.size
        left, top, right, bottom = box
        margin_x, margin_y = ZOOM_MARGIN * (right - left), ZOOM_MARGIN * (bottom - top)
        return (
            max(0, math.floor((left - margin_x) * width)),
            max(0, math.floor((top - margin_y) * height)),
            min(width, math.ceil((right + margin_x) * width)),
            min(height, math.ceil((bottom + margin_y) * height)),
        )


def _rough_box(
    fitted: Fit, query: Features, reference: Features
) -> tuple[float, float, float, float] | None:
    """Where the reference's picture seems to lie in the query (fractions), from a fit too weak
    to accept; None when too few matches agree or the box is no part worth zooming into (see
    ZOOM_INLIERS)."""
    if int(fitted[3].sum()) < ZOOM_INLIERS:
        return None
    reference_in_query = _project(np.linalg.inv(fitted[2]), _corners(*reference.size))
    if not np.isfinite(reference_in_query).all() or not _is_convex(reference_in_query):
        return None
    box = _box(reference_in_query, *query.size)
    share = (box[2] - box[0]) * (box[3] - box[1])
    return box if ZOOM_MIN_SHARE <= share <= ZOOM_MAX_SHARE else None


def _attempt(
    query: Features, reference: Features, query_mirrored: bool
) -> tuple[Transform | None, tuple[float, float, float, float] | None]:
    """(the transform when the query verifies, else where a weak fit points in it, if
    anywhere), from one matching and one RANSAC."""
    fitted = _fit(query, reference)
    if fitted is None:
        return None, None
    found = _accepted(fitted, query, reference, query_mirrored)
    return found, None if found is not None else _rough_box(fitted, query, reference)


def verify_query(
    query: QueryPicture,
    reference: Features,
    *,
    zoom: bool = True,
    finer: Callable[[], Features | None] | None = None,
) -> Transform | None:
    """Verify a query against a reference's features (extracted now, or stored at hashing),
    trying the query mirrored when it does not verify as it is, then its keypoints spread over
    it, then its region, then (with `zoom`) the part of it a weak fit of the first two tries
    points at, then (with `finer`, which reads the reference's finer keypoints) both pictures'
    finer keypoints, a small query's against the reference's own when it has none, and then
    a small query's keypoints spread over it enlarged (see SPREAD_GRID). The
    strongest keypoints come first: spread ones verified a picture on a busy background less
    often (its keypoints went to the background), and the archive stores its strongest."""
    if reference.descriptors is None:
        return None
    tries = ((False, False), (True, False), (False, True))
    if query.features(mirrored=False).descriptors is None:
        tries = ()
    pointed: list[tuple[bool, tuple[float, float, float, float]]] = []
    for mirrored, spread in tries:
        found, box = _attempt(query.features(mirrored=mirrored, spread=spread), reference, mirrored)
        if found is not None:
            return found
        if box is not None and not spread:
            pointed.append((mirrored, box))
    if query.region is not None:
        found = verify_query(query.region_query(), reference, zoom=False)
        if found is not None:
            return replace(found, query_box=query.in_picture(found.query_box))
    for mirrored, box in pointed if zoom else ():
        if mirrored:
            box = (round(1 - box[2], 3), box[1], round(1 - box[0], 3), box[3])
        part = query.around(box)
        found = verify_query(query.part(part), reference, zoom=False)
        if found is not None:
            return replace(found, query_box=query.in_picture(found.query_box, part))
    # Not mirrored: a query's finer keypoints are those it stored, of its picture as it is. A
    # small query may have them without any of its own (a 60-pixel crop of a 100-pixel picture),
    # and they are matched with the reference's own when it has no finer ones: a 128-pixel
    # thumbnail of a 256-pixel picture, enlarged, shows it at about its size.
    fine_query = None if finer is None else query.finer()
    if fine_query is None or fine_query.descriptors is None:
        return None
    fine_reference = finer()
    if fine_reference is None or fine_reference.descriptors is None:
        if not query.small:
            return None
        fine_reference = reference
    found, _ = _attempt(fine_query, fine_reference, query_mirrored=False)
    if found is None and query.small:
        spread = query.features(mirrored=False, spread=True, larger=True)
        found, _ = _attempt(spread, fine_reference, query_mirrored=False)
    return found


def verify_pictures(
    query: Image.Image,
    reference: Image.Image,
    *,
    query_size: tuple[int, int] | None = None,
    reference_size: tuple[int, int] | None = None,
) -> Transform | None:
    """Verify one pair of pictures (see verify_query), with their finer keypoints when both are
    large enough to have some."""
    return verify_query(
        QueryPicture(query, query_size, finer=lambda: finer_features(query, query_size)),
        features(reference, reference_size),
        finer=lambda: finer_features(reference, reference_size),
    )
