"""The hand-written multilingual set (data/multilingual.json): a claim said in English,
Chinese or Korean finds the same claim in each other language among the top 5, both ways."""

import json
from itertools import permutations
from pathlib import Path

import pytest

from claims.models import Claim
from retrieval.selectors import ranked_claims
from tests.matching.factories import claim

pytestmark = pytest.mark.django_db

SET = json.loads((Path(__file__).parent / "data" / "multilingual.json").read_text())["claims"]
LANGUAGES = ("en", "zh", "ko")


def test_every_pair_is_found_in_the_top_5_both_ways(embedded):
    ids = {
        (index, language): claim(texts[language], language=language).pk
        for index, texts in enumerate(SET)
        for language in LANGUAGES
    }
    embedded()

    missed = []
    for index, texts in enumerate(SET):
        for source, target in permutations(LANGUAGES, 2):
            among = Claim.objects.filter(language=target)
            top = [hit.claim_id for hit in ranked_claims(texts[source], claims=among).hits[:5]]
            if ids[(index, target)] not in top:
                missed.append(f"{source}->{target}: {texts[source]}")

    assert missed == []
