"""retrieval.selectors.ranked_claims: words (any of them, ranked) fused with meaning."""

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from claims.models import Verdict
from retrieval.embedder import current_name
from retrieval.selectors import (
    EF_SEARCH,
    HYBRID,
    LEXICAL,
    SEMANTIC_CANDIDATES,
    lexical_tsquery,
    ranked_claims,
    unembedded_claim_ids,
)
from tests.matching.factories import claim, published

pytestmark = pytest.mark.django_db

FUNERAL = "Video shows the state funeral of North Korean general Kim Yong Bok"
VACCINE = "The COVID-19 vaccine changes your DNA"
BRIDGE = "The new bridge in Busan collapsed during its opening ceremony"


def ids(ranking) -> list[int]:
    return [hit.claim_id for hit in ranking.hits]


def test_a_post_with_more_words_than_the_claim_still_finds_it(settings):
    """Every word was required once (claims:search), or 3 of the 6 rarest (check): a post's
    rarest terms are its handles and link ids, so a real post found nothing."""
    settings.RETRIEVAL_EMBEDDER = ""
    target = claim(FUNERAL)
    claim(VACCINE)
    post = (
        "WOW 😱 they buried general Kim Yong Bok with a huge state funeral, watch the video "
        "https://t.co/AbC123xyz @DPRK_News_Watch #NorthKorea — Some One (@someone) May 3, 2024"
    )

    ranking = ranked_claims(post)

    assert ranking.mode == LEXICAL
    assert ids(ranking)[0] == target.pk


def test_unspaced_chinese_finds_the_claim_by_its_bigrams(settings):
    settings.RETRIEVAL_EMBEDDER = ""
    target = claim("朝鲜为将军金永福 举行国葬")
    claim("韩国釜山新建大桥在通车仪式上倒塌")

    for query in ("金永福国葬", "朝鲜国葬"):
        assert ids(ranked_claims(query))[:1] == [target.pk], query


def test_the_lexical_query_is_any_term_without_function_words():
    assert lexical_tsquery("The state funeral of Kim") == "'state' | 'funer':* | 'kim'"
    assert lexical_tsquery("😀 the of https://t.co/x") is None


def test_meaning_finds_a_claim_that_shares_no_word(embedded):
    target = claim("Drinking hot water every fifteen minutes kills the coronavirus")
    claim(BRIDGE)
    claim(VACCINE)
    embedded()

    ranking = ranked_claims("Sipping warm liquids regularly destroys the virus")

    assert ranking.mode == HYBRID
    assert ranking.hits[0].claim_id == target.pk
    assert ranking.hits[0].via == ["semantic"]
    assert ranking.hits[0].similarity > 0.8


def test_a_chinese_post_finds_the_english_claim_and_the_reverse(embedded):
    funeral = claim(FUNERAL)
    bridge = claim(BRIDGE)
    funeral_zh = claim("朝鲜为将军金永福举行国葬", language="zh")
    bridge_zh = claim("釜山新大桥在通车仪式上倒塌", language="zh")
    embedded()

    assert (
        ids(ranked_claims("网传视频 朝鲜为金永福将军举行国葬", claims=_in(funeral, bridge)))[0]
        == funeral.pk
    )
    assert (
        ids(
            ranked_claims(
                "Busan bridge fell apart at its opening", claims=_in(funeral_zh, bridge_zh)
            )
        )[0]
        == bridge_zh.pk
    )


def _in(*claims):
    from claims.models import Claim

    return Claim.objects.filter(pk__in=[c.pk for c in claims])


def test_only_the_given_verdicts_are_searched(embedded):
    public = published(FUNERAL)
    draft = published(FUNERAL + " in Pyongyang", status=Verdict.Status.DRAFT)
    embedded()

    found = ids(
        ranked_claims(FUNERAL, verdicts=Verdict.objects.filter(status=Verdict.Status.PUBLISHED))
    )

    assert public.claim_id in found
    assert draft.claim_id not in found


def test_a_model_that_fails_to_load_leaves_the_words(settings):
    settings.RETRIEVAL_EMBEDDER = "tests.retrieval.fakes.BrokenEmbedder"
    target = claim(FUNERAL)

    ranking = ranked_claims("state funeral Kim Yong Bok")

    assert ranking.mode == LEXICAL
    assert ids(ranking) == [target.pk]


def test_with_a_model_words_rank_the_meaning_candidates_and_what_is_not_embedded(
    embedded, monkeypatch
):
    """Ranking every claim that shares a word with a post took 0.5-0.9 s at 200,000 claims;
    with a model, words only rank what meaning found and what has no vector yet."""
    from retrieval import selectors

    monkeypatch.setattr(selectors, "SEMANTIC_CANDIDATES", 1)
    target = claim(FUNERAL)
    elsewhere = claim("The funeral of a pop star drew a million people to Seoul")
    embedded()
    waiting = claim("A state funeral was held for the general Kim Yong Bok in Pyongyang")

    ranking = ranked_claims(FUNERAL)

    assert ranking.mode == HYBRID
    assert ids(ranking)[0] == target.pk
    assert waiting.pk in ids(ranking)  # no passage yet: found by its words
    assert elsewhere.pk not in ids(ranking)  # embedded, and not among meaning's candidates


def test_a_passage_waiting_for_its_vector_is_found_by_its_words(embedded):
    from retrieval.models import Passage

    target = claim(FUNERAL)
    claim(BRIDGE)
    embedded()
    Passage.objects.filter(claim=target).update(vector=None)

    assert unembedded_claim_ids(current_name()) == [target.pk]
    assert target.pk in ids(ranked_claims("state funeral Kim Yong Bok"))


def test_vectors_of_another_model_count_as_not_embedded(embedded):
    from retrieval.models import Passage

    old = claim(FUNERAL)
    claim(BRIDGE)
    embedded()
    Passage.objects.filter(claim=old).update(model="an-older-model")

    assert unembedded_claim_ids(current_name()) == [old.pk]


def test_too_many_claims_waiting_for_vectors_ranks_every_claim_by_words(embedded, monkeypatch):
    from retrieval import selectors

    monkeypatch.setattr(selectors, "SEMANTIC_CANDIDATES", 1)
    monkeypatch.setattr(selectors, "UNEMBEDDED_SCOPE", 1)
    claim(FUNERAL)
    embedded()
    first = claim("A state funeral was held for the general Kim Yong Bok in Pyongyang")
    second = claim("State funeral: North Korea buries general Kim")

    assert selectors.unembedded_claim_ids("any-model") is None
    found = ids(ranked_claims(FUNERAL))
    assert first.pk in found
    assert second.pk in found


@pytest.mark.parametrize("limit", [1, 5, 10, 20, 30, 40])
def test_meaning_is_read_as_deep_as_words_can_lift_a_claim_into_the_results(limit):
    """Past semantic_depth, a claim found by meaning scores less, even ranked first by words,
    than the `limit`-th claim by meaning alone: it can never be shown."""
    from retrieval.selectors import (
        LEXICAL_WEIGHT,
        RRF_K,
        SEMANTIC_CANDIDATES,
        SEMANTIC_WEIGHT,
        semantic_depth,
    )

    def fused(semantic_rank, lexical_rank=None):
        lexical = LEXICAL_WEIGHT / (RRF_K + lexical_rank) if lexical_rank else 0.0
        return SEMANTIC_WEIGHT / (RRF_K + semantic_rank) + lexical

    depth = semantic_depth(limit)
    assert limit <= depth <= SEMANTIC_CANDIDATES
    if depth < SEMANTIC_CANDIDATES:
        assert fused(depth + 1, lexical_rank=1) < fused(limit)
        assert fused(depth, lexical_rank=1) >= fused(limit)


def test_a_forked_worker_embeds_queries_on_a_thread_of_its_own():
    """gunicorn and Celery fork their workers: a child that kept its parent's executor would
    queue its texts for a thread it does not have, and wait forever."""
    import os

    from retrieval import selectors

    assert selectors._embedding.submit(lambda: "parent").result(timeout=5) == "parent"
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            answer = selectors._embedding.submit(lambda: b"child").result(timeout=5)
        except Exception:
            answer = b"stuck"
        os.write(write, answer)
        os._exit(0)
    os.waitpid(child, 0)
    assert os.read(read, 16) == b"child"


def test_every_connection_searches_the_hnsw_graph_as_deep_as_the_ranking_needs():
    """Set once per connection (retrieval.apps), not per search: a new connection has them
    before its first query, and every search of it runs with them. claims:search reads more
    passages than EF_SEARCH: the iterative scan reads on past it (at 200,000 claims, 200 rows
    with it, 100 without; bench/matching/README.md)."""
    fresh = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with fresh.cursor() as cursor:
            cursor.execute("SHOW hnsw.ef_search")
            assert int(cursor.fetchone()[0]) == EF_SEARCH < 2 * SEMANTIC_CANDIDATES
            cursor.execute("SHOW hnsw.iterative_scan")
            assert cursor.fetchone()[0] == "relaxed_order"
    finally:
        fresh.close()
