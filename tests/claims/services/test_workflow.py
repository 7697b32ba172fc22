import threading

import pytest
from django.db import connection
from django.utils import timezone

from claims.models import Correction, Verdict
from claims.services.claims import ClaimPublished, claim_update
from claims.services.workflow import (
    NotReadyToPublish,
    verdict_correct,
    verdict_publish,
    verdict_retract,
    verdict_return,
    verdict_submit,
)
from core.exceptions import InvalidTransition, PermissionDenied
from tests.factories import (
    AppearanceFactory,
    EvidenceFactory,
    RatingFactory,
    VerdictFactory,
    editor,
    fact_checker,
)


def ready_verdict(**kwargs) -> Verdict:
    """A draft with everything publication needs."""
    verdict = VerdictFactory(**kwargs)
    AppearanceFactory(claim=verdict.claim, is_first=True)
    EvidenceFactory(claim=verdict.claim)
    return verdict


@pytest.mark.django_db
class TestTransitions:
    def test_draft_goes_to_review_then_published(self):
        checker, chief = fact_checker(), editor()
        verdict = ready_verdict()

        verdict = verdict_submit(verdict=verdict, actor=checker)
        assert verdict.status == Verdict.Status.IN_REVIEW
        verdict = verdict_publish(verdict=verdict, actor=chief)

        verdict.refresh_from_db()
        assert (verdict.status, verdict.editor) == (Verdict.Status.PUBLISHED, chief)
        assert verdict.published_at is not None
        history = [
            (h.status, h.history_user, h.history_change_reason)
            for h in verdict.history.order_by("history_date")
        ]
        assert history[-2:] == [
            ("in_review", checker, "submitted for review"),
            ("published", chief, "published"),
        ]

    def test_only_editors_publish_return_correct_and_retract(self):
        checker = fact_checker()
        verdict = verdict_submit(verdict=ready_verdict(), actor=checker)
        for attempt in (
            lambda: verdict_publish(verdict=verdict, actor=checker),
            lambda: verdict_return(verdict=verdict, actor=checker, comment="x"),
            lambda: verdict_correct(verdict=verdict, actor=checker, kind="update", note="x"),
            lambda: verdict_retract(verdict=verdict, actor=checker, reason="x"),
        ):
            with pytest.raises(PermissionDenied):
                attempt()

    def test_publishing_needs_rating_headline_summary_evidence_and_first_appearance(self):
        verdict = VerdictFactory(
            rating=None, rating_scale=RatingFactory().scale, headline="", summary=""
        )
        verdict_submit(verdict=verdict, actor=fact_checker())
        with pytest.raises(NotReadyToPublish) as error:
            verdict_publish(verdict=verdict, actor=editor())
        message = error.value.message
        for missing in ("a rating", "a headline", "a summary", "evidence", "first appearance"):
            assert missing in message
        verdict.refresh_from_db()
        assert verdict.status == Verdict.Status.IN_REVIEW

    @pytest.mark.parametrize(
        ("status", "action"),
        [
            ("draft", lambda v, u: verdict_publish(verdict=v, actor=u)),
            ("in_review", lambda v, u: verdict_submit(verdict=v, actor=u)),
            ("draft", lambda v, u: verdict_return(verdict=v, actor=u, comment="c")),
            (
                "in_review",
                lambda v, u: verdict_correct(verdict=v, actor=u, kind="update", note="n"),
            ),
            ("draft", lambda v, u: verdict_retract(verdict=v, actor=u, reason="r")),
        ],
    )
    def test_illegal_transitions_say_why(self, status, action):
        verdict = ready_verdict(status=status)
        with pytest.raises(InvalidTransition) as error:
            action(verdict, editor())
        assert "Cannot" in error.value.message
        assert error.value.status_code == 409

    def test_return_to_draft_needs_a_comment_and_keeps_it(self):
        chief = editor()
        verdict = verdict_submit(verdict=ready_verdict(), actor=fact_checker())
        with pytest.raises(Exception, match="comment is required"):
            verdict_return(verdict=verdict, actor=chief, comment="  ")
        returned = verdict_return(verdict=verdict, actor=chief, comment="Add the CCTV source.")
        assert (returned.status, returned.review_comment) == ("draft", "Add the CCTV source.")
        assert returned.history.first().history_change_reason.endswith("Add the CCTV source.")

    def test_correction_is_public_dated_and_moves_updated_at(self):
        chief = editor()
        verdict = verdict_publish(
            verdict=verdict_submit(verdict=ready_verdict(), actor=chief), actor=chief
        )
        before = verdict.updated_at

        corrected = verdict_correct(
            verdict=verdict,
            actor=chief,
            kind="correction",
            note="The footage is from 2015.",
            summary="Footage from 2015, not 2016.",
        )

        assert corrected.updated_at > before
        assert corrected.summary == "Footage from 2015, not 2016."
        [correction] = corrected.corrections.all()
        assert (correction.kind, correction.note) == ("correction", "The footage is from 2015.")
        assert correction.published_at >= before

    def test_correction_needs_a_note(self):
        chief = editor()
        verdict = verdict_publish(
            verdict=verdict_submit(verdict=ready_verdict(), actor=chief), actor=chief
        )
        with pytest.raises(Exception):  # noqa: B017, PT011 - ValidationError from full_clean
            verdict_correct(verdict=verdict, actor=chief, kind="update", note="")
        assert not Correction.objects.exists()

    def test_retraction_keeps_the_page_with_the_reason(self):
        chief = editor()
        verdict = verdict_publish(
            verdict=verdict_submit(verdict=ready_verdict(), actor=chief), actor=chief
        )
        retracted = verdict_retract(verdict=verdict, actor=chief, reason="The source recanted.")
        assert retracted.status == Verdict.Status.RETRACTED
        assert retracted.retracted_at <= timezone.now()
        assert retracted.corrections.get().kind == Correction.Kind.RETRACTION

    def test_claim_text_of_a_published_verdict_changes_only_by_correction(self):
        chief = editor()
        verdict = verdict_publish(
            verdict=verdict_submit(verdict=ready_verdict(), actor=chief), actor=chief
        )
        with pytest.raises(ClaimPublished):
            claim_update(claim=verdict.claim, actor=chief, text="Something else entirely.")
        claim_update(
            claim=verdict.claim, actor=chief, status="checked"
        )  # workflow fields may change


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_editors_publishing_at_once_exactly_one_wins():
    first, second = editor(), editor()
    verdict = verdict_submit(verdict=ready_verdict(), actor=fact_checker())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def publish(actor):
        try:
            barrier.wait()
            verdict_publish(verdict=Verdict.objects.get(pk=verdict.pk), actor=actor)
            outcomes.append("published")
        except InvalidTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(actor,)) for actor in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["published", "refused"]
    verdict.refresh_from_db()
    assert verdict.status == Verdict.Status.PUBLISHED
    assert verdict.history.filter(status="published").count() == 1
