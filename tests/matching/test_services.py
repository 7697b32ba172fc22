from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.services.claims import claim_create, claim_update
from matching import tasks
from matching.models import ClaimSuggestion
from matching.scoring import MEDIA_STRONG_THRESHOLD
from matching.services import (
    ClaimAlreadyDuplicate,
    DuplicateLoop,
    SuggestionDecided,
    suggestion_confirm,
    suggestion_reject,
    suggestions_record_media,
    suggestions_refresh,
)
from tests.factories import fact_checker
from tests.matching.factories import claim, imported, published

pytestmark = pytest.mark.django_db

FUNERAL = "Video shows the state funeral of North Korean general Kim Yong Bok"
FUNERAL_AGAIN = (
    "Footage circulating on X shows North Korea's state funeral for General Kim Yong Bok"
)
FUNERAL_ZH = "网传视频显示朝鲜为将军金永福举行国葬"
FUNERAL_ZH_AGAIN = "视频称朝鲜为金永福将军举行国葬"
PENSIONS = "The government will cut pensions by 30 percent from next January"
WAGES = "The government will raise the minimum wage by 30 percent next year"
UNRELATED = "The moon landing was filmed in a studio in Nevada"


def suggestions(of) -> dict[int, ClaimSuggestion]:
    return {s.suggested_id: s for s in ClaimSuggestion.objects.filter(claim=of)}


def refresh(of) -> dict[int, ClaimSuggestion]:
    suggestions_refresh(claim_id=of.pk)
    return suggestions(of)


def test_a_paraphrase_is_suggested_as_a_likely_duplicate_and_an_unrelated_claim_is_not():
    earlier = claim(FUNERAL)
    claim(UNRELATED)
    new = claim(FUNERAL_AGAIN)

    found = refresh(new)

    assert list(found) == [earlier.pk]
    suggestion = found[earlier.pk]
    assert suggestion.status == ClaimSuggestion.Status.SUGGESTED
    assert suggestion.is_strong
    assert suggestion.score == suggestion.text_score > 0.7
    assert suggestion.media_score is None
    assert suggestion.reasons["text"]["query_field"] == "text"
    assert {"funeral", "kim", "yong", "bok"} <= set(suggestion.reasons["text"]["shared_terms"])


def test_imported_claims_are_candidates_like_ours():
    theirs = imported(FUNERAL).claim
    ours = published(PENSIONS).claim
    new = claim(FUNERAL_AGAIN)

    assert list(refresh(new)) == [theirs.pk]
    assert list(refresh(claim("Pensions will be cut by 30% starting next January"))) == [ours.pk]


def test_a_chinese_paraphrase_is_suggested():
    earlier = claim(FUNERAL_ZH, language="zh")
    new = claim(FUNERAL_ZH_AGAIN, language="zh")

    found = refresh(new)

    assert list(found) == [earlier.pk]
    assert "国葬" in found[earlier.pk].reasons["text"]["shared_terms"]


def test_original_text_matches_a_claim_logged_in_that_language():
    """Our claim is reviewed in English; the other publisher logged the Chinese original."""
    theirs = imported(FUNERAL_ZH_AGAIN, language="zh").claim
    new = claim("A video of a funeral in North Korea", original_text=FUNERAL_ZH, language="zh")

    found = refresh(new)

    assert list(found) == [theirs.pk]
    reasons = found[theirs.pk].reasons["text"]
    assert (reasons["query_field"], reasons["matched_field"]) == ("original_text", "text")


def test_a_near_miss_is_suggested_but_not_strong():
    earlier = claim(PENSIONS)
    new = claim(WAGES)

    suggestion = refresh(new)[earlier.pk]

    assert 0.35 <= suggestion.score < 0.7
    assert not suggestion.is_strong


def test_short_claims_are_not_strong_on_text_alone_but_are_with_a_media_match():
    earlier = claim("Kim Yong Bok funeral video")
    new = claim("Video: Kim Yong Bok's funeral")

    suggestion = refresh(new)[earlier.pk]
    assert suggestion.text_score >= 0.7
    assert suggestion.reasons["text"]["words"] < 8
    assert not suggestion.is_strong

    [merged] = suggestions_record_media(claim=new, matches=[(earlier.pk, 0.6)])

    assert merged.pk == suggestion.pk
    assert merged.is_strong
    assert merged.media_score == 0.6
    assert merged.score == pytest.approx(1 - (1 - suggestion.text_score) * 0.4, abs=1e-4)


def test_a_strong_media_match_alone_makes_a_strong_suggestion():
    other = claim(UNRELATED)
    new = claim(FUNERAL)

    [suggestion] = suggestions_record_media(claim=new, matches=[(other.pk, MEDIA_STRONG_THRESHOLD)])

    assert suggestion.is_strong
    assert suggestion.text_score == 0.0
    assert suggestion.reasons == {"media": {"score": MEDIA_STRONG_THRESHOLD}}


def test_media_scores_keep_the_best_and_repeating_a_call_changes_nothing():
    other = claim(UNRELATED)
    new = claim(FUNERAL)
    suggestions_record_media(claim=new, matches=[(other.pk, 0.5), (other.pk, 0.8)])
    first = suggestions(new)[other.pk]

    suggestions_record_media(claim=new, matches=[(other.pk, 0.8), (other.pk, 0.3)])

    again = suggestions(new)[other.pk]
    assert again.media_score == 0.8
    assert again.updated_at == first.updated_at


def test_media_matches_ignore_the_claim_itself_unknown_claims_and_bad_scores():
    new = claim(FUNERAL)
    assert suggestions_record_media(claim=new, matches=[(new.pk, 1.0), (10**9, 1.0)]) == []
    with pytest.raises(ValueError, match=r"within 0\.\.1"):
        suggestions_record_media(claim=new, matches=[(new.pk, 1.5)])


def test_a_rerun_writes_nothing_and_changes_nothing():
    earlier = claim(FUNERAL)
    new = claim(FUNERAL_AGAIN)
    before = refresh(new)

    with CaptureQueriesContext(connection) as queries:
        after = refresh(new)

    writes = [q["sql"] for q in queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert after[earlier.pk].updated_at == before[earlier.pk].updated_at
    assert ClaimSuggestion.objects.count() == 1


def test_text_refresh_keeps_media_scores():
    earlier = claim(FUNERAL)
    new = claim(FUNERAL_AGAIN)
    suggestions_record_media(claim=new, matches=[(earlier.pk, 0.5)])

    suggestion = refresh(new)[earlier.pk]

    assert suggestion.media_score == 0.5
    assert suggestion.text_score > 0.7
    assert set(suggestion.reasons) == {"text", "media"}


def test_open_suggestions_that_no_longer_match_are_dropped_unless_their_media_matched():
    by_text, by_media = claim(FUNERAL), claim(PENSIONS)
    new = claim(FUNERAL_AGAIN)
    refresh(new)
    suggestions_record_media(claim=new, matches=[(by_media.pk, 0.5)])
    new.text = UNRELATED
    new.save()

    found = refresh(new)

    assert by_text.pk not in found
    assert found[by_media.pk].text_score == 0.0
    assert "text" not in found[by_media.pk].reasons


def test_decisions_are_kept_and_never_suggested_again():
    confirmed_target, rejected_target = claim(FUNERAL), claim(FUNERAL + " in Pyongyang")
    new = claim(FUNERAL_AGAIN)
    found = refresh(new)
    checker = fact_checker()
    suggestion_confirm(suggestion=found[confirmed_target.pk], actor=checker)
    suggestion_reject(suggestion=found[rejected_target.pk], actor=checker)
    decided = suggestions(new)

    new.text = UNRELATED  # nothing matches any more...
    new.save()
    refresh(new)
    new.text = FUNERAL_AGAIN  # ...and then it matches again
    new.save()
    refresh(new)
    suggestions_record_media(claim=new, matches=[(rejected_target.pk, 1.0)])

    kept = suggestions(new)
    assert set(kept) == set(decided)
    for target, suggestion in kept.items():
        assert suggestion.status == decided[target].status
        assert suggestion.updated_at == decided[target].updated_at
        assert suggestion.media_score is None
    assert kept[rejected_target.pk].status == ClaimSuggestion.Status.REJECTED


def test_a_claim_that_repeats_another_stands_for_the_one_it_repeats():
    original = claim("Mass grave found near the border, say villagers")
    repeat = claim(FUNERAL, duplicate_of=original)
    new = claim(FUNERAL_AGAIN)

    found = refresh(new)

    assert list(found) == [original.pk]
    assert found[original.pk].reasons["text"]["via_duplicate"] == repeat.pk


def test_the_claim_and_claims_that_repeat_it_are_never_suggested():
    new = claim(FUNERAL)
    claim(FUNERAL_AGAIN, duplicate_of=new)
    assert refresh(new) == {}


def test_imported_claims_get_no_suggestions_themselves():
    claim(FUNERAL)
    theirs = imported(FUNERAL_AGAIN).claim
    assert refresh(theirs) == {}


def test_a_deleted_claim_is_skipped():
    new = claim(FUNERAL)
    pk = new.pk
    new.delete()
    suggestions_refresh(claim_id=pk)
    assert not ClaimSuggestion.objects.exists()


def test_confirming_marks_the_claim_as_a_duplicate_in_its_history():
    earlier = claim(FUNERAL)
    new = claim(FUNERAL_AGAIN)
    checker = fact_checker()

    decided = suggestion_confirm(suggestion=refresh(new)[earlier.pk], actor=checker)

    new.refresh_from_db()
    assert new.duplicate_of == earlier
    assert (decided.status, decided.decided_by) == (ClaimSuggestion.Status.CONFIRMED, checker)
    assert decided.decided_at is not None
    latest = new.history.latest()
    assert (latest.duplicate_of_id, latest.history_user) == (earlier.pk, checker)


def test_rejecting_is_recorded_and_leaves_the_claim_alone():
    earlier = claim(FUNERAL)
    new = claim(FUNERAL_AGAIN)
    checker = fact_checker()

    decided = suggestion_reject(suggestion=refresh(new)[earlier.pk], actor=checker)

    new.refresh_from_db()
    assert new.duplicate_of is None
    assert (decided.status, decided.decided_by) == (ClaimSuggestion.Status.REJECTED, checker)


def test_a_decision_is_made_once():
    earlier = claim(FUNERAL)
    new = claim(FUNERAL_AGAIN)
    suggestion = refresh(new)[earlier.pk]
    suggestion_reject(suggestion=suggestion, actor=fact_checker())

    with pytest.raises(SuggestionDecided):
        suggestion_confirm(suggestion=suggestion, actor=fact_checker())
    new.refresh_from_db()
    assert new.duplicate_of is None


def test_a_claim_that_already_repeats_another_cannot_be_confirmed_as_repeating_a_third():
    first, second = claim(FUNERAL), claim(FUNERAL + " in Pyongyang")
    new = claim(FUNERAL_AGAIN)
    found = refresh(new)
    suggestion_confirm(suggestion=found[first.pk], actor=fact_checker())

    with pytest.raises(ClaimAlreadyDuplicate):
        suggestion_confirm(suggestion=found[second.pk], actor=fact_checker())
    assert suggestions(new)[second.pk].status == ClaimSuggestion.Status.SUGGESTED


def test_two_claims_cannot_repeat_each_other():
    new = claim(FUNERAL_AGAIN)
    earlier = claim(FUNERAL)
    [suggestion] = suggestions_record_media(claim=new, matches=[(earlier.pk, 1.0)])
    claim_update(claim=earlier, actor=None, duplicate_of=new)

    with pytest.raises(DuplicateLoop):
        suggestion_confirm(suggestion=suggestion, actor=fact_checker())


def test_creating_a_claim_queues_its_matching_after_commit(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.refresh_claim_suggestions, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        created = claim_create(created_by=fact_checker(), text=FUNERAL, language="en")
    delay.assert_called_once_with(created.pk)


@pytest.mark.parametrize(
    ("changes", "queued"),
    [
        ({"text": FUNERAL_AGAIN}, True),
        ({"original_text": FUNERAL_ZH}, True),
        ({"text": FUNERAL}, False),
        ({"claimant": "Someone else", "status": "researching"}, False),
    ],
)
def test_changing_what_matching_compares_queues_it_again(
    django_capture_on_commit_callbacks, changes, queued
):
    subject = claim(FUNERAL)
    with (
        mock.patch.object(tasks.refresh_claim_suggestions, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        claim_update(claim=subject, actor=fact_checker(), **changes)
    assert delay.called == queued


def test_a_broker_that_is_down_does_not_fail_the_claim(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.refresh_claim_suggestions, "delay", side_effect=OSError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        created = claim_create(created_by=fact_checker(), text=FUNERAL, language="en")
    assert created.pk


def test_the_task_can_run_twice():
    earlier = claim(FUNERAL)
    new = claim(FUNERAL_AGAIN)
    tasks.refresh_claim_suggestions(new.pk)
    tasks.refresh_claim_suggestions(new.pk)
    assert list(suggestions(new)) == [earlier.pk]
