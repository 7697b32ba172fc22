"""Matching by picture: "check this" with an image, and suggestions from reverse-image lookups."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageOps

from claims.models import ClaimMedia
from matching.models import ClaimSuggestion
from media import demo_media
from media.models import LookupJob
from media.services.lookups import media_item_hash
from media.services.media import media_item_create
from media.tasks import run_lookup
from tests.api.conftest import client_for
from tests.matching.factories import claim, imported, published

pytestmark = pytest.mark.django_db

CHECK = "/api/v1/check/"


def _picture(seed: int) -> Image.Image:
    picture = Image.open(io.BytesIO(demo_media.still(seed))).convert("RGB")
    draw = ImageDraw.Draw(picture)
    for step in range(0, 800, 90):
        draw.line([(step, 0), (800 - step // 2, 600)], fill=(250, 250, 250), width=4)
    return picture


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=75)
    return buffer.getvalue()


def _carry(subject, picture: Image.Image, *, in_archive: bool = True):
    item, _ = media_item_create(
        actor=None,
        file=ContentFile(_jpeg(picture), name="p.jpg"),
        in_archive=in_archive,
        queue_hashing=False,
    )
    item = media_item_hash(media_item_id=item.pk)
    ClaimMedia.objects.create(claim=subject, media_item=item)
    return item


def test_check_with_an_image_finds_the_verdict_on_the_claim_that_carried_it():
    verdict = imported("Photo shows soldiers at the 2015 funeral in Pyongyang")
    _carry(verdict.claim, _picture(31))
    other = published("Photo shows a flooded street in Busan after the typhoon")
    _carry(other.claim, _picture(32))
    copy = ImageOps.mirror(_picture(31)).resize((400, 300))
    response = client_for("consumer").post(
        CHECK, {"image": SimpleUploadedFile("copy.jpg", _jpeg(copy), "image/jpeg")}, "multipart"
    )
    assert response.status_code == 200, response.json()
    [result] = response.json()["results"]
    assert result["verdict"]["id"] == verdict.pk
    assert result["is_strong"]
    assert result["matched"]["media"]["distance"] <= 32
    assert "text" not in result["matched"]


def test_text_and_image_found_together_keep_the_better_score():
    verdict = published("Viral photo shows the president asleep at the climate summit in Paris")
    _carry(verdict.claim, _picture(33))
    response = client_for("anonymous").post(
        CHECK,
        {
            "text": "Photo shows the president asleep at the Paris climate summit",
            "image": SimpleUploadedFile("c.jpg", _jpeg(_picture(33)), "image/jpeg"),
        },
        "multipart",
    )
    [result] = response.json()["results"]
    assert set(result["matched"]) == {"text", "media"}
    assert result["score"] >= 0.9


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "text"),
        ({"image": SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")}, "image"),
        ({"image": "just a string"}, "image"),
    ],
)
def test_bad_check_requests_are_400(data, field):
    response = client_for("consumer").post(CHECK, data, "multipart")
    assert response.status_code == 400
    assert field in response.json()["details"]


def test_a_lookup_suggests_the_claims_that_carried_the_same_picture(
    django_capture_on_commit_callbacks,
):
    earlier = published("Photo shows soldiers guarding the funeral hall in 2015")
    _carry(earlier.claim, _picture(34))
    new = claim("This picture was taken yesterday")
    item = _carry(new, _picture(34).resize((500, 375)), in_archive=False)
    job = LookupJob.objects.create(media_item=item)
    # Suggestions are made by a handler of the lookup's event, once the lookup has committed.
    with django_capture_on_commit_callbacks(execute=True):
        run_lookup(job.pk)
    suggestion = ClaimSuggestion.objects.get(claim=new)
    assert suggestion.suggested_id == earlier.claim_id
    assert suggestion.media_score >= 0.9
    # A short claim is strong when the media match, never on its text alone.
    assert suggestion.is_strong
