"""Lookups search the hash lists other newsrooms shared as well as the archive: a picture whose
hash a partner shared is found without its media, at the strong distance only."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image, ImageOps

from claims.services.evidence import evidence_from_match
from media import hash_lists, hashing
from media.models import HashList
from media.services import lookups
from media.services.hash_lists import hash_list_import
from media.tasks import run_lookup
from tests.api.conftest import client_for
from tests.claims.services.test_lookups import jpeg, photo, stored
from tests.factories import ClaimFactory, fact_checker

pytestmark = pytest.mark.django_db


def _pdq(image: Image.Image) -> str:
    return hashing.hash_image(io.BytesIO(jpeg(image)))[0].pdq.hex()


def _shared(*lines: str, name: str = "Partner desk") -> HashList:
    return hash_list_import(
        name=name, text="\n".join(lines) + "\n", list_format="threatexchange", actor=None
    )


def _lookup(image: Image.Image, name: str = "query.jpg"):
    item = stored(jpeg(image, quality=50), name)
    job = lookups.lookup_request(media_item=item, actor=None)
    run_lookup(job.pk)
    job.refresh_from_db()
    assert job.status == job.Status.SUCCEEDED
    return job


def test_a_picture_whose_hash_was_shared_is_found_without_its_media():
    unrelated = _pdq(photo(31))
    shared = _shared(f"pdq {unrelated}", f"pdq {_pdq(photo(30))}")

    job = _lookup(photo(30))

    match = job.matches.get()
    assert match.matched_item is None
    assert match.shared_hash.hash_list == shared
    assert match.shared_hash.signal == 1
    assert match.shared_hash.line == 2
    assert match.distance <= 32
    assert match.is_strong


def test_a_mirrored_re_upload_of_a_shared_picture_is_found():
    _shared(f"pdq {_pdq(photo(35))}")

    match = _lookup(ImageOps.mirror(photo(35))).matches.get()

    assert match.distance <= 32


def test_a_video_of_a_shared_vpdq_list_is_matched_once_at_its_nearest_frame():
    frames = [(_pdq(photo(seed)), 90, float(second)) for second, seed in enumerate((40, 41, 42))]
    signal = hash_lists.Signal(
        hash_lists.VPDQ,
        tuple(hash_lists.Frame(bytes.fromhex(pdq), quality, at) for pdq, quality, at in frames),
    )
    _shared("".join(hash_lists.write([signal], "threatexchange")).strip())

    job = _lookup(photo(41))

    match = job.matches.get()
    assert match.shared_hash.signal_type == "vpdq"
    assert match.matched_offset_seconds == 1.0


def test_nothing_near_is_no_match_and_looser_than_strong_is_not_trusted():
    flipped = bytearray.fromhex(_pdq(photo(50)))
    # 48 bits of 256 apart: a suggestion for an archive picture, which verification can check;
    # a shared hash has no picture to check.
    for byte in range(6):
        flipped[byte] ^= 0xFF
    _shared(f"pdq {_pdq(photo(51))}", f"pdq {flipped.hex()}")

    assert not _lookup(photo(50)).matches.exists()


def test_a_flat_shared_hash_never_matches():
    # vPDQ carries each frame's quality; one under hashing.MIN_QUALITY says nothing.
    pdq = _pdq(photo(60))
    _shared(f'vpdq ["{pdq},10,0.000"]')

    assert not _lookup(photo(60)).matches.exists()


def test_a_deleted_list_is_no_longer_matched():
    _shared(f"pdq {_pdq(photo(70))}")
    assert _lookup(photo(70), "first.jpg").matches.exists()

    HashList.objects.all().delete()

    assert not _lookup(photo(70), "second.jpg").matches.exists()


def test_the_api_and_the_desk_name_the_list_and_evidence_cites_it():
    _shared(f"pdq {_pdq(photo(80))}", name="Partner desk")
    job = _lookup(photo(80))
    match = job.matches.get()

    body = client_for("fact-checker").get(f"/api/v1/lookups/{job.pk}/").json()

    found = body["matches"][0]
    assert found["matched_item"] is None
    assert found["shared_hash"]["hash_list_name"] == "Partner desk"
    assert found["shared_hash"]["signal"] == 0
    assert found["source"] == "hash list Partner desk"

    client = Client()
    client.force_login(fact_checker())
    page = client.get(reverse("desk:lookup", args=[job.pk]))
    assert page.status_code == 200
    assert "Partner desk" in page.content.decode()

    claim = ClaimFactory()
    claim.claim_media.create(media_item=job.media_item)
    evidence = evidence_from_match(match=match, actor=None)
    assert "Partner desk" in evidence.title
    assert evidence.url == ""
