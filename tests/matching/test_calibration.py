"""The thresholds of matching.scoring, held against labelled pairs of claims as newsrooms log
them: paraphrases of one claim (reworded, reordered, abbreviated, in English, Chinese and
Korean), near misses (the same template saying something else: another place, amount, action
or remedy) and unrelated claims.

What the thresholds promise, and what these pairs score (terms / trigram -> pair score):

- every paraphrase is suggested (>= SUGGEST_THRESHOLD 0.35): English 0.63-1.0, Chinese
  0.41-0.60, Korean 0.67;
- 7 of the 10 English paraphrases (all of 8 words or more) are strong (>= STRONG_THRESHOLD
  0.7); the Bill Gates, garlic and Marcos rewordings (0.63-0.67) are suggested only;
- no near miss is strong: the highest is 0.67 (Marcos asleep at the summit / Marcos walking
  out of it), then 0.56 (a Korean pair differing in one verb and one noun); 8 of 12 are suggested,
  for a fact-checker to reject;
- no unrelated claim is suggested (all 0.11 or less).
"""

import pytest
from django.db import connection

from claims.models import Claim
from matching.scoring import (
    MIN_STRONG_WORDS,
    STRONG_THRESHOLD,
    SUGGEST_THRESHOLD,
    best_text_match,
    is_strong,
)
from matching.selectors import text_candidates
from tests.matching.factories import claim

pytestmark = pytest.mark.django_db

ENGLISH_PARAPHRASES = [
    (
        "Video shows the state funeral of North Korean general Kim Yong Bok",
        "Footage circulating on X shows North Korea's state funeral for General Kim Yong Bok",
    ),
    (
        "Drinking hot water every 15 minutes kills the coronavirus",
        "Drinking hot water every fifteen minutes will kill the coronavirus in your throat",
    ),
    (
        "The government will cut pensions by 30 percent from next January",
        "Pensions will be cut by 30% starting next January, says a viral post",
    ),
    (
        "Photo shows flooding at Taipei Main Station after Typhoon Gaemi",
        "This photo shows Taipei Main Station flooded during Typhoon Gaemi",
    ),
    (
        "Bill Gates wants to implant microchips through vaccines",
        "Bill Gates plans to use COVID vaccines to implant tracking microchips in people",
    ),
    (
        "A Japanese company has developed a pill that cures diabetes in one week",
        "Japanese scientists developed a pill that cures diabetes within a week",
    ),
    (
        "Election officials in Manila destroyed thousands of ballots for the opposition candidate",
        "Thousands of opposition ballots were destroyed by election officials in Manila",
    ),
    (
        "The WHO declared that eating garlic prevents infection with the new coronavirus",
        "Eating garlic prevents coronavirus infection, according to the World Health Organization",
    ),
    (
        "A photo shows President Marcos sleeping during the ASEAN summit in Jakarta",
        "Marcos was photographed sleeping at the ASEAN summit held in Jakarta",
    ),
    (
        "Japan will release radioactive water from Fukushima that will poison fish across the "
        "Pacific",
        "Radioactive Fukushima water released by Japan will poison fish in the Pacific",
    ),
]

CJK_PARAPHRASES = [
    ("网传视频显示朝鲜为将军金永福举行国葬", "视频称朝鲜为金永福将军举行国葬"),
    ("每15分钟喝一次热水可以杀死新冠病毒", "每隔15分钟喝热水就能杀死新冠病毒"),
    ("政府明年一月起将退休金削减百分之三十", "网传政府将从明年一月开始削减三成退休金"),
    ("台风凯米过后台北车站淹水的照片", "照片显示凯米台风期间台北车站严重淹水"),
    ("照片顯示台北車站因凱米颱風淹水", "凱米颱風期間台北車站淹水的照片"),
    ("정부가 내년 1월부터 연금을 30% 삭감한다", "내년 1월부터 정부가 국민연금을 30% 깎는다는 주장"),
]

NEAR_MISSES = [
    (
        "Drinking hot water every 15 minutes kills the coronavirus",
        "Drinking bleach cures the coronavirus, says a doctor",
    ),
    (
        "The government will cut pensions by 30 percent from next January",
        "The government will raise the minimum wage by 30 percent next year",
    ),
    (
        "Photo shows flooding at Taipei Main Station after Typhoon Gaemi",
        "Photo shows flooding in Manila after Typhoon Carina hit the Philippines",
    ),
    (
        "Election officials in Manila destroyed thousands of ballots for the opposition candidate",
        "The election commission in Manila postponed the vote for the opposition candidate's "
        "district",
    ),
    (
        "Bill Gates wants to implant microchips through vaccines",
        "Bill Gates bought most of the farmland in the United States",
    ),
    (
        "The WHO declared that eating garlic prevents infection with the new coronavirus",
        "The WHO says drinking warm lemon water prevents infection with the coronavirus",
    ),
    (
        "A photo shows President Marcos sleeping during the ASEAN summit in Jakarta",
        "President Marcos walked out of the ASEAN summit in Jakarta in protest",
    ),
    (
        "Japan will release radioactive water from Fukushima that will poison fish across the "
        "Pacific",
        "South Korea banned all fish imports from Japan after the Fukushima water release",
    ),
    ("每15分钟喝一次热水可以杀死新冠病毒", "喝漂白水可以治愈新冠肺炎"),
    ("政府明年一月起将退休金削减百分之三十", "政府明年将最低工资提高百分之三十"),
    ("台风凯米过后台北车站淹水的照片", "照片显示台风过后马尼拉街头淹水"),
    ("정부가 내년 1월부터 연금을 30% 삭감한다", "정부가 내년부터 최저임금을 30% 인상한다"),
]

UNRELATED = [
    (
        "Video shows the state funeral of North Korean general Kim Yong Bok",
        "Kim Jong Un attended a military parade in Pyongyang last week",
    ),
    ("The moon landing was filmed in a studio", "Vaccines contain microchips that track people"),
    (
        "A Japanese company has developed a pill that cures diabetes in one week",
        "Election officials in Manila destroyed thousands of ballots",
    ),
    ("网传视频显示朝鲜为将军金永福举行国葬", "金正恩上周在平壤出席阅兵式"),
    ("台风凯米过后台北车站淹水的照片", "每15分钟喝一次热水可以杀死新冠病毒"),
]


def match(a: str, b: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [a, b])
        [similarity] = cursor.fetchone()
    return best_text_match({"text": a}, {"text": b}, {("text", "text"): similarity})


def strong(a: str, b: str) -> bool:
    found = match(a, b)
    return is_strong(text_score=found.score, words=found.words, media_score=None)


@pytest.mark.parametrize(("a", "b"), ENGLISH_PARAPHRASES + CJK_PARAPHRASES)
def test_every_paraphrase_is_suggested(a, b):
    assert match(a, b).score >= SUGGEST_THRESHOLD
    assert match(b, a).score == match(a, b).score


def test_most_long_english_paraphrases_are_strong():
    for a, b in ENGLISH_PARAPHRASES:
        assert match(a, b).words >= MIN_STRONG_WORDS
    assert sum(strong(a, b) for a, b in ENGLISH_PARAPHRASES) == 7


@pytest.mark.parametrize(("a", "b"), NEAR_MISSES)
def test_no_near_miss_is_strong(a, b):
    assert match(a, b).score < STRONG_THRESHOLD
    assert not strong(a, b)


@pytest.mark.parametrize(("a", "b"), UNRELATED)
def test_unrelated_claims_are_not_suggested(a, b):
    assert match(a, b).score < SUGGEST_THRESHOLD


def test_every_paraphrase_is_found_among_all_the_labelled_claims():
    """Candidates come from the full-text index by a few selective terms (matching.selectors):
    among every claim of this module, each paraphrase finds the other, both ways."""
    texts = {
        text
        for pairs in (ENGLISH_PARAPHRASES, CJK_PARAPHRASES, NEAR_MISSES, UNRELATED)
        for pair in pairs
        for text in pair
    }
    ids = {text: claim(text).pk for text in texts}
    for a, b in ENGLISH_PARAPHRASES + CJK_PARAPHRASES:
        for query, other in ((a, b), (b, a)):
            found = text_candidates({"text": query}, claims=Claim.objects.exclude(pk=ids[query]))
            assert ids[other] in [candidate.claim_id for candidate in found], (query, other)


def test_the_thresholds_separate_the_labelled_pairs():
    """The margins quoted above and in matching.scoring."""
    paraphrases = [match(a, b).score for a, b in ENGLISH_PARAPHRASES + CJK_PARAPHRASES]
    near = [match(a, b).score for a, b in NEAR_MISSES]
    unrelated = [match(a, b).score for a, b in UNRELATED]
    assert min(paraphrases) > 0.4
    assert max(near) < 0.67 + 0.01
    assert max(unrelated) < 0.11 + 0.01
    assert sum(score >= SUGGEST_THRESHOLD for score in near) == 8
