"""Image searches from web requests (claims:imageSearch, the check API) are answered by a worker
holding the archive index, not by the web process; without a worker they answer 503 in bounded
time, with a machine-readable body."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageOps
from rest_framework.test import APIClient

from media import archive_index
from media.models import ArchiveSearchJob
from tests.factchecktools.conftest import get
from tests.factchecktools.test_image_search import _checked_claim_with_picture, _jpeg, images  # noqa: F401
from tests.workers import celery_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHECK = "/api/v1/check/"
IMAGE_SEARCH = "/v1alpha1/claims:imageSearch"


@pytest.fixture
def by_worker(settings):
    settings.ARCHIVE_SEARCH_BY_WORKER = True
    settings.ARCHIVE_SEARCH_TIMEOUT_SECONDS = 20


def _copy(picture: Image.Image) -> bytes:
    return _jpeg(ImageOps.mirror(picture).resize((400, 300)))


def test_a_worker_answers_the_image_searches_of_web_requests(
    settings,
    by_worker,
    keys,
    scale,
    afp,
    images,  # noqa: F811
):
    bodies, base = images
    picture = _checked_claim_with_picture(scale, afp, 21, "Photo shows the 2015 funeral")
    bodies["/copy.jpg"] = _copy(picture)
    with celery_worker(env={"DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT)}) as worker:
        answer = get(IMAGE_SEARCH, keys.consumer, imageUri=f"{base}/copy.jpg")
        assert answer.status_code == 200, f"{answer.content}\n{worker.log}"
        [result] = answer.json()["results"]
        assert result["claim"]["text"] == "Photo shows the 2015 funeral"

        response = APIClient().post(
            CHECK,
            {"image": SimpleUploadedFile("copy.jpg", _copy(picture), "image/jpeg")},
            "multipart",
        )
        assert response.status_code == 200, f"{response.content}\n{worker.log}"
        [match] = response.json()["results"]
        assert match["claim"]["text"] == "Photo shows the 2015 funeral"
        assert "media.tasks.search_archive" in worker.log
    # The web process (this one) never loaded the archive index; the searches left no rows.
    assert not archive_index._process_indexes
    assert not ArchiveSearchJob.objects.exists()


def test_without_a_worker_image_searches_answer_503_in_bounded_time(
    settings,
    by_worker,
    keys,
    scale,
    afp,
    images,  # noqa: F811
):
    settings.ARCHIVE_SEARCH_TIMEOUT_SECONDS = 0.5
    bodies, base = images
    picture = _checked_claim_with_picture(scale, afp, 21, "Photo shows the 2015 funeral")
    bodies["/copy.jpg"] = _copy(picture)

    started = time.monotonic()
    response = APIClient().post(
        CHECK, {"image": SimpleUploadedFile("copy.jpg", _copy(picture), "image/jpeg")}, "multipart"
    )
    assert response.status_code == 503
    assert response.json()["code"] == "archive_search_unavailable"
    assert response.json()["details"] == {}
    assert response["Retry-After"] == "5"

    answer = get(IMAGE_SEARCH, keys.consumer, imageUri=f"{base}/copy.jpg")
    assert answer.status_code == 503
    assert answer.json()["error"]["status"] == "UNAVAILABLE"
    assert answer["Retry-After"] == "5"
    assert time.monotonic() - started < 10
    assert not archive_index._process_indexes
    assert not ArchiveSearchJob.objects.exists()


def test_a_text_only_check_needs_no_worker(settings, by_worker):
    settings.ARCHIVE_SEARCH_TIMEOUT_SECONDS = 0.5
    response = APIClient().post(CHECK, {"text": "The moon landing was staged"}, "json")
    assert response.status_code == 200
    blank = io.BytesIO()
    Image.new("RGB", (300, 200), (0, 0, 0)).save(blank, "JPEG")
    # A picture too flat to hash has nothing to search: no worker asked either.
    response = APIClient().post(
        CHECK, {"image": SimpleUploadedFile("b.jpg", blank.getvalue(), "image/jpeg")}, "multipart"
    )
    assert response.status_code == 200
