"""The desk's pages, as the newsroom uses them and as everyone else does not see them."""

import pytest
from django.urls import reverse

from claims.models import Claim, Evidence, Verdict
from claims.services.demo import demo_load
from media.models import LookupJob, MediaItem
from media.services.lookups import earliest_match
from media.tasks import run_lookup
from tests.factories import UserFactory, editor, fact_checker

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    result = demo_load(actor=None)
    job = LookupJob.objects.get(media_item__claim_media__claim=result.funeral_claim)
    run_lookup(job.pk)
    return result


def _client(client, user):
    client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/desk/")


@pytest.mark.parametrize("path", ["/desk/", "/desk/keys/", "/desk/claims/1/", "/desk/lookups/"])
def test_outsiders_logged_in_get_404(client, path):
    client.force_login(UserFactory())
    assert client.get(path).status_code == 404


def test_editor_home_shows_every_section(client, demo):
    response = _client(client, editor()).get("/desk/")
    assert response.status_code == 200
    page = response.content.decode()
    for title in (
        "Log a claim",
        "My claims",
        "My lookups",
        "New claims to triage",
        "Review queue",
        "Published lately",
        "Corrections and retractions",
    ):
        assert title in page


def test_fact_checker_home_has_no_editor_sections(client, demo):
    page = _client(client, fact_checker()).get("/desk/").content.decode()
    assert "New claims to triage" in page
    assert "Review queue" not in page


def test_lookup_page_shows_frames_dates_and_the_earliest_match(client, demo):
    job = LookupJob.objects.get(media_item__claim_media__claim=demo.funeral_claim)
    response = _client(client, fact_checker()).get(reverse("desk:lookup", args=[job.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    earliest = earliest_match(job)
    assert f'id="match-{earliest.pk}"' in page
    assert "Earliest</span>" in page
    assert "9 November 2015" in page
    assert "CCTV" in page
    assert f"/frames/{job.media_item_id}/" in page
    assert f"/frames/{earliest.matched_item_id}/" in page
    assert "Record as evidence" in page
    # The demo's copies are verified: what was done to the picture, in words, not field names.
    assert "Changes to the picture" in page
    assert "agree on it" in page
    assert "reference_box" not in page


def test_recording_a_match_as_evidence_in_place(client, demo):
    job = LookupJob.objects.get(media_item__claim_media__claim=demo.funeral_claim)
    match = earliest_match(job)
    response = _client(client, fact_checker()).post(
        reverse("desk:match-evidence", args=[job.pk, match.pk]),
        {"relation": "refutes"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Recorded as evidence" in response.content.decode()
    evidence = Evidence.objects.get(lookup_match=match)
    assert (evidence.claim, evidence.relation) == (demo.funeral_claim, "refutes")


def test_claim_and_media_pages(client, demo):
    c = _client(client, fact_checker())
    assert c.get(reverse("desk:claim", args=[demo.funeral_claim.pk])).status_code == 200
    clip = demo.funeral_claim.media.get()
    page = c.get(reverse("desk:media", args=[clip.pk])).content.decode()
    assert page.count(f"/frames/{clip.pk}/") == clip.frames.count()


def test_intake_logs_a_claim_with_its_post_and_picture(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import jpeg_bytes

    user = fact_checker()
    response = _client(client, user).post(
        "/desk/intake/",
        {
            "text": "朝鲜发行新钞",
            "url": "https://x.com/someone/status/1",
            "language": "zh",
            "file": SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg"),
        },
    )
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:claim", args=[claim.pk])
    assert (claim.assignee, claim.language) == (user, "zh")
    assert claim.appearances.get().platform == "x"
    assert claim.media.get().status == MediaItem.Status.READY


def test_editor_publishes_from_the_review_queue(client, demo):
    from claims.services.workflow import verdict_submit

    checker = fact_checker()
    verdict_submit(verdict=demo.funeral_verdict, actor=checker)
    c = _client(client, editor())
    assert "Ready to publish." in c.get("/desk/").content.decode()
    response = c.post(
        reverse("desk:verdict-action", args=[demo.funeral_verdict.pk, "publish"]),
        {"next": "/desk/#review"},
    )
    assert response.status_code == 302
    demo.funeral_verdict.refresh_from_db()
    assert demo.funeral_verdict.status == Verdict.Status.PUBLISHED
