"""How alike two claim texts are, and when a suggestion is a likely duplicate.

A text is compared through its content terms: the search index's own terms
(`claims.search.search_document`: lower-cased words of spaced languages, overlapping bigrams of
Chinese, Japanese and Korean runs) without function words and claim framing ("says", "viral",
网传). Two terms are the same word when equal or, for spaced languages, when they differ only by
a short ending (flood / flooded / flooding, pension / pensions, a typo near the end). The terms
score is the share of both texts' terms that have a match in the other (Dice). The trigram score
is pg_trgm's similarity of the raw texts, computed by PostgreSQL. A pair of texts scores the
higher of the two: terms carry CJK text, which trigrams of an unspaced run do not see, and
trigrams catch spelling the terms miss. A claim is compared field by field (text and
original_text on both sides) and scores its best pair.

Thresholds, from the labelled pairs in tests/matching/test_calibration.py (paraphrases, near
misses and unrelated claims in English, Chinese and Korean; that module lists the scores):

- SUGGEST_THRESHOLD 0.35: every paraphrase scores 0.41 or more (the lowest are Chinese
  rewordings, whose bigrams overlap less), unrelated claims 0.11 or less. Most near misses (the
  same template with another place, amount or action: "cut pensions" / "raise the minimum
  wage") score 0.4-0.67 and are suggested too: telling them apart is the fact-checker's call,
  and a missed duplicate costs more than a rejected suggestion.
- STRONG_THRESHOLD 0.7: above every near miss (the highest, 0.67, is two claims about one
  president at one summit doing different things: shared names outweigh the verb), so a strong
  suggestion is a likely duplicate. 7 of the 10 English paraphrases reach it (0.75-1.0); the
  others, and the CJK paraphrases (0.41-0.67), are suggested without the flag.
- MIN_STRONG_WORDS 8: short texts share most of their few words by chance ("5G spreads COVID" /
  "5G spreads flu"), so under eight words text alone never makes a suggestion strong; a media
  match as well does. Chinese and Japanese are not spaced: 1.5 characters count as a word (the
  mean length of a Modern Chinese word in running text is about 1.5-1.7 characters, and a claim
  of 12 characters says about as much as 8 English words). Korean is spaced, but one spaced unit
  (eojeol) is a word plus its particles, so 2 syllables count as a word.
"""

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise, product
from typing import Any

from core.search import STOPWORDS, search_document
from retrieval.selectors import RELEVANT_SIMILARITY

SUGGEST_THRESHOLD = 0.35
STRONG_THRESHOLD = 0.7
MIN_STRONG_WORDS = 8
# Media scores come from the reverse-image index, 1 for identical pictures. At or above this,
# the media alone make a suggestion strong.
MEDIA_STRONG_THRESHOLD = 0.9
# Cosine similarities of multilingual-e5-small embeddings (retrieval): even unrelated texts
# score about 0.75, so similarity is put on the 0-1 scale of text scores piecewise, through
# (SEMANTIC_FLOOR, 0), (SEMANTIC_SUGGEST_SIMILARITY, SUGGEST_THRESHOLD) and
# (SEMANTIC_STRONG_SIMILARITY, STRONG_THRESHOLD) to (1, 1). Calibrated on the CheckThat! 2020
# dev tweets' top five (bench/matching/checkthat.py --calibrate; README there): 98.8% of the
# right answers reach 0.82 (suggested). Meaning alone is a weak sign of the very same claim:
# of the results at 0.85 or more only half are right, at 0.90 73%, and 95% only from 0.95, so
# that is where similarity alone makes a suggestion strong.
SEMANTIC_FLOOR = 0.78
SEMANTIC_SUGGEST_SIMILARITY = RELEVANT_SIMILARITY
SEMANTIC_STRONG_SIMILARITY = 0.95

HAN_CHARACTERS_PER_WORD = 1.5
HANGUL_SYLLABLES_PER_WORD = 2.0
_HAN_KANA = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_CJK = re.compile(f"{_HAN_KANA.pattern}|{_HANGUL.pattern}")


# A query is scored against twenty candidates, and the same claims come back as candidates
# of similar queries: each text is tokenized once (search_document is most of a check's Python
# time otherwise).
TEXTS_CACHED = 4096


@lru_cache(maxsize=TEXTS_CACHED)
def content_terms(text: str) -> frozenset[str]:
    """The index terms of `text` that say something."""
    return frozenset(search_document(text).split()) - STOPWORDS


@lru_cache(maxsize=TEXTS_CACHED)
def word_count(text: str) -> float:
    """Words in `text`, counting Chinese, Japanese and Korean by characters (module docstring)."""
    spaced = sum(1 for term in search_document(text).split() if is_spaced_term(term))
    han = len(_HAN_KANA.findall(text)) / HAN_CHARACTERS_PER_WORD
    hangul = len(_HANGUL.findall(text)) / HANGUL_SYLLABLES_PER_WORD
    return spaced + han + hangul


def is_spaced_term(term: str) -> bool:
    """A word of a spaced language, not a CJK bigram."""
    return not _CJK.search(term)


def _same_word(a: str, b: str) -> bool:
    """One word with different endings: a shared stem of 5 letters or more with at most 3 more
    on either side, or a 4-letter word and itself plus up to 2 letters (kill / kills)."""
    if not (is_spaced_term(a) and is_spaced_term(b)):
        return False
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    if shared >= 5:
        return len(a) - shared <= 3 and len(b) - shared <= 3
    return shared == 4 and min(len(a), len(b)) == 4 and abs(len(a) - len(b)) <= 2


def _matched(terms: frozenset[str], others: frozenset[str]) -> set[str]:
    """The terms that have a match among `others`: equal, or the same word (_same_word)."""
    matched = set(terms & others)
    stems: dict[str, list[str]] = {}
    for other in others - matched:
        stems.setdefault(other[:4], []).append(other)
    for term in terms - matched:
        if any(_same_word(term, other) for other in stems.get(term[:4], ())):
            matched.add(term)
    return matched


def terms_score(a: frozenset[str], b: frozenset[str]) -> tuple[float, list[str]]:
    """Dice's coefficient over matching terms, and the terms of `a` that matched."""
    if not a or not b:
        return 0.0, []
    in_a, in_b = _matched(a, b), _matched(b, a)
    return (len(in_a) + len(in_b)) / (len(a) + len(b)), sorted(in_a)


@dataclass(frozen=True)
class TextMatch:
    """The best-matching pair of fields between a query and a claim."""

    score: float
    terms_score: float
    trigram_score: float
    query_field: str
    matched_field: str
    shared_terms: list[str]
    words: float  # of the shorter of the two texts

    def reasons(self) -> dict[str, Any]:
        return {
            "query_field": self.query_field,
            "matched_field": self.matched_field,
            "terms_score": round(self.terms_score, 4),
            "trigram_score": round(self.trigram_score, 4),
            "shared_terms": self.shared_terms[:20],
            "words": round(self.words, 1),
        }


def best_text_match(
    query: dict[str, str],
    candidate: dict[str, str],
    trigram: dict[tuple[str, str], float],
    *,
    query_terms: dict[str, frozenset[str]] | None = None,
) -> TextMatch | None:
    """The best field pair between `query` and `candidate` ({field: text}, empty texts left
    out); `trigram[(query_field, candidate_field)]` is PostgreSQL's similarity of the pair.
    `query_terms` saves recomputing the query's terms for every candidate."""
    query_terms = query_terms or {}
    theirs = {field: content_terms(text) for field, text in candidate.items() if text}
    best, texts = None, ("", "")
    for (query_field, query_text), (field, text) in product(query.items(), candidate.items()):
        if not query_text or not text:
            continue
        own = query_terms.get(query_field) or content_terms(query_text)
        by_terms, shared = terms_score(own, theirs[field])
        by_trigrams = float(trigram.get((query_field, field), 0.0))
        score = round(min(1.0, max(by_terms, by_trigrams)), 4)
        if best is None or score > best.score:
            best = TextMatch(score, by_terms, by_trigrams, query_field, field, shared, 0.0)
            texts = (query_text, text)
    if best is None:
        return None
    return replace(best, words=min(word_count(texts[0]), word_count(texts[1])))


def semantic_score(similarity: float | None) -> float:
    """A cosine similarity on the 0-1 scale of text scores (see SEMANTIC_FLOOR); 0 for None."""
    if similarity is None:
        return 0.0
    points = [
        (SEMANTIC_FLOOR, 0.0),
        (SEMANTIC_SUGGEST_SIMILARITY, SUGGEST_THRESHOLD),
        (SEMANTIC_STRONG_SIMILARITY, STRONG_THRESHOLD),
        (1.0, 1.0),
    ]
    if similarity <= SEMANTIC_FLOOR:
        return 0.0
    for (x0, y0), (x1, y1) in pairwise(points):
        if similarity <= x1:
            return round(y0 + (similarity - x0) * (y1 - y0) / (x1 - x0), 4)
    return 1.0


def combined_score(text_score: float, media_score: float | None) -> float:
    """Either kind of evidence alone can carry a suggestion, and both together count for more
    than either: 1 - (1 - text)(1 - media)."""
    media = media_score or 0.0
    return round(1 - (1 - text_score) * (1 - media), 4)


def is_strong(
    *, text_score: float, words: float, media_score: float | None, similarity: float | None = None
) -> bool:
    """A likely duplicate: strong media, or strong text or meaning that is long enough to be
    telling (a shorter text counts when the media match as well)."""
    if media_score is not None and media_score >= MEDIA_STRONG_THRESHOLD:
        return True
    if text_score < STRONG_THRESHOLD and (similarity or 0.0) < SEMANTIC_STRONG_SIMILARITY:
        return False
    return words >= MIN_STRONG_WORDS or media_score is not None
