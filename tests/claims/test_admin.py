"""The newsroom admin: pages a fact-checker works in all day, writes through the services, and
errors shown on the form with nothing half-saved."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from claims.admin import RatingForm, RatingSynonymForm
from claims.models import Appearance, Claim, Evidence, Rating, RatingScale, RatingSynonym, Verdict
from claims.services.demo import X_POST_URL, demo_load
from media import demo_media
from media.models import LookupJob, MediaItem
from media.services.lookups import earliest_match
from media.tasks import run_lookup
from tests.factories import (
    RatingFactory,
    RatingScaleFactory,
    VerdictFactory,
    editor,
    fact_checker,
    jpeg_bytes,
)

pytestmark = pytest.mark.django_db

INLINE_PREFIXES = ["appearances", "claim_media", "evidence", "verdicts"]


def _inline_management(**rows: list[dict]) -> dict:
    """POST data for the claim form's inlines: `rows` per prefix, every other inline empty."""
    data = {}
    for prefix in INLINE_PREFIXES:
        forms = rows.get(prefix, [])
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(forms)),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for index, form in enumerate(forms):
            data |= {f"{prefix}-{index}-{name}": value for name, value in form.items()}
    return data


def _claim_form(**fields) -> dict:
    return {"text": "A photo shows a flooded airport.", "language": "en", "status": "new"} | fields


@pytest.fixture
def demo():
    return demo_load(actor=None)


@pytest.fixture
def checker_client(client):
    client.force_login(fact_checker())
    return client


def test_claim_list_shows_demo_case_with_rating_and_platform(checker_client, demo):
    response = checker_client.get(reverse("admin:claims_claim_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "state funeral of North Korean general Kim Yong Bok" in page
    assert "False" in page
    assert "X" in page


@pytest.mark.parametrize(
    "term",
    [
        "Kim Yong Bok",
        "金永福",
        "Chinese-language social media",
        "douyin.com/video/7451234567890123456",
    ],
)
def test_search_covers_text_original_text_claimant_and_appearance_urls(checker_client, demo, term):
    response = checker_client.get(reverse("admin:claims_claim_changelist"), {"q": term})
    assert list(response.context["cl"].result_list) == [demo.funeral_claim]


def test_list_filters_by_platform_rating_topic_language_and_status(checker_client, demo):
    false = Rating.objects.get(label="False")
    url = reverse("admin:claims_claim_changelist")
    for params in [
        {"appearances__platform__exact": "douyin"},
        {"verdicts__rating__id__exact": false.pk},
        {"topics__id__exact": demo.funeral_claim.topics.get(slug="viral-video").pk},
        {"language": "zh"},
        {"status__exact": "researching"},
    ]:
        response = checker_client.get(url, params)
        assert response.status_code == 200, params
        assert list(response.context["cl"].result_list) == [demo.funeral_claim], params


def test_claim_form_shows_inlines_and_history(checker_client, demo):
    claim = demo.funeral_claim
    change = checker_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert change.status_code == 200
    page = change.content.decode()
    assert "https://www.douyin.com/video/7451234567890123456" in page
    assert "CCTV report of marshal Ri Ul Sol" in page

    history = checker_client.get(reverse("admin:claims_claim_history", args=[claim.pk]))
    assert history.status_code == 200


def test_intake_creates_claim_with_first_appearance(client):
    checker = fact_checker()
    client.force_login(checker)
    data = _claim_form() | _inline_management(
        appearances=[{"url": "https://x.com/a/status/77", "platform": "x"}]
    )

    response = client.post(reverse("admin:claims_claim_add"), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    claim = Claim.objects.get()
    assert claim.created_by == checker
    assert claim.appearances.get().is_first
    assert claim.history.get().history_user == checker
    assert Appearance.history.get().history_user == checker


def test_intake_with_a_bad_appearance_url_shows_the_error_and_saves_nothing(checker_client):
    data = _claim_form() | _inline_management(
        appearances=[{"url": "ftp://files.example.org/x.mp4", "platform": "web"}]
    )

    response = checker_client.post(reverse("admin:claims_claim_add"), data)

    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()
    assert not Claim.objects.exists()


def test_claim_marked_duplicate_of_itself_shows_the_error(checker_client, demo):
    claim = demo.funeral_claim
    data = (
        _claim_form(
            text=claim.text, language=claim.language, status=claim.status, duplicate_of=claim.pk
        )
        | _inline_management()
    )

    response = checker_client.post(reverse("admin:claims_claim_change", args=[claim.pk]), data)

    assert response.status_code == 200
    assert "cannot be a duplicate of itself" in response.content.decode()
    claim.refresh_from_db()
    assert claim.duplicate_of is None


def test_verdict_form_refuses_a_rating_from_another_scale(checker_client, demo):
    other_scale_rating = RatingFactory(scale=RatingScaleFactory())
    data = {
        "claim": demo.funeral_claim.pk,
        "rating_scale": demo.funeral_verdict.rating_scale_id,
        "rating": other_scale_rating.pk,
        "headline": "Headline",
        "language": "en",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
    }
    url = reverse("admin:claims_verdict_change", args=[demo.funeral_verdict.pk])

    response = checker_client.post(url, data)

    assert response.status_code == 200
    assert "not on the verdict" in response.content.decode()
    demo.funeral_verdict.refresh_from_db()
    assert demo.funeral_verdict.rating.label == "False"


def test_verdict_edit_goes_through_the_draft_service(client, demo):
    chief = editor()
    client.force_login(chief)
    verdict = demo.funeral_verdict
    data = {
        "rating_scale": verdict.rating_scale_id,
        "rating": verdict.rating_id,
        "headline": "Sharper headline",
        "summary": verdict.summary,
        "language": "en",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
    }

    response = client.post(reverse("admin:claims_verdict_change", args=[verdict.pk]), data)

    assert response.status_code == 302
    verdict.refresh_from_db()
    assert verdict.headline == "Sharper headline"
    assert verdict.history.first().history_user == chief


def test_published_verdict_is_read_only_in_the_admin(client, demo):
    client.force_login(editor())
    Verdict.objects.filter(pk=demo.funeral_verdict.pk).update(
        status=Verdict.Status.PUBLISHED, published_at="2025-01-03T10:00:00Z"
    )
    response = client.get(reverse("admin:claims_verdict_change", args=[demo.funeral_verdict.pk]))
    assert response.status_code == 200
    assert 'name="headline"' not in response.content.decode()


def test_media_upload_form_refuses_a_file_that_is_not_media(checker_client):
    upload = SimpleUploadedFile("fake.jpg", b"not an image", content_type="image/jpeg")
    data = {"upload": upload, "frames-TOTAL_FORMS": "0", "frames-INITIAL_FORMS": "0"}

    response = checker_client.post(reverse("admin:media_mediaitem_add"), data)

    assert response.status_code == 200
    assert "Not a supported image" in response.content.decode()
    assert not MediaItem.objects.exists()


def test_media_upload_stores_the_item(checker_client):
    upload = SimpleUploadedFile("photo.jpg", jpeg_bytes(), content_type="image/jpeg")
    data = {"upload": upload, "publisher_name": "KCNA", "in_archive": "on"}

    response = checker_client.post(reverse("admin:media_mediaitem_add"), data)

    assert response.status_code == 302
    item = MediaItem.objects.get()
    assert (item.kind, item.publisher_name, item.in_archive) == ("image", "KCNA", True)


def test_fact_checker_cannot_edit_rating_scales(checker_client, demo):
    scale = demo.funeral_verdict.rating_scale
    view = checker_client.get(reverse("admin:claims_ratingscale_change", args=[scale.pk]))
    assert view.status_code == 200  # may read
    assert 'name="name"' not in view.content.decode()
    add = checker_client.get(reverse("admin:claims_ratingscale_add"))
    assert add.status_code == 403


def test_demo_lookup_from_the_admin_records_the_cctv_footage_as_evidence(checker_client, demo):
    """The demo's clip, looked up, finds the 2015 footage 8 seconds in; the admin action turns
    the earliest copy into evidence on the funeral claim."""
    job = LookupJob.objects.get(media_item__original_url=X_POST_URL)
    run_lookup(job.pk)
    job.refresh_from_db()
    earliest = earliest_match(job)
    assert earliest.matched_item.first_published_at.year == 2015
    assert earliest.is_strong
    offset = earliest.matched_offset_seconds - earliest.query_offset_seconds
    assert abs(offset - demo_media.CLIP_START_SECONDS) <= 1
    response = checker_client.post(
        reverse("admin:media_lookupjob_changelist"),
        {"action": "earliest_match_as_evidence", "_selected_action": [job.pk]},
        follow=True,
    )
    assert "Recorded 1 matches as evidence." in response.content.decode()
    evidence = Evidence.objects.get(lookup_match=earliest)
    assert evidence.claim == demo.funeral_claim
    assert evidence.kind == Evidence.Kind.REVERSE_IMAGE_MATCH


def test_media_admin_queues_lookups(checker_client, demo):
    before = LookupJob.objects.count()
    item = MediaItem.objects.get(original_url=X_POST_URL)
    checker_client.post(
        reverse("admin:media_mediaitem_changelist"),
        {"action": "look_up", "_selected_action": [item.pk]},
    )
    assert LookupJob.objects.count() == before + 1


def test_the_scale_page_lists_synonyms_and_stores_new_ones_normalized(admin_client):
    scale = RatingScale.objects.get(name=settings.FACTCHECK_DEFAULT_RATING_SCALE)
    false = scale.ratings.get(label="False")

    page = admin_client.get(reverse("admin:claims_ratingscale_change", args=[scale.pk]))
    form = RatingSynonymForm(
        data={"text": "  Pants-on-Fire, Rating!  ", "rating": false.pk, "language": "en"},
        instance=RatingSynonym(scale=scale),
    )

    assert "how other publishers write these ratings" in page.content.decode()
    assert "pants on fire" in page.content.decode()
    assert form.is_valid(), form.errors
    assert form.save().text == "pants on fire, rating"


def test_a_published_verdict_cannot_be_deleted_in_the_admin(admin_client):
    verdict = VerdictFactory(status=Verdict.Status.PUBLISHED, published_at=timezone.now())
    draft = VerdictFactory()

    page = admin_client.get(reverse("admin:claims_verdict_delete", args=[verdict.pk]))
    changelist = reverse("admin:claims_verdict_changelist")
    for chosen in (verdict, draft):
        admin_client.post(
            changelist,
            {"action": "delete_selected", "_selected_action": [chosen.pk], "post": "yes"},
        )

    assert page.status_code == 403
    assert Verdict.objects.filter(pk=verdict.pk).exists()
    assert not Verdict.objects.filter(pk=draft.pk).exists()


def test_the_label_of_a_rating_that_published_verdicts_show_does_not_change():
    verdict = VerdictFactory(status=Verdict.Status.PUBLISHED, published_at=timezone.now())
    rating = verdict.rating
    # Any value but the used rating's: the factory's values follow a sequence.
    unused = RatingFactory(scale=rating.scale, label="Unused", value=rating.value % 5 + 1)

    renamed = RatingForm(
        data={"label": "Totally false", "value": rating.value, "description": ""}, instance=rating
    )
    free = RatingForm(
        data={"label": "Renamed", "value": unused.value, "description": ""}, instance=unused
    )

    assert not renamed.is_valid()
    assert "rating of published verdicts" in str(renamed.errors)
    assert free.is_valid(), free.errors
