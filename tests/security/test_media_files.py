"""Media files are served with the API's visibility: what outsiders may read (the media of
published claims and of their public evidence, and the archive copies a public page shows as
a claim's earliest source), to anyone; the rest only to the newsroom. Anyone holding a picture
could otherwise tell, from its sha256, whether we hold it."""

import importlib

import pytest
from django.test import Client
from django.urls import clear_url_caches
from django.utils import timezone

from claims.models import ClaimMedia, Verdict
from core.services.api_keys import api_key_create
from factcheck import urls
from media.models import LookupJob, LookupMatch
from tests.factories import (
    MediaItemFactory,
    PublisherFactory,
    RatingFactory,
    UserFactory,
    VerdictFactory,
    fact_checker,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _routes_as_served(settings):
    """The routes as the embedded default and debug built them (the leak was there)."""
    settings.SERVE_MEDIA = True
    settings.API_RATE_LIMITS = {}
    importlib.reload(urls)
    clear_url_caches()
    yield
    importlib.reload(urls)
    clear_url_caches()


@pytest.fixture
def media():
    ours = PublisherFactory(is_self=True)
    published = VerdictFactory(
        publisher=ours,
        rating=RatingFactory(),
        status=Verdict.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    public = MediaItemFactory()
    ClaimMedia.objects.create(claim=published.claim, media_item=public)
    source = MediaItemFactory(in_archive=True, first_published_at=timezone.now())
    job = LookupJob.objects.create(media_item=public)
    LookupMatch.objects.create(job=job, matched_item=source, distance=4)
    draft = MediaItemFactory()
    ClaimMedia.objects.create(claim=VerdictFactory(publisher=ours).claim, media_item=draft)
    loose = MediaItemFactory()  # uploaded, on no claim yet
    return {"public": public, "source": source, "draft": draft, "loose": loose}


def url(item) -> str:
    return f"/media/{item.file.name}"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("name", ["public", "source"])
def test_published_media_is_served_to_anyone(media, name):
    response = Client().get(url(media[name]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    media[name].file.open("rb")
    assert body(response) == media[name].file.read()


@pytest.mark.parametrize("name", ["draft", "loose"])
def test_unpublished_media_is_not_found_for_outsiders(media, name):
    _, key = api_key_create(owner=UserFactory(), name="partner", created_by=None)
    assert Client().get(url(media[name])).status_code == 404
    assert Client().get(url(media[name]), HTTP_X_API_KEY=key).status_code == 404


@pytest.mark.parametrize("name", ["draft", "loose"])
def test_unpublished_media_is_served_to_the_newsroom(media, name):
    session = Client()
    session.force_login(fact_checker())
    response = session.get(url(media[name]))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    _, key = api_key_create(owner=fact_checker(), name="desk", created_by=None)
    assert Client().get(url(media[name]), HTTP_X_API_KEY=key).status_code == 200


def test_files_that_are_no_media_item_are_not_served(media, settings):
    (settings.MEDIA_ROOT / "imports").mkdir(parents=True)
    (settings.MEDIA_ROOT / "imports" / "feed.json").write_text("{}")
    session = Client()
    session.force_login(fact_checker())
    assert session.get("/media/imports/feed.json").status_code == 404
    assert session.get("/media/../settings.py").status_code == 404


def test_production_hands_the_file_to_the_web_server(media, settings):
    settings.MEDIA_X_ACCEL_REDIRECT = "/protected-media/"
    response = Client().get(url(media["public"]))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{media['public'].file.name}"
    assert response.content == b""
    assert Client().get(url(media["draft"])).status_code == 404
