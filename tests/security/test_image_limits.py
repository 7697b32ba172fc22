"""Pictures sent to be searched for, not stored, meet the same pixel limit as intake: a small
PNG can hold a huge canvas that takes a web worker's memory when decoded."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.api.conftest import client_for
from tests.claims.conftest import Route, media_server  # noqa: F401

pytestmark = pytest.mark.django_db


def png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("1", size).save(buffer, format="PNG")
    return buffer.getvalue()


def check(image: bytes):
    upload = SimpleUploadedFile("picture.png", image, "image/png")
    return client_for("anonymous").post("/api/v1/check/", {"image": upload}, format="multipart")


def test_check_this_refuses_an_image_over_the_pixel_limit(settings):
    settings.MEDIA_MAX_PIXELS = 1_000_000
    response = check(png((1001, 1000)))
    assert response.status_code == 400, response.content
    assert response.json()["details"]["image"][0]["code"] == "invalid_image"
    assert "pixel" in response.json()["details"]["image"][0]["message"]


def test_check_this_refuses_the_reported_png_from_its_header():
    # 9950 x 9950 pixels in a few hundred kilobytes: under Pillow's own bomb check (twice
    # MEDIA_MAX_PIXELS) but well over ours.
    response = check(png((9950, 9950)))
    assert response.status_code == 400, response.content


def test_check_this_still_takes_an_image_within_the_limit(settings):
    settings.MEDIA_MAX_PIXELS = 1_000_000
    assert check(png((1000, 1000))).status_code == 200


def test_image_search_refuses_an_image_over_the_pixel_limit(settings, media_server):  # noqa: F811
    settings.MEDIA_MAX_PIXELS = 1_000_000
    media_server.routes["/big.png"] = Route(body=png((2000, 1000)))
    response = client_for("consumer").get(
        "/v1alpha1/claims:imageSearch", {"imageUri": media_server.url("/big.png")}
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "pixel" in response.json()["error"]["message"]
