"""The admin as the newsroom reads it: filters that say what they filter, frames as pictures,
lookups with their thumbnails, dates and earliest match."""

import pytest

from claims.services.demo import demo_load
from media.models import LookupJob
from media.tasks import run_lookup
from tests.factories import editor

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_job():
    demo = demo_load(actor=None)
    job = LookupJob.objects.get(media_item__claim_media__claim=demo.funeral_claim)
    run_lookup(job.pk)
    return demo, job


def test_claim_filters_have_distinct_titles(client):
    client.force_login(editor())
    page = client.get("/admin/claims/claim/").content.decode()
    assert "By claim status" in page
    assert "By verdict status" in page
    assert page.count("By status") == 0


def test_media_frames_are_thumbnails_not_hex(client, demo_job):
    demo, _ = demo_job
    clip = demo.funeral_claim.media.get()
    client.force_login(editor())
    page = client.get(f"/admin/media/mediaitem/{clip.pk}/change/").content.decode()
    assert page.count(f'src="/frames/{clip.pk}/') == clip.frames.count()
    assert bytes(clip.frames.first().pdq_hash).hex() not in page


def test_lookup_admin_shows_frames_dates_and_the_earliest(client, demo_job):
    _, job = demo_job
    client.force_login(editor())
    page = client.get(f"/admin/media/lookupjob/{job.pk}/change/").content.decode()
    assert f'src="/frames/{job.media_item_id}/' in page
    assert "2015-11-09" in page
    assert "2020-06-14" in page
    assert page.count('alt="True"') == 1  # one earliest match
    assert f"/desk/lookups/{job.pk}/" in page


def test_the_claim_page_folds_evidence_and_hides_repeated_urls(client, demo_job):
    demo, _ = demo_job
    client.force_login(editor())
    page = client.get(f"/admin/claims/claim/{demo.funeral_claim.pk}/change/").content.decode()
    first = demo.funeral_claim.appearances.get(is_first=True)
    assert "claims/admin.css" in page
    assert 'class="module collapse' in page or "<details" in page
    assert first.url in page
