from unittest import mock

import pytest

from matching.selectors import text_candidates
from tests.matching.factories import claim

pytestmark = pytest.mark.django_db


def test_common_words_do_not_hide_the_claim_and_no_statistics_are_needed():
    """Candidates were once picked by the rarity of terms in pg_stats: before ANALYZE every
    term looked rare, and a post's rarest terms were its handles and link ids. Now every term
    counts (OR) and ts_rank orders them, whatever the statistics."""
    for number in range(60):
        claim(f"Video shows footage of a parade in town number {number}")
    target = claim("Video shows footage of the state funeral of general Kim Yong Bok")

    found = text_candidates(
        {"text": "Footage: state funeral held for Kim Yong Bok https://t.co/x1Y2z3 @KCNAwatch"}
    )

    assert found[0].claim_id == target.pk


def test_typos_in_word_endings_are_found_by_full_text():
    target = claim("Drinking hot water every fifteen minutes kills the coronavirus")
    found = text_candidates({"text": "Drinkin hot watter evry fiftean minuts kils coronaviruss"})
    assert [candidate.claim_id for candidate in found] == [target.pk]
    assert {"drinkin", "fiftean", "coronaviruss"} <= set(found[0].match.shared_terms)


def test_typo_search_asks_the_trigram_index_when_full_text_finds_nothing():
    target = claim("Drinking hot water every fifteen minutes kills the coronavirus")
    claim("Drinking bleach cures malaria, says a doctor")
    query = {"text": "Drinkin hot watter evry fiftean minuts kils the coronaviruss"}
    with mock.patch("matching.selectors._semantic_hits", return_value={}):
        assert text_candidates(query) == []
        found = text_candidates(query, typo_search=True)
    assert [candidate.claim_id for candidate in found] == [target.pk]
    assert found[0].match.trigram_score > 0.6
