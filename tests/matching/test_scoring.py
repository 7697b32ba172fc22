import pytest

from matching.scoring import (
    MEDIA_STRONG_THRESHOLD,
    MIN_STRONG_WORDS,
    STRONG_THRESHOLD,
    best_text_match,
    combined_score,
    content_terms,
    is_strong,
    terms_score,
    word_count,
)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Kim Yong Bok funeral video is fake", 7),
        ("Video shows the state funeral of North Korean general Kim Yong Bok", 12),
        # 12 Han characters: about eight words.
        ("金永福将军国葬视频是假的", 8),
        ("网传视频显示朝鲜为将军金永福举行国葬", 12),
        # Hangul: 15 syllables are 7.5 words; the numbers 1 and 30 are two more.
        ("정부가 내년 1월부터 연금을 30% 삭감한다", 9.5),
        # Japanese: kanji and kana alike, 18 characters.
        ("北朝鮮の金永福将軍の国葬を映した動画", 12),
    ],
)
def test_word_count_counts_cjk_by_characters(text, words):
    assert word_count(text) == pytest.approx(words)


def test_content_terms_leave_out_function_words_and_claim_framing():
    assert content_terms("A viral post says that the moon landing was filmed in a studio") == {
        "moon",
        "landing",
        "filmed",
        "studio",
    }
    assert "网传" not in content_terms("网传 视频")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("flooded", "flooding", True),
        ("pension", "pensions", True),
        ("coronavirus", "coronavirs", True),
        ("kill", "kills", True),
        ("korea", "korean", True),
        ("station", "state", False),
        ("government", "governor", False),
        ("cut", "cute", False),
        ("国葬", "国家", False),
    ],
)
def test_words_with_other_endings_match(a, b, same):
    score, _ = terms_score(frozenset({a}), frozenset({b}))
    assert score == (1.0 if same else 0.0)


def test_a_pair_scores_its_best_field_and_says_which():
    query = {"text": "A video shows a state funeral", "original_text": "网传视频显示朝鲜举行国葬"}
    candidate = {"text": "朝鲜举行国葬的视频", "original_text": ""}
    trigram = {("text", "text"): 0.0, ("original_text", "text"): 0.1}

    match = best_text_match(query, candidate, trigram)

    assert (match.query_field, match.matched_field) == ("original_text", "text")
    assert match.score == pytest.approx(match.terms_score, abs=1e-4)
    assert match.score > 0.5
    assert "国葬" in match.shared_terms


def test_trigram_similarity_carries_what_the_terms_miss():
    match = best_text_match(
        {"text": "Vacines kil"}, {"text": "Vaccines kill"}, {("text", "text"): 0.5}
    )
    assert match.terms_score == 0.0
    assert match.score == 0.5


def test_short_text_is_never_strong_on_text_alone():
    assert not is_strong(text_score=1.0, words=MIN_STRONG_WORDS - 0.5, media_score=None)
    assert is_strong(text_score=STRONG_THRESHOLD, words=MIN_STRONG_WORDS, media_score=None)


def test_short_text_is_strong_when_the_media_match_too():
    assert is_strong(text_score=STRONG_THRESHOLD, words=3, media_score=0.5)
    assert not is_strong(text_score=STRONG_THRESHOLD - 0.01, words=3, media_score=0.5)


def test_strong_media_alone_is_strong():
    assert is_strong(text_score=0.0, words=0, media_score=MEDIA_STRONG_THRESHOLD)
    assert not is_strong(text_score=0.0, words=0, media_score=MEDIA_STRONG_THRESHOLD - 0.01)


def test_combined_score_counts_both_kinds_of_evidence():
    assert combined_score(0.5, None) == 0.5
    assert combined_score(0.0, 0.8) == 0.8
    assert combined_score(0.5, 0.8) == pytest.approx(0.9)
