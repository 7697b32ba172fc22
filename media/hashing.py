"""Perceptual hashes of images and video keyframes, robust to what re-uploads do to a picture.

A whole-image PDQ hash survives re-encoding, resizing, blur, brightness, grayscale and watermarks
(distances under about 50 of 256 bits) but not a change of framing: a caption bar, a screenshot's
frame, a 10% crop or a mirror image moves it as far as an unrelated picture (about 110 bits). So
each frame is hashed in several *views* and *orientations*, split unevenly between the two sides
of a lookup so that a query stays one or two scans of the archive:

- the query side hashes the whole picture and the picture with uniform borders trimmed (caption
  bars, letterboxing, a screenshot's chrome), once and to a fixed point: one to three hashes;
- the archive side hashes those views, the picture as it is, and crops on a grid of up to 10% a
  side, so that a cropped query finds the archive view framed like it.

Mirroring and 90-degree rotation are undone by putting every view in a canonical orientation:
flipped so that its right and bottom halves are the brighter ones, and transposed so that the
left-right difference is the larger. Near a tie the choice is unstable, so the archive stores every
orientation within a margin of one and the query only its own.

The PDQ stored with each frame (`FrameHashes.pdq`, what is exported to ThreatExchange and HMA) is
not one of these: it is Meta's reference hash, of the pixels as the file stores them (the C++
reference reads no EXIF orientation) at a size that keeps it within a few bits of a hash of the
full picture. The views are cut from the picture as it is displayed, at a small size.
"""

import collections
import io
import math
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import IO

import av
import cv2
import numpy as np
import pdqhash
from PIL import ExifTags, Image, ImageOps

from media.ffmpeg_input import open_input

PDQ_BYTES = 32
# Raised whenever stored hashes change meaning; items hashed by an older version are hashed again
# in the background (the rehash_media command). 2: the stored PDQ is Meta's reference hash.
# 3: thumbnails are THUMBNAIL_SIZE, not the views' 256-pixel copy (a video frame's stored
# keypoints come from its thumbnail), and flat pictures have keypoints (media.verification's
# FLAT_FAST_THRESHOLD). 4: a video's keyframes say whether they are cuts (MediaFrame.is_cut),
# measured over the part of the frame that changes (SceneChanges), so a picture on a still
# background or between solid bands has its cuts kept, and against the motion before them.
HASH_VERSION = 4
# The last of them that changed an image's hashes: an image hashed by it or a later one is not
# hashed again (4 changed videos alone).
IMAGE_HASH_VERSION = 3
# PDQ's quality is its gradient energy (0-100). Black, blank and single-colour frames score under
# 10; Meta's reference matcher drops frames under 50, but real low-contrast photographs (an indoor
# shot of a clock in scikit-image's set scores 34) are worth indexing, so the floor is lower.
MIN_QUALITY = 25
# Views are hashed at this size: PDQ reduces every picture to 64x64 anyway, and hashing a
# 128-pixel view costs a twentieth of a 512-pixel one.
VIEW_SIZE = 128
# Pictures are hashed from a copy this size: views are cut from it, then shrunk to VIEW_SIZE.
WORK_SIZE = 256
# The reference PDQ is computed on a picture whose short side is at least this (or the picture as
# it is, when smaller): JPEG decodes at the DCT scale that keeps it, other formats are reduced by
# whole factors (a box filter). Meta's test images then hash within 8 bits of its C++ reference,
# where Meta's rule allows 10 (bench/media/pdq_reference.py); a 12 MP photo hashes in a twentieth
# of the time at full size.
REFERENCE_SIZE = 512
# Grey levels (0-255) of brightness difference within which the canonical orientation is a tie.
ORIENTATION_MARGIN = 3.0
# Crops of the archive views, as fractions cut from (left, top, right, bottom): on each axis
# nothing, 10% from either end, 5% from both or 10% from both. A query cropped anywhere in between
# lies within about 2.5% of one of them, which PDQ tolerates.
_CUTS = ((0.0, 0.0), (0.0, 0.1), (0.1, 0.0), (0.05, 0.05), (0.1, 0.1))
# Plus the middle of the picture, 20% and 25% cut from every side (a copy zoomed into its
# subject): two hashes more, where the grid's 5% steps out to 25% would be a hundred.
ARCHIVE_CROPS = (
    *(
        (left, top, right, bottom)
        for left, right in _CUTS
        for top, bottom in _CUTS
        if (left, top, right, bottom) != (0.0, 0.0, 0.0, 0.0)
    ),
    (0.2, 0.2, 0.2, 0.2),
    (0.25, 0.25, 0.25, 0.25),
)
# Brightness as Pillow's grayscale conversion weighs it, so a grey copy orients like its original.
LUMA = np.array([0.299, 0.587, 0.114])
# Video: a keyframe at every scene change, and at least one this often.
MAX_KEYFRAME_INTERVAL = 2.0
# Mean absolute difference (grey levels) between consecutive 64x36 thumbnails that keeps a frame,
# over the part of the frame that has changed so far in the video (SceneChanges).
SCENE_CHANGE = 18.0
SCENE_THUMB = (64, 36)
# A thumbnail pixel that moves by more than this between two frames is part of what changes;
# re-encoding noise moves a 64x36 average by a few levels.
SCENE_PIXEL_CHANGE = 12
# What changes is measured alone once it spans this share of each side; smaller, it is a detail
# moving over a still picture (a hand, a ticker), which is not where cuts show.
SCENE_REGION_SHARE = 0.3
# A cut also stands out from the motion before it: this many times the median difference of the
# last SCENE_HISTORY frames compared. A fast pan over a detailed picture, zoomed in by a crop,
# changes every frame by SCENE_CHANGE or more (bench/media/video.py's clips of clips: 17-22,
# against 91 at the cut): each frame is kept, as keyframes of what moves fast, none is a cut.
SCENE_CHANGE_RATIO = 2.0
SCENE_HISTORY = 5
# Longest side of the thumbnail kept with each frame.
THUMBNAIL_SIZE = 320


# The only decoders Pillow may try: the formats intake accepts. Others (PSD, EPS through
# Ghostscript, ...) are code we do not need to run on bytes from strangers.
IMAGE_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")


class Undecodable(ValueError):
    """The bytes are not a picture or video that can be decoded into frames."""


# What Pillow and FFmpeg raise on bytes that are not theirs, damaged or too large to decode.
_DECODE_ERRORS = (OSError, ValueError, Image.DecompressionBombError, av.error.FFmpegError)


@dataclass(frozen=True)
class FrameHashes:
    offset_seconds: float
    # Meta's reference PDQ of the frame and its quality (0-100).
    pdq: bytes
    quality: int
    phash: bytes
    query_hashes: bytes
    archive_hashes: bytes
    # A small JPEG of the frame, for people judging a match by eye.
    thumbnail: bytes = b""
    # A video keyframe kept at a scene change (not the video's first frame).
    is_cut: bool = False


def thumbnail_jpeg(image: Image.Image) -> bytes:
    small = image.copy()
    small.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def pdq_hash(rgb: np.ndarray) -> tuple[bytes, int]:
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return np.packbits(bits.astype(np.uint8)).tobytes(), int(quality)


def dihedral_hashes(picture: bytes) -> list[bytes]:
    """The PDQ hashes of a picture (an encoded file) in its 8 rotations and mirrorings, as
    Meta's tools search their hash lists with."""
    rgb = np.asarray(Image.open(io.BytesIO(picture)).convert("RGB"))
    hashes, _ = pdqhash.compute_dihedral(np.ascontiguousarray(rgb))
    return [np.packbits(bits.astype(np.uint8)).tobytes() for bits in hashes]


_DCT_32 = np.array(
    [
        [
            math.sqrt((1 if k == 0 else 2) / 32) * math.cos(math.pi * (2 * n + 1) * k / 64)
            for n in range(32)
        ]
        for k in range(32)
    ]
)


def phash(image: Image.Image) -> bytes:
    """The classic 64-bit DCT hash: the 8x8 lowest frequencies of a 32x32 grey thumbnail,
    each set when above their median."""
    grey = np.asarray(image.convert("L").resize((32, 32), Image.Resampling.LANCZOS), dtype=float)
    low = (_DCT_32 @ grey @ _DCT_32.T)[:8, :8]
    return np.packbits(low.flatten() > np.median(low)).tobytes()


def _near_edge(
    rgb: np.ndarray, edge_line: np.ndarray, axis: int, tolerance: int = 12
) -> np.ndarray:
    """For each line of the picture (rows for `axis` 1, columns for 0), the share of its pixels
    within `tolerance` of the median colour of `edge_line`, per channel: a red caption bar is not
    a grey sky of the same lightness. The whole picture at once, in OpenCV on the 8-bit pixels:
    taken line by line in floats, this was most of the time of hashing a lookup's views."""
    edge = np.median(edge_line, axis=0)
    # Within the tolerance of the median, for whole levels.
    lowest = tuple(np.clip(np.ceil(edge - tolerance), 0, 255).tolist())
    highest = tuple(np.clip(np.floor(edge + tolerance), 0, 255).tolist())
    near = cv2.inRange(rgb, lowest, highest)
    return np.count_nonzero(near, axis=axis) / near.shape[axis]


def _band_depth(shares: np.ndarray) -> int:
    """How many lines from the edge form a uniform band (shares of the edge colour, edge first):
    text is allowed on it, and it ends before the first line with next to nothing of it."""
    ended = np.flatnonzero(shares < 0.1)
    scanned = shares[: ended[0]] if len(ended) else shares
    uniform = np.flatnonzero(scanned >= 0.9)
    return int(uniform[-1]) + 1 if len(uniform) else 0


def _trim_once(image: Image.Image) -> Image.Image | None:
    rgb = np.asarray(image)
    height, width = rgb.shape[:2]
    rows, columns = int(height * 0.4), int(width * 0.4)
    top = _band_depth(_near_edge(rgb, rgb[0], axis=1)[:rows])
    bottom = _band_depth(_near_edge(rgb, rgb[-1], axis=1)[::-1][:rows])
    left = _band_depth(_near_edge(rgb, rgb[:, 0], axis=0)[:columns])
    right = _band_depth(_near_edge(rgb, rgb[:, -1], axis=0)[::-1][:columns])
    if not (top or bottom or left or right):
        return None
    if height - top - bottom < 16 or width - left - right < 16:
        return None
    return image.crop((left, top, width - right, height - bottom))


def trim_borders(image: Image.Image, passes: int = 3) -> Image.Image | None:
    """The picture without uniform bands along its edges, or None when there are none.

    Trimmed again after each cut: a caption bar above a photograph with dark margins leaves
    those margins once the bar is gone, and the original without the bar loses them too.
    """
    trims = _trims(image, passes)
    return trims[-1] if trims else None


def _trims(image: Image.Image, passes: int) -> list[Image.Image]:
    """The picture after each pass of trimming that cut something."""
    trims: list[Image.Image] = []
    for _ in range(passes):
        cut = _trim_once(trims[-1] if trims else image)
        if cut is None:
            break
        trims.append(cut)
    return trims


def _query_views(image: Image.Image) -> list[Image.Image]:
    """The views a query hashes: the picture (at WORK_SIZE), trimmed once and trimmed to a
    fixed point (three passes), each size once. The first pass is the three passes' first,
    so the picture is trimmed once for both."""
    trims = _trims(image, 3)
    views = [image]
    for trimmed in trims[:1] + trims[-1:]:
        if trimmed.size not in [view.size for view in views]:
            views.append(trimmed)
    return views


def _crop(image: Image.Image, left: float, top: float, right: float, bottom: float):
    width, height = image.size
    return image.crop(
        (
            round(width * left),
            round(height * top),
            round(width * (1 - right)),
            round(height * (1 - bottom)),
        )
    )


def _orientations(rgb: np.ndarray, margin: float) -> Iterator[np.ndarray]:
    grey = rgb @ LUMA
    height, width = grey.shape
    horizontal = grey[:, width // 2 :].mean() - grey[:, : (width + 1) // 2].mean()
    vertical = grey[height // 2 :].mean() - grey[: (height + 1) // 2].mean()
    flips_h = [horizontal < 0] if abs(horizontal) >= margin else [False, True]
    flips_v = [vertical < 0] if abs(vertical) >= margin else [False, True]
    tie = abs(vertical) - abs(horizontal)
    transposes = [tie > 0] if abs(tie) >= margin else [False, True]
    for flip_h in flips_h:
        for flip_v in flips_v:
            for transpose in transposes:
                oriented = rgb[:, ::-1] if flip_h else rgb
                oriented = oriented[::-1] if flip_v else oriented
                yield oriented.transpose(1, 0, 2) if transpose else oriented


def _view_hashes(view: Image.Image, margin: float) -> list[bytes]:
    small = view.copy()
    small.thumbnail((VIEW_SIZE, VIEW_SIZE), Image.Resampling.BILINEAR)
    rgb = np.asarray(small)
    return [pdq_hash(oriented)[0] for oriented in _orientations(rgb, margin)]


def _unique(hashes: list[bytes]) -> bytes:
    return b"".join(dict.fromkeys(hashes))


def hash_picture(
    image: Image.Image,
    offset_seconds: float = 0,
    *,
    crops: bool = True,
    stored: Image.Image | None = None,
):
    """All hashes of one picture as displayed, or None when it is too flat to hash usefully.

    The reference PDQ is of `stored` (the pixels as the file stores them, when an EXIF
    orientation turns them for display) or else of `image`, at the size given: pass it at
    REFERENCE_SIZE or more."""
    image = image.convert("RGB")
    pdq, quality = pdq_hash(np.asarray((image if stored is None else stored).convert("RGB")))
    if quality < MIN_QUALITY:
        return None
    # Made before the picture is shrunk for the views, or it would be their 256-pixel copy.
    thumbnail = thumbnail_jpeg(image)
    image.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.BILINEAR)
    displayed = pdq_hash(np.asarray(image))[0]
    views = _query_views(image)
    query = [h for view in views for h in _view_hashes(view, 0)]
    if crops:
        # Cut from a copy already at view size: two dozen crops need no resizing of their own.
        small = image.copy()
        small.thumbnail((VIEW_SIZE, VIEW_SIZE), Image.Resampling.BILINEAR)
        views += [_crop(small, *box) for box in ARCHIVE_CROPS]
    # The picture's own hashes are in the archive too: an edit that keeps its framing and
    # orientation matches them even when the canonical orientation was a close call, and a
    # reference hash from another newsroom's list matches the first.
    archive = [
        pdq,
        displayed,
        *(h for view in views for h in _view_hashes(view, ORIENTATION_MARGIN)),
    ]
    return FrameHashes(
        offset_seconds=offset_seconds,
        pdq=pdq,
        quality=quality,
        phash=phash(image),
        query_hashes=_unique(query),
        archive_hashes=_unique(archive),
        thumbnail=thumbnail,
    )


def query_hashes(image: Image.Image) -> bytes | None:
    """The query hashes `hash_picture` gives a picture (None when too flat), without the rest:
    the archive's orientations and crops, the reference PDQ, the thumbnail. For pictures hashed
    only to be searched, such as a lookup's content views, those were two thirds of the time."""
    image = image.convert("RGB")
    if pdq_hash(np.asarray(image))[1] < MIN_QUALITY:
        return None
    image.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.BILINEAR)
    return _unique([h for view in _query_views(image) for h in _view_hashes(view, 0)])


# EXIF orientations that turn the picture a quarter: it is displayed with its sides swapped.
QUARTER_TURNS = frozenset({5, 6, 7, 8})


def exif_orientation(image: Image.Image) -> int:
    """The EXIF orientation the picture is displayed with: 1 (as stored) when it has none, and
    when its EXIF block cannot be read, which is how browsers show such a file."""
    try:
        return image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:  # Pillow's TIFF reader raises all sorts of errors on a damaged block
        return 1


def upright(image: Image.Image) -> Image.Image:
    """The picture turned as its EXIF orientation says, for display; the same object when that
    turns nothing (a fresh copy of a 12 MP photo's decode made hashing it a fifth slower:
    bench/media/README.md)."""
    if exif_orientation(image) == 1:
        return image
    return ImageOps.exif_transpose(image)


def image_size(stream: IO[bytes]) -> tuple[int, int]:
    """(width, height) from the header alone, nothing decoded; Undecodable when the bytes are
    not an image of a format we read. Leaves the stream at its start."""
    stream.seek(0)
    try:
        with Image.open(stream, formats=IMAGE_FORMATS) as image:
            return image.size
    except _DECODE_ERRORS as error:
        raise Undecodable(str(error)) from error
    finally:
        stream.seek(0)


def decode_image(stream: IO[bytes]) -> tuple[Image.Image, Image.Image]:
    """(stored, displayed): the picture as the file stores its pixels, at REFERENCE_SIZE or
    more, and as it is displayed (its EXIF orientation applied), at the same size: the same
    object when the orientation turns nothing.

    Decoded no larger than needed: JPEG decodes at 1/2, 1/4 or 1/8 scale in draft mode, which
    saves most of the decoding time of a big photo."""
    image = Image.open(stream, formats=IMAGE_FORMATS)
    image.draft("RGB", (REFERENCE_SIZE, REFERENCE_SIZE))
    stored = image.convert("RGB")
    factor = min(stored.size) // REFERENCE_SIZE
    if factor >= 2:
        stored = stored.reduce(factor)
    # The EXIF block travels with the converted copy: turned as the file says, for display.
    return stored, upright(stored)


def open_image(stream: IO[bytes]) -> Image.Image:
    """The picture as displayed, at WORK_SIZE."""
    displayed = decode_image(stream)[1]
    displayed.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.BILINEAR)
    return displayed


def hash_image(stream: IO[bytes]) -> list[FrameHashes]:
    """The image's hashes (none when it is too flat); Undecodable when it is not an image."""
    try:
        stored, displayed = decode_image(stream)
        frame = hash_picture(displayed, stored=stored)
    except _DECODE_ERRORS as error:
        raise Undecodable(str(error)) from error
    return [frame] if frame is not None else []


class SceneChanges:
    """Compares consecutive 64x36 grey thumbnails of one video.

    A frame is worth keeping when it differs from the last by a mean of SCENE_CHANGE grey levels
    (a cut, or motion fast enough that keyframes on the clock would miss what was between them),
    and it is a cut when that also stands out from the recent differences (SCENE_CHANGE_RATIO).
    Both are measured over the bounding box of every pixel that has changed so far rather than
    over the whole frame: a re-upload that puts the footage on a still background, between
    solid bands or into a screen recording leaves the rest of the frame unchanged, which dilutes
    a cut of the footage below the threshold (a picture on a third of the frame changes it by a
    third as much). Footage that fills the frame changes all of it within a few frames, where
    the two measures are the same.
    """

    def __init__(self) -> None:
        self._previous: np.ndarray | None = None
        self._changed: np.ndarray | None = None
        self._recent: collections.deque[float] = collections.deque(maxlen=SCENE_HISTORY)

    def compare(self, thumb: np.ndarray) -> tuple[bool, bool]:
        """(worth keeping, a cut) for the next frame's thumbnail; the first is kept, no cut."""
        previous, self._previous = self._previous, thumb.astype(np.int16)
        if previous is None:
            return True, False
        difference = np.abs(self._previous - previous)
        moved = difference > SCENE_PIXEL_CHANGE
        self._changed = moved if self._changed is None else self._changed | moved
        rows = np.flatnonzero(self._changed.any(axis=1))
        columns = np.flatnonzero(self._changed.any(axis=0))
        height, width = thumb.shape
        if (
            rows.size
            and rows[-1] + 1 - rows[0] >= SCENE_REGION_SHARE * height
            and columns[-1] + 1 - columns[0] >= SCENE_REGION_SHARE * width
        ):
            difference = difference[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
        change = float(difference.mean())
        usual = statistics.median(self._recent) if self._recent else 0.0
        self._recent.append(change)
        changed = change >= SCENE_CHANGE
        return changed, changed and change >= SCENE_CHANGE_RATIO * usual


def quarter_turns(rotation: int) -> int:
    """Counterclockwise quarter turns (0-3) of a video's display matrix rotation (degrees
    counterclockwise, as FFmpeg gives it: -90 for a phone's portrait video stored sideways)."""
    return round(rotation / 90) % 4


# Pillow's turn for each number of counterclockwise quarter turns.
_TRANSPOSE_FOR_TURNS = {
    1: Image.Transpose.ROTATE_90,
    2: Image.Transpose.ROTATE_180,
    3: Image.Transpose.ROTATE_270,
}


def displayed_frame(picture: Image.Image, rotation: int) -> Image.Image:
    """A decoded frame as players show it: turned as the video's display matrix says, which is
    how its re-uploads were made from it."""
    turn = _TRANSPOSE_FOR_TURNS.get(quarter_turns(rotation))
    return picture if turn is None else picture.transpose(turn)


def keyframes(stream: IO[bytes]) -> Iterator[tuple[float, Image.Image, bool]]:
    """(offset, picture, is a cut) at each cut or large change of picture (SceneChanges) and at
    least every MAX_KEYFRAME_INTERVAL seconds.

    Every reference frame is decoded (cuts fall between the codec's own keyframes), but only a
    64x36 grey thumbnail is compared; full pictures are converted for the frames kept.
    """
    stream.seek(0)
    with open_input(stream) as container:
        video = container.streams.video[0]
        video.thread_type = "AUTO"
        # Frames no other frame refers to (most B-frames) are not decoded: a cut is still seen
        # within a frame or two, for a third less decoding.
        video.codec_context.skip_frame = "NONREF"
        changes = SceneChanges()
        last_kept = None
        for frame in container.decode(video):
            if frame.time is None:
                continue
            changed, cut = changes.compare(frame.reformat(*SCENE_THUMB, format="gray").to_ndarray())
            due = last_kept is None or frame.time - last_kept >= MAX_KEYFRAME_INTERVAL
            if changed or due:
                last_kept = frame.time
                width, height = frame.width, frame.height
                # Big enough for the reference PDQ (hash_picture shrinks it for the views).
                scale = min(1.0, REFERENCE_SIZE / min(width, height))
                picture = frame.to_image(width=round(width * scale), height=round(height * scale))
                yield float(frame.time), displayed_frame(picture, frame.rotation), cut


def hash_video(
    stream: IO[bytes], *, heartbeat: Callable[[], None] | None = None
) -> list[FrameHashes]:
    """Hashes of the video's keyframes; archive views of a frame skip the crops, which re-uploads
    of footage rarely add, to keep an hour of video to a few thousand archive hashes.
    Undecodable when the video cannot be decoded."""
    frames = []
    try:
        for offset, picture, is_cut in keyframes(stream):
            hashed = hash_picture(picture, round(offset, 3), crops=False)
            if hashed is not None:
                frames.append(replace(hashed, is_cut=is_cut))
            if heartbeat is not None:
                heartbeat()
    except _DECODE_ERRORS as error:
        raise Undecodable(str(error)) from error
    return frames


def split_hashes(joined: bytes) -> list[bytes]:
    return [joined[i : i + PDQ_BYTES] for i in range(0, len(joined), PDQ_BYTES)]


def hamming(a: bytes, b: bytes) -> int:
    return (int.from_bytes(a) ^ int.from_bytes(b)).bit_count()
