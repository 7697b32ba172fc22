from itertools import combinations
from unittest import mock

import pytest
from django.db import connection

from matching.selectors import _at_least, term_frequencies, text_candidates
from tests.matching.factories import claim

pytestmark = pytest.mark.django_db

WORDS = ["alpha", "bravo", "charlie", "delta", "echo"]


@pytest.mark.parametrize("needed", [1, 2, 3, 5])
def test_the_candidate_query_needs_that_many_of_the_terms(needed):
    query = _at_least([f"'{word}'" for word in WORDS], needed)
    with connection.cursor() as cursor:
        for size in range(len(WORDS) + 1):
            for present in combinations(WORDS, size):
                document = " ".join(present) or "zulu"
                cursor.execute(
                    "SELECT to_tsvector('simple', %s) @@ to_tsquery('simple', %s)",
                    [document, query],
                )
                assert cursor.fetchone()[0] == (size >= needed), (present, query)


def test_terms_most_claims_contain_do_not_pick_candidates():
    """After ANALYZE, PostgreSQL's statistics say which terms are everywhere; the candidate
    query leaves them out, and the rarer terms still find the claim."""
    for number in range(60):
        claim(f"Video shows footage of a parade in town number {number}")
    target = claim("Video shows footage of the state funeral of general Kim Yong Bok")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")

    frequencies = term_frequencies()
    found = text_candidates({"text": "Footage: state funeral held for Kim Yong Bok"})

    assert frequencies["video"] > 0.9
    assert [candidate.claim_id for candidate in found] == [target.pk]


def test_typos_in_word_endings_are_found_by_full_text():
    target = claim("Drinking hot water every fifteen minutes kills the coronavirus")
    found = text_candidates({"text": "Drinkin hot watter evry fiftean minuts kils coronaviruss"})
    assert [candidate.claim_id for candidate in found] == [target.pk]
    assert {"drinkin", "fiftean", "coronaviruss"} <= set(found[0].match.shared_terms)


def test_typo_search_asks_the_trigram_index_when_full_text_finds_nothing():
    target = claim("Drinking hot water every fifteen minutes kills the coronavirus")
    claim("Drinking bleach cures malaria, says a doctor")
    query = {"text": "Drinkin hot watter evry fiftean minuts kils the coronaviruss"}
    with mock.patch("matching.selectors._full_text_candidates", return_value=[]):
        assert text_candidates(query) == []
        found = text_candidates(query, typo_search=True)
    assert [candidate.claim_id for candidate in found] == [target.pk]
    assert found[0].match.trigram_score > 0.6
