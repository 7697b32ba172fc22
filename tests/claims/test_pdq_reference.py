"""The PDQ we store and export is Meta's reference hash (within Meta's rule: 10 bits of its C++
reference at quality 80 or more), of the pixels as the file stores them, whatever their size."""

import csv
import io
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image

from media import hashing

DATA = Path(__file__).parent / "pdq_reference"
# Meta's rule for an implementation to count as correct.
REFERENCE_TOLERANCE = 10


def _expected() -> list[tuple[str, bytes]]:
    with (DATA / "expected.csv").open() as rows:
        return [(row["file"], bytes.fromhex(row["pdq_hash_hex"])) for row in csv.DictReader(rows)]


def _full_size_pdq(data: bytes) -> bytes:
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    bits, _ = pdqhash.compute(np.ascontiguousarray(pixels))
    return np.packbits(bits.astype(np.uint8)).tobytes()


def _jpeg(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "reference"), _expected())
def test_meta_test_images_hash_as_the_reference(name, reference):
    [frame] = hashing.hash_image(io.BytesIO((DATA / name).read_bytes()))
    assert frame.quality >= 80
    assert hashing.hamming(frame.pdq, reference) <= REFERENCE_TOLERANCE


@pytest.mark.parametrize("size", [(1600, 1200), (3000, 2000)])
def test_a_large_photo_is_not_shrunk_away_from_its_reference_hash(size):
    photo = Image.open(DATA / "q2821.jpg").convert("RGB").resize(size, Image.Resampling.BICUBIC)
    data = _jpeg(photo)
    [frame] = hashing.hash_image(io.BytesIO(data))
    assert hashing.hamming(frame.pdq, _full_size_pdq(data)) <= REFERENCE_TOLERANCE


def test_a_large_png_is_reduced_close_to_its_reference_hash():
    photo = Image.open(DATA / "q2821.jpg").convert("RGB").resize((2400, 2400))
    buffer = io.BytesIO()
    photo.save(buffer, "PNG")
    [frame] = hashing.hash_image(io.BytesIO(buffer.getvalue()))
    assert hashing.hamming(frame.pdq, _full_size_pdq(buffer.getvalue())) <= REFERENCE_TOLERANCE


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_the_reference_hash_ignores_exif_orientation_and_the_views_do_not(orientation):
    photo = Image.open(DATA / "q1050.jpg").convert("RGB")
    plain = _jpeg(photo)
    exif = Image.Exif()
    exif[0x0112] = orientation
    turned = _jpeg(photo, exif=exif.tobytes())
    [plain_frame] = hashing.hash_image(io.BytesIO(plain))
    [turned_frame] = hashing.hash_image(io.BytesIO(turned))
    # The reference reads no EXIF: the same pixels, the same hash.
    assert hashing.hamming(turned_frame.pdq, plain_frame.pdq) <= 2
    assert hashing.hamming(turned_frame.pdq, _full_size_pdq(turned)) <= REFERENCE_TOLERANCE
    # A screenshot of the displayed picture still finds it: the displayed orientation's own
    # hash is among the archive hashes.
    displayed = photo.transpose(
        {
            3: Image.Transpose.ROTATE_180,
            6: Image.Transpose.ROTATE_270,
            8: Image.Transpose.ROTATE_90,
        }[orientation]
    )
    [screenshot] = hashing.hash_image(io.BytesIO(_jpeg(displayed)))
    closest = min(
        hashing.hamming(screenshot.pdq, archived)
        for archived in hashing.split_hashes(turned_frame.archive_hashes)
    )
    assert closest <= REFERENCE_TOLERANCE
