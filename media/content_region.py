"""Where the picture is in a re-upload: the region worth hashing again as a query.

Border trimming (media.hashing) cuts uniform bands. Re-uploads add bands that are not uniform:
a 16:9 clip reframed to 9:16 with blurred or mirrored copies of itself above and below, a meme's
caption block whose text runs to the picture's edge, a picture put on a plain background or
turned by a few degrees with its corners filled, a picture pasted onto a busy background. Each
finder here looks for one of these and returns the box of what is left (or a straightened
picture); for a video, what moves across its keyframes is the footage, whatever surrounds it.
The lookup hashes those views as extra queries. A view is a guess, so a match found through it
is kept only when local features verify it (media.verification), or when its hash is as close
as PDQ's authors call the same picture. Subtitles burned over the picture are found too, for
the verification to take keypoints around them; they are no band, so no view is cut.

All of it works on a picture a few hundred pixels wide, in a few milliseconds, and returns no
view rather than failing on a picture it cannot read (flat, tiny, a strip).
"""

import math

import cv2
import numpy as np
from PIL import Image

# The pictures are examined at this size; views are cut from the picture given.
ANALYSIS_SIDE = 256
# A region smaller than this share of a side is not a picture but a detail.
MIN_REGION_SHARE = 0.3
# Rows (or columns) this much less sharp than the picture are a blurred band.
BLUR_RATIO = 0.2
# A band shorter than this share of the side is not worth a view.
MIN_BAND_SHARE = 0.04
# Mean grey difference under which the rows either side of a boundary mirror each other, over
# this many rows each side.
MIRROR_TOLERANCE = 6.0
MIRROR_DEPTH = 12
# Grey levels within which a pixel is the background's colour.
BACKGROUND_TOLERANCE = 24
# Smallest rotation worth straightening, in degrees.
MIN_SKEW_DEGREES = 2.0
# Across a clip's keyframes, a pixel whose grey level spans more than this is part of the footage
# (compression noise on a still background moves a few levels); a line is part of the moving
# region when more than MOVING_LINE_SHARE of its pixels are.
MOVING_LEVEL = 24
MOVING_LINE_SHARE = 0.05
# A moving region over this share of the frame is the frame itself.
MAX_MOVING_AREA = 0.9
# A framed box over this share of the picture is the picture itself (see framed_region).
MAX_FRAMED_AREA = 0.9

Box = tuple[int, int, int, int]


def _grey(image: Image.Image) -> tuple[np.ndarray, float]:
    small = image.convert("L")
    small.thumbnail((ANALYSIS_SIDE, ANALYSIS_SIDE), Image.Resampling.BILINEAR)
    return np.asarray(small, dtype=np.float32), image.width / small.width


def _longest_run(mask: np.ndarray) -> tuple[int, int]:
    """(start, end) of the longest run of True."""
    best, start = (0, 0), None
    for index, value in enumerate([*mask.tolist(), False]):
        if value and start is None:
            start = index
        elif not value and start is not None:
            if index - start > best[1] - best[0]:
                best = (start, index)
            start = None
    return best


def _sharp_span(energy: np.ndarray) -> tuple[int, int] | None:
    """The span of lines at least BLUR_RATIO as sharp as the picture, when it leaves a band at
    either end. The picture's sharpness is the median of the sharpest MIN_REGION_SHARE of the
    lines, which lie in it wherever it was put: the middle third's, taken before, was the
    background's when a picture lay off-centre (scikit-image's grass at 0.55 in the right of
    bench/media/robust.py's held-out "on a background": every column passed, no view)."""
    length = len(energy)
    sharpest = float(np.percentile(energy, 100 * (1 - MIN_REGION_SHARE / 2)))
    if sharpest <= 1.0:
        return None
    start, end = _longest_run(energy >= BLUR_RATIO * sharpest)
    if end - start < MIN_REGION_SHARE * length:
        return None
    if start < MIN_BAND_SHARE * length and length - end < MIN_BAND_SHARE * length:
        return None
    return start, end


def sharp_regions(grey: np.ndarray) -> list[Box]:
    """The sharp middle of a picture with blurred (or flat) bands along its edges: cut on both
    axes, and on each alone, since a soft sky or a plain wall in the picture can pass for a band
    on one axis."""
    gradient = np.abs(cv2.Laplacian(grey, cv2.CV_32F, ksize=3))
    height, width = grey.shape
    rows = _sharp_span(gradient.mean(axis=1))
    columns = _sharp_span(gradient.mean(axis=0))
    boxes = []
    if rows is not None:
        boxes.append((0, rows[0], width, rows[1]))
    if columns is not None:
        boxes.append((columns[0], 0, columns[1], height))
    if rows is not None and columns is not None:
        boxes.append((columns[0], rows[0], columns[1], rows[1]))
    return boxes


def _mirror_boundary(grey: np.ndarray) -> int | None:
    """The row at which the top band mirrors the picture below it, if any."""
    height = len(grey)
    spread = float(np.abs(np.diff(grey, axis=0)).mean()) + 1.0
    first, last = int(MIN_BAND_SHARE * height), int(0.4 * height)
    if last <= first:
        return None
    # A row's score: the mean difference between the MIRROR_DEPTH rows above it, nearest first,
    # and as many below it (fewer near the top). Summed one distance apart at a time for all
    # rows: one row at a time was most of the time of finding a lookup's views.
    rows = np.arange(first, last)
    depths = np.minimum(rows, MIRROR_DEPTH)
    totals = np.zeros(len(rows))
    for step in range(MIRROR_DEPTH):
        # Row r - 1 - step against row r + step, for every row r deep enough.
        deep = depths > step
        above = grey[rows[deep] - 1 - step]
        below = grey[rows[deep] + step]
        totals[deep] += np.abs(above - below).mean(axis=1)
    scores = totals / depths
    best_at = int(np.argmin(scores))
    best = float(scores[best_at])
    # A picture whose rows barely change (a page, a sky) mirrors itself anywhere.
    if best > MIRROR_TOLERANCE or best > 0.45 * spread or spread < 4:
        return None
    return int(rows[best_at])


def mirror_region(grey: np.ndarray) -> Box | None:
    """The picture between mirrored copies of itself above and below (or left and right):
    reframing mirrors on both sides, so one mirror-like edge alone is not taken."""
    height, width = grey.shape
    top, bottom = _mirror_boundary(grey), _mirror_boundary(grey[::-1])
    # The columns laid out as rows, so that each step of the scoring reads whole rows.
    columns = np.ascontiguousarray(grey.T)
    left, right = _mirror_boundary(columns), _mirror_boundary(columns[::-1])
    if top is None or bottom is None:
        top = bottom = None
    if left is None or right is None:
        left = right = None
    if top is None and left is None:
        return None
    box = (left or 0, top or 0, width - (right or 0), height - (bottom or 0))
    if box[2] - box[0] < MIN_REGION_SHARE * width or box[3] - box[1] < MIN_REGION_SHARE * height:
        return None
    return box


# Lines of text leave a few lines that are not flat (the busiest stretch of a line of type); a
# block continues across this many of them.
BLOCK_GAP = 3


def _block_depth(flat: np.ndarray) -> int:
    """How many lines from the edge the caption block reaches."""
    depth, gap = 0, 0
    for index, is_flat in enumerate(flat.tolist()):
        if is_flat:
            depth, gap = index + 1, 0
        else:
            gap += 1
            if gap > BLOCK_GAP:
                break
    return depth


def caption_region(rgb: np.ndarray) -> Box | None:
    """The picture without caption blocks above or below it: rows of one or two flat colours
    (white with black text, a coloured block with white text), even where the text reaches
    the edge, which defeats trimming by the edge colour alone."""
    height = len(rgb)
    quantised = (rgb // 32).astype(np.int32)
    codes = quantised[..., 0] * 64 + quantised[..., 1] * 8 + quantised[..., 2]
    flat = np.zeros(height, dtype=bool)
    for row in range(height):
        counts = np.bincount(codes[row], minlength=512)
        # Anti-aliased text adds grey edges: a fifth of a line of large type is neither colour.
        flat[row] = np.sort(counts)[-2:].sum() >= 0.7 * len(codes[row])
    top = _block_depth(flat)
    bottom = height - _block_depth(flat[::-1])
    if bottom - top < MIN_REGION_SHARE * height:
        return None
    if top < MIN_BAND_SHARE * height and height - bottom < MIN_BAND_SHARE * height:
        return None
    return 0, top, rgb.shape[1], bottom


# Subtitles burned over a picture are light letters outlined or shadowed in a dark colour, to be
# read on any picture: along a line of them, a light pixel lies within SUBTITLE_REACH pixels of a
# dark one at every stroke. A row is a subtitle row when more than SUBTITLE_ROW_SHARE of it is
# such a pixel (0.10-0.18 through a line of letters), and subtitles are at least
# SUBTITLE_MIN_ROWS such rows, or MIN_BAND_SHARE of the height when that is more: photographs
# have such rows too, a few at a time. With 3 rows alone, 1-5 of the 19 dev queries of most of
# bench/media/robust.py's families had subtitles they do not have; as it is, a page of text
# cropped or brightened, and coins brightened. Such a guess only takes a query's spread
# keypoints from less of it.
SUBTITLE_LIGHT = 200
SUBTITLE_DARK = 60
SUBTITLE_REACH = 2
SUBTITLE_ROW_SHARE = 0.05
SUBTITLE_MIN_ROWS = 3
# Subtitles are read above or below the picture's middle: rows within this share of the top or
# the bottom.
SUBTITLE_ZONE = 0.45


def subtitle_free_region(image: Image.Image) -> Box | None:
    """The picture between subtitles burned over its top or bottom, when it has any, in the
    picture's pixels. The letters' corners are the strongest in the picture: under them, a flat
    photograph keeps too few of the keypoints a verification needs (see
    media.verification.SPREAD_GRID). Unlike `caption_region`'s, the rows cut are not flat: the
    picture goes on behind the letters."""
    if min(image.size) < 16:
        return None
    grey, scale = _grey(image)
    height, width = grey.shape
    reach = np.ones((2 * SUBTITLE_REACH + 1, 2 * SUBTITLE_REACH + 1), np.uint8)
    near_dark = cv2.dilate((grey <= SUBTITLE_DARK).astype(np.uint8), reach) > 0
    lettered = ((grey >= SUBTITLE_LIGHT) & near_dark).mean(axis=1) > SUBTITLE_ROW_SHARE
    rows = np.flatnonzero(lettered)
    least = max(SUBTITLE_MIN_ROWS, MIN_BAND_SHARE * height)
    above, below = rows[rows < SUBTITLE_ZONE * height], rows[rows >= (1 - SUBTITLE_ZONE) * height]
    # A row either side of the letters' rows for the tops and tails of their strokes.
    top = int(above.max()) + 2 if len(above) >= least else 0
    bottom = int(below.min()) - 1 if len(below) >= least else height
    if (top, bottom) == (0, height) or bottom - top < MIN_REGION_SHARE * height:
        return None
    return _scaled((0, top, width, bottom), scale, image)


# A picture pasted onto a busy background (a collage, picture in picture) has no background
# colour to tell it by, but its edges are straight steps that the background's own gradients are
# not. A pixel is on such an edge when the colour (any channel) changes by FRAME_STEP levels
# across it, two pixels apart (a resampled edge is spread over two), and by one and a half times
# as much as FRAME_STEP_AWAY pixels to one side of it or the other (the flatter side): a smooth
# gradient changes as much there. A box is framed when each of its sides is FRAME_SIDE_SHARE such
# pixels, and twice the share of all the picture's pixels that are (noise is edges everywhere);
# its sides are sought among the FRAME_LINES rows and columns with the longest straight runs of
# them (16 left out the side of a brick wall, whose own joints ran as long). bench/media/robust.py's
# "on a background" (a picture on bicubic noise), dev and held-out seeds: 38 boxes of 38, to the
# pixel. Of its 19 photographs as they are, one gets a box (a motorcycle's panel), as do 58 of
# the 874 queries of the families that paste no picture: a view more to hash and search each.
FRAME_STEP = 24
FRAME_STEP_AWAY = 3
FRAME_SIDE_SHARE = 0.7
FRAME_LINES = 24


def _channel_change(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """The largest change of any colour channel between two pictures of one size (uint8)."""
    change = cv2.absdiff(before, after)
    return np.maximum(np.maximum(change[..., 0], change[..., 1]), change[..., 2])


def _steps(change: np.ndarray) -> np.ndarray:
    """(rows + 1, columns) booleans: an edge between row y - 1 and row y at each column, from
    the change between rows two apart (`change[k]`: rows k and k + 2)."""
    count = len(change)
    change = change.astype(np.int16)
    padded = np.pad(change, ((FRAME_STEP_AWAY, FRAME_STEP_AWAY), (0, 0)), mode="edge")
    flatter_side = np.minimum(padded[:count], padded[2 * FRAME_STEP_AWAY :])
    # One and a half times, in whole numbers.
    edge = (change >= FRAME_STEP) & (2 * change >= 3 * flatter_side)
    # The edge lies before row k + 1 or row k + 2.
    steps = np.zeros((count + 3, change.shape[1]), dtype=bool)
    steps[1 : count + 1] |= edge
    steps[2 : count + 2] |= edge
    return steps


def _straightest(steps: np.ndarray) -> np.ndarray:
    """The FRAME_LINES lines with the longest runs of edge pixels (one-pixel gaps bridged), no
    two neighbours."""
    bridged = steps.copy()
    bridged[:, 1:-1] |= steps[:, :-2] & steps[:, 2:]
    positions = np.arange(bridged.shape[1])
    last_gap = np.maximum.accumulate(np.where(bridged, -1, positions), axis=1)
    runs = (positions - last_gap).max(axis=1)
    chosen: list[int] = []
    for line in np.argsort(runs, kind="stable")[::-1].tolist():
        if len(chosen) == FRAME_LINES:
            break
        if all(abs(line - other) > 1 for other in chosen):
            chosen.append(line)
    return np.array(chosen)


def _spans(lines: np.ndarray, least: float) -> np.ndarray:
    """(first, last) of every two of the lines at least `least` apart."""
    lines = np.sort(lines)
    first, last = np.triu_indices(len(lines), k=1)
    pairs = np.column_stack([lines[first], lines[last]])
    return pairs[pairs[:, 1] - pairs[:, 0] >= least]


def _sharpest_line(lines: np.ndarray, line: int, start: int, end: int) -> int:
    """Of the lines within two of `line`, the one before which the colour changes most along
    [start, end): where the edge is to the pixel. A view a pixel off takes in a line of the
    background, or leaves out one of the picture, which moves a soft picture's hash by 30-40
    bits (bench/media/robust.py's microaneurysms on a background: 50-58 bits from its original,
    18-28 to the pixel)."""
    nearby = range(max(1, line - 2), min(len(lines) - 1, line + 2) + 1)
    return max(
        nearby,
        key=lambda at: float(
            _channel_change(lines[at, start:end], lines[at - 1, start:end]).mean()
        ),
    )


def framed_region(rgb: np.ndarray) -> Box | None:
    """The box of a picture pasted onto a background, found by its straight edges: the box,
    between MIN_REGION_SHARE of each side and MAX_FRAMED_AREA of the picture, whose sides are
    the most fully edged, when each is edged enough (see FRAME_SIDE_SHARE)."""
    height, width = rgb.shape[:2]
    if min(height, width) < 32:
        return None
    horizontal = _steps(_channel_change(rgb[2:], rgb[:-2]))[: height + 1]
    vertical = _steps(_channel_change(rgb[:, 2:], rgb[:, :-2]).T)[: width + 1]
    # Edge pixels counted along each line, so that any stretch of it is two lookups.
    along_rows = np.zeros((height + 1, width + 1), dtype=np.int32)
    along_rows[:, 1:] = np.cumsum(horizontal, axis=1)
    along_columns = np.zeros((width + 1, height + 1), dtype=np.int32)
    along_columns[:, 1:] = np.cumsum(vertical, axis=1)
    row_pairs = _spans(_straightest(horizontal), MIN_REGION_SHARE * height)
    column_pairs = _spans(_straightest(vertical), MIN_REGION_SHARE * width)
    if not len(row_pairs) or not len(column_pairs):
        return None
    # Every (top, bottom) with every (left, right) at once.
    top, bottom = row_pairs[:, :1], row_pairs[:, 1:]
    left, right = column_pairs[:, 0], column_pairs[:, 1]
    box_width, box_height = (right - left).astype(float), (bottom - top).astype(float)
    sides = (
        (along_rows[top, right] - along_rows[top, left]) / box_width,
        (along_rows[bottom, right] - along_rows[bottom, left]) / box_width,
        (along_columns[left, bottom] - along_columns[left, top]) / box_height,
        (along_columns[right, bottom] - along_columns[right, top]) / box_height,
    )
    fits = box_width * box_height <= MAX_FRAMED_AREA * width * height
    least_edged = np.minimum(np.minimum(sides[0], sides[1]), np.minimum(sides[2], sides[3]))
    edged = np.where(fits, least_edged, 0.0)
    best_rows, best_columns = np.unravel_index(int(np.argmax(edged)), edged.shape)
    everywhere = (horizontal.mean() + vertical.mean()) / 2
    if edged[best_rows, best_columns] < max(FRAME_SIDE_SHARE, 2 * everywhere):
        return None
    top, bottom = row_pairs[best_rows].tolist()
    left, right = column_pairs[best_columns].tolist()
    across = rgb.transpose(1, 0, 2)
    return (
        _sharpest_line(across, left, top, bottom),
        _sharpest_line(rgb, top, left, right),
        _sharpest_line(across, right, top, bottom),
        _sharpest_line(rgb, bottom, left, right),
    )


def _background_mask(grey: np.ndarray) -> np.ndarray | None:
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    # The border's commonest level: a turned picture's filled corners are a third of the
    # border or less, the rest is the picture itself.
    colour = float(np.argmax(np.bincount(border.astype(np.int64) // 8, minlength=32)) * 8 + 4)
    if float((np.abs(border - colour) <= BACKGROUND_TOLERANCE).mean()) < 0.3:
        return None
    foreground = (np.abs(grey - colour) > BACKGROUND_TOLERANCE).astype(np.uint8)
    # Close the gaps a picture's own background-coloured patches leave in it.
    kernel = np.ones((5, 5), np.uint8)
    return cv2.morphologyEx(foreground, cv2.MORPH_CLOSE, kernel)


def placed_region(grey: np.ndarray) -> tuple[Box, float] | None:
    """The picture laid on a plain background (a screen recording, a rotated picture's filled
    corners): its bounding box, and its rotation in degrees when it sits at an angle."""
    mask = _background_mask(grey)
    if mask is None:
        return None
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return None
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    left, top, width, height = stats[largest, :4]
    full_height, full_width = grey.shape
    if width < MIN_REGION_SHARE * full_width or height < MIN_REGION_SHARE * full_height:
        return None
    points = np.column_stack(np.nonzero(labels == largest)[::-1])
    (_, _), (_, _), angle = cv2.minAreaRect(points.astype(np.float32))
    # minAreaRect's angle is the box's, modulo a quarter turn: the picture's is the nearest zero.
    skew = (angle + 45) % 90 - 45
    if width * height > 0.97 * full_width * full_height and abs(skew) < MIN_SKEW_DEGREES:
        return None
    return (int(left), int(top), int(left + width), int(top + height)), float(skew)


def _scaled(box: Box, scale: float, image: Image.Image) -> Box:
    left, top, right, bottom = box
    return (
        max(0, round(left * scale)),
        max(0, round(top * scale)),
        min(image.width, round(right * scale)),
        min(image.height, round(bottom * scale)),
    )


def _straightened(region: Image.Image, skew: float) -> Image.Image:
    """The picture in `region` (the bounding box of a picture turned by `skew` degrees) turned
    back and cut to the picture, its filled corners left out."""
    upright = region.rotate(skew, resample=Image.Resampling.BILINEAR, expand=False)
    cosine, sine = math.cos(math.radians(skew)), abs(math.sin(math.radians(skew)))
    width, height = region.size
    # A w x h picture turned by the skew has a bounding box of w cos + h sin by w sin + h cos.
    determinant = cosine * cosine - sine * sine
    picture_width = (width * cosine - height * sine) / determinant
    picture_height = (height * cosine - width * sine) / determinant
    # A little inside, for the resampled edge.
    picture_width, picture_height = picture_width * 0.97, picture_height * 0.97
    if picture_width < 16 or picture_height < 16:
        return upright
    left, top = (width - picture_width) / 2, (height - picture_height) / 2
    return upright.crop(
        (round(left), round(top), round(left + picture_width), round(top + picture_height))
    )


def moving_region(pictures: list[Image.Image]) -> Box | None:
    """The box, in the pictures' pixels, of what changes across a video's keyframes (all of one
    size): footage laid on a still background, into a screen recording or between solid bands,
    which no finder of a single frame can tell from a busy background. None when the clip has
    too few keyframes, the whole frame changes, or too little of it does."""
    if len(pictures) < 3 or len({picture.size for picture in pictures}) != 1:
        return None
    greys = [_grey(picture)[0] for picture in pictures]
    scale = pictures[0].width / greys[0].shape[1]
    stack = np.stack(greys)
    moving = (stack.max(axis=0) - stack.min(axis=0)) > MOVING_LEVEL
    rows = np.flatnonzero(moving.mean(axis=1) > MOVING_LINE_SHARE)
    columns = np.flatnonzero(moving.mean(axis=0) > MOVING_LINE_SHARE)
    if not rows.size or not columns.size:
        return None
    height, width = moving.shape
    box = (int(columns[0]), int(rows[0]), int(columns[-1]) + 1, int(rows[-1]) + 1)
    box_width, box_height = box[2] - box[0], box[3] - box[1]
    if box_width < MIN_REGION_SHARE * width or box_height < MIN_REGION_SHARE * height:
        return None
    if box_width * box_height > MAX_MOVING_AREA * width * height:
        return None
    return _scaled(box, scale, pictures[0])


def content_views(image: Image.Image) -> list[Image.Image]:
    """Pictures to hash as extra queries: the content regions found, without duplicates and
    without the whole picture itself (hashed already)."""
    rgb_image = image.convert("RGB")
    if min(rgb_image.size) < 16:
        return []
    grey, scale = _grey(rgb_image)
    if min(grey.shape) < 32:
        return []
    small = rgb_image.copy()
    small.thumbnail((ANALYSIS_SIDE, ANALYSIS_SIDE), Image.Resampling.BILINEAR)
    small_rgb = np.asarray(small)
    boxes = [
        *sharp_regions(grey),
        mirror_region(grey),
        caption_region(small_rgb),
        framed_region(small_rgb),
    ]
    views: list[Image.Image] = []
    placed = placed_region(grey)
    if placed is not None:
        box, skew = placed
        if abs(skew) >= MIN_SKEW_DEGREES:
            # The bounding box of a turned picture holds its filled corners; turned back and
            # cut to the upright rectangle, it is the picture cropped a little.
            views.append(_straightened(rgb_image.crop(_scaled(box, scale, rgb_image)), skew))
        else:
            boxes.append(box)
    seen = {(0, 0, rgb_image.width, rgb_image.height)}
    for box in boxes:
        if box is None:
            continue
        scaled = _scaled(box, scale, rgb_image)
        if scaled in seen or scaled[2] - scaled[0] < 16 or scaled[3] - scaled[1] < 16:
            continue
        seen.add(scaled)
        views.append(rgb_image.crop(scaled))
    return views
