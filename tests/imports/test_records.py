"""Records saved as claims with another publisher's verdict: mapping, dedupe, updates."""

import json
from datetime import UTC, date, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from claims.models import Appearance, Claim, Publisher, Verdict
from claims.selectors.public import public_verdict_list
from core import search
from core.models import Event
from imports.parsing import ClaimReviewRecord, parse_source
from imports.records import BatchOutcome, claim_reviews_save, slug_for
from imports.services import import_context
from tests.factories import ClaimFactory, PublisherFactory, VerdictFactory, editor
from tests.imports.factories import claim_review
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.usefixtures("scale")


def records(*reviews: dict) -> list[ClaimReviewRecord]:
    parsed = parse_source(json.dumps(list(reviews)).encode(), max_bytes=10**8)
    assert not parsed.rejections, parsed.rejections
    return parsed.records


def save(*reviews: dict, actor=None) -> BatchOutcome:
    context = import_context(actor=actor, reason="imported in a test")
    with transaction.atomic():
        return claim_reviews_save(records(*reviews), context=context)


def counts(outcome: BatchOutcome) -> tuple[int, int, int, list[str]]:
    codes = [r.code for r in outcome.rejections]
    return outcome.created, outcome.updated, outcome.unchanged, codes


def test_a_review_becomes_a_claim_with_a_published_verdict_of_its_publisher(scale):
    importer = editor()

    outcome = save(claim_review(1), actor=importer)

    assert counts(outcome) == (1, 0, 0, [])
    verdict = Verdict.objects.select_related("claim", "publisher", "rating").get()
    claim = verdict.claim
    assert (claim.text, claim.claimant, claim.claim_date, claim.language, claim.status) == (
        "Claim number 1: the moon landing footage was filmed in 2015.",
        "A viral account",
        date(2024, 12, 20),
        "en",
        Claim.Status.CHECKED,
    )
    assert claim.created_by == importer
    publisher = verdict.publisher
    assert (publisher.name, publisher.site, publisher.url, publisher.is_self) == (
        "Example Checks",
        "checks.example.com",
        "https://checks.example.com/",
        False,
    )
    assert verdict.status == Verdict.Status.PUBLISHED
    assert verdict.published_at == datetime(2024, 12, 24, tzinfo=UTC)
    assert verdict.review_url == "https://checks.example.com/fact-check/1"
    assert (verdict.textual_rating, verdict.rating.label, verdict.rating_scale) == (
        "False",
        "False",
        scale,
    )
    assert (verdict.headline, verdict.summary, verdict.language) == (
        "No, claim 1 is not true",
        "The footage is from 1969.",
        "en",
    )
    assert verdict.slug == slug_for(records(claim_review(1))[0])
    appearances = list(claim.appearances.order_by("id").values_list("url", "platform", "is_first"))
    assert appearances == [
        ("https://x.com/someone/status/1001", "x", True),
        ("https://www.youtube.com/watch?v=v1", "youtube", False),
    ]


def test_imported_claims_and_verdicts_are_searchable():
    save(claim_review(1, claimReviewed="Marshal Ri Ul Sol's funeral was in 2015"))
    save(claim_review(2, claimReviewed="朝鲜为金永福大将举行国葬的视频"))

    assert search.filter_matching(Claim.objects.all(), "funeral").count() == 1
    assert search.filter_matching(Verdict.objects.all(), "Ri Ul Sol").count() == 1
    assert search.filter_matching(Verdict.objects.all(), "金永福").count() == 1
    # A typo still finds it, through the trigram index of the raw text.
    assert search.filter_matching(Verdict.objects.all(), "funerral").count() == 1


def test_an_unclear_rating_is_kept_as_written_without_a_rating():
    review = claim_review(reviewRating={"alternateName": "Half True", "ratingValue": 3})

    save(review)

    verdict = Verdict.objects.get()
    assert (verdict.textual_rating, verdict.rating) == ("Half True", None)


def test_a_numeric_rating_alone_maps_onto_our_scale():
    save(claim_review(reviewRating={"ratingValue": 2, "bestRating": 3, "worstRating": 1}))

    verdict = Verdict.objects.select_related("rating").get()
    assert (verdict.textual_rating, verdict.rating.label) == ("", "Missing context")
    assert verdict.summary == "Example Checks rated this claim 2 on a scale from 1 to 3."


def test_a_numeric_rating_off_our_steps_without_text_is_described():
    review = claim_review(reviewRating={"ratingValue": 3, "bestRating": 7, "worstRating": 1})

    outcome = save(review)

    assert counts(outcome) == (1, 0, 0, [])
    verdict = Verdict.objects.get()
    assert (verdict.rating, verdict.textual_rating) == (None, "3 on a scale from 1 to 7")
    [warning] = outcome.warnings[0]
    assert warning.code == "rating_from_numbers"


def test_a_review_without_any_rating_is_kept_without_one():
    outcome = save(claim_review(reviewRating=None, description=None))

    verdict = Verdict.objects.get()
    assert (verdict.status, verdict.rating, verdict.textual_rating) == ("published", None, "")
    assert verdict.summary == "Example Checks reviewed this claim without giving a rating."
    assert [w.code for w in outcome.warnings[0]] == ["missing_rating"]


def test_missing_parts_get_stand_ins():
    save(
        claim_review(
            inLanguage=None,
            claimReviewed="5G",
            headline=None,
            reviewRating={"alternateName": "Faux"},
        )
    )

    verdict = Verdict.objects.select_related("claim").get()
    # Too little text to tell the language with confidence.
    assert (verdict.language, verdict.claim.language) == ("und", "und")
    assert verdict.headline == verdict.claim.text
    assert verdict.summary == "Example Checks rated this claim “Faux”."


def test_importing_the_same_reviews_again_changes_nothing():
    reviews = [claim_review(n) for n in range(1, 6)]
    save(*reviews)
    before = (
        list(Verdict.objects.values_list("id", "updated_at").order_by("id")),
        Claim.history.count(),
        Verdict.history.count(),
        Appearance.history.count(),
    )

    outcome = save(*reviews)

    assert counts(outcome) == (0, 0, 5, [])
    after = (
        list(Verdict.objects.values_list("id", "updated_at").order_by("id")),
        Claim.history.count(),
        Verdict.history.count(),
        Appearance.history.count(),
    )
    assert after == before
    assert (Claim.objects.count(), Publisher.objects.count(), Appearance.objects.count()) == (
        5,
        1,
        10,
    )


def test_a_changed_review_is_updated_in_place():
    save(claim_review(1), claim_review(2))
    verdict = Verdict.objects.select_related("claim").get(
        review_url="https://checks.example.com/fact-check/1"
    )
    changed = claim_review(
        1,
        claimReviewed="The footage was filmed in 1969, corrected text",
        headline="Updated headline",
        reviewRating={"alternateName": "Misleading"},
    )

    outcome = save(changed, claim_review(2))

    assert counts(outcome) == (0, 1, 1, [])
    fresh = Verdict.objects.select_related("claim", "rating").get(pk=verdict.pk)
    assert (fresh.headline, fresh.textual_rating, fresh.rating.label) == (
        "Updated headline",
        "Misleading",
        "Misleading",
    )
    assert fresh.claim.text == "The footage was filmed in 1969, corrected text"
    assert fresh.updated_at > verdict.updated_at
    assert fresh.claim.updated_at > verdict.claim.updated_at
    # Search follows the new text, on the claim and on the verdict.
    assert search.filter_matching(Verdict.objects.all(), "corrected").get() == fresh
    assert search.filter_matching(Claim.objects.all(), "corrected").get() == fresh.claim
    latest = fresh.history.first()
    assert (latest.history_type, latest.history_change_reason) == ("~", "imported in a test")
    assert Verdict.objects.count() == 2


def test_a_reimport_adds_appearances_and_moves_the_first_one():
    save(claim_review(1))
    review = claim_review(1)
    review["itemReviewed"]["firstAppearance"] = "https://www.tiktok.com/@a/video/9"

    outcome = save(review)

    assert counts(outcome) == (0, 1, 0, [])
    claim = Claim.objects.get()
    assert list(claim.appearances.order_by("id").values_list("url", "platform", "is_first")) == [
        ("https://x.com/someone/status/1001", "x", False),
        ("https://www.youtube.com/watch?v=v1", "youtube", False),
        ("https://www.tiktok.com/@a/video/9", "tiktok", True),
    ]
    # Gone from the review is not gone from where the claim was seen: appearances stay.
    review["itemReviewed"]["appearance"] = []
    assert counts(save(review)) == (0, 0, 1, [])
    assert claim.appearances.count() == 3


def test_a_first_appearance_already_stored_is_marked():
    save(claim_review(1))
    review = claim_review(1)
    review["itemReviewed"]["firstAppearance"] = "https://www.youtube.com/watch?v=v1"

    assert counts(save(review)) == (0, 1, 0, [])

    first = Appearance.objects.get(is_first=True)
    assert first.url == "https://www.youtube.com/watch?v=v1"


def test_a_claim_the_newsroom_took_up_keeps_its_text():
    save(claim_review(1))
    claim = Claim.objects.get()
    VerdictFactory(claim=claim)  # our own (or a third publisher's) verdict on the same claim
    changed = claim_review(1, claimReviewed="Rewritten by the publisher")
    changed["reviewRating"] = {"alternateName": "True"}
    changed["itemReviewed"]["appearance"].append("https://t.me/c/1")

    outcome = save(changed)

    assert counts(outcome) == (0, 1, 0, [])
    claim.refresh_from_db()
    assert claim.text == "Claim number 1: the moon landing footage was filmed in 2015."
    assert claim.appearances.count() == 2
    imported = Verdict.objects.get(review_url="https://checks.example.com/fact-check/1")
    assert imported.textual_rating == "True"


def test_reviews_by_this_newsroom_are_not_imported(settings):
    settings.FACTCHECK_PUBLISHER_SITE = "checks.example.com"

    outcome = save(claim_review(1, url="https://www.checks.example.com/fact-check/1"))

    assert counts(outcome) == (0, 0, 0, ["own_review"])
    assert not Publisher.objects.exists()


def test_a_review_at_our_own_publisher_site_is_not_imported():
    PublisherFactory(site="checks.example.com", is_self=True)

    assert counts(save(claim_review(1))) == (0, 0, 0, ["own_review"])


def test_an_existing_publisher_is_reused_with_its_name():
    publisher = PublisherFactory(site="checks.example.com", name="Example Checks (tidied)")

    save(claim_review(1), claim_review(2))

    assert set(Verdict.objects.values_list("publisher", flat=True)) == {publisher.pk}
    publisher.refresh_from_db()
    assert publisher.name == "Example Checks (tidied)"


def test_one_publisher_per_site_across_reviews():
    save(
        claim_review(1),
        claim_review(2, url="https://factcheck.afp.com/doc.afp.com.1", author={"name": "AFP"}),
        claim_review(3, url="https://factcheck.afp.com/doc.afp.com.2", author={"name": "AFP"}),
    )

    assert sorted(Publisher.objects.values_list("site", "name")) == [
        ("checks.example.com", "Example Checks"),
        ("factcheck.afp.com", "AFP"),
    ]


def test_imported_verdicts_notify_nobody_and_stay_off_our_public_pages(
    django_capture_on_commit_callbacks,
):
    WebhookSubscription.objects.create(
        owner=editor(), url="https://hooks.example.org/x", events=["verdict.published"], secret="s"
    )

    with django_capture_on_commit_callbacks(execute=True):
        save(claim_review(1))

    # The publication is recorded as an event (retrieval embeds it); webhooks announce
    # only this newsroom's verdicts.
    assert Event.objects.get().name == "verdicts.published"
    assert not WebhookDelivery.objects.exists()
    assert not public_verdict_list().exists()


def test_history_records_who_imported_and_why():
    importer = editor()

    save(claim_review(1), actor=importer)

    for model in (Claim, Verdict, Appearance):
        row = model.history.first()
        assert (row.history_type, row.history_user, row.history_change_reason) == (
            "+",
            importer,
            "imported in a test",
        ), model


def test_a_constraint_broken_by_one_record_rejects_only_that_record():
    taken = slug_for(records(claim_review(2))[0])
    VerdictFactory(slug=taken)

    outcome = save(claim_review(1), claim_review(2), claim_review(3))

    assert counts(outcome) == (2, 0, 0, ["conflict"])
    assert outcome.rejections[0].index == 1
    assert sorted(Verdict.objects.exclude(review_url="").values_list("review_url", flat=True)) == [
        "https://checks.example.com/fact-check/1",
        "https://checks.example.com/fact-check/3",
    ]


def test_a_batch_costs_the_same_queries_whatever_its_size():
    def queries(first: int, count: int, **overrides) -> int:
        reviews = [claim_review(n, **overrides) for n in range(first, first + count)]
        context = import_context(actor=None, reason="test")
        batch = records(*reviews)
        with CaptureQueriesContext(connection) as captured, transaction.atomic():
            claim_reviews_save(batch, context=context)
        return len(captured)

    queries(1, 1)  # the publisher is created once
    created = (queries(100, 1), queries(200, 40))
    unchanged = (queries(100, 1), queries(200, 40))
    changed = {"claimReviewed": "Changed text", "reviewRating": {"alternateName": "True"}}
    updated = (queries(100, 1, **changed), queries(200, 40, **changed))

    assert created[0] == created[1]
    assert unchanged[0] == unchanged[1]
    assert updated[0] == updated[1]
    assert Verdict.objects.filter(textual_rating="True").count() == 41


def test_a_claim_of_ours_with_the_same_text_is_not_touched():
    ours = ClaimFactory(text="Claim number 1: the moon landing footage was filmed in 2015.")

    save(claim_review(1))

    assert Claim.objects.count() == 2
    assert not ours.verdicts.exists()
