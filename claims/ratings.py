"""Another publisher's rating on our scale, only where the meaning is clear: the one mapping
that imports and the Fact Check Tools pages both use.

The textual rating (reviewRating.alternateName) is always kept as the publisher wrote it
(`Verdict.textual_rating`). `Verdict.rating` is set only when one of these says which step:

1. The textual rating, compared without case, hyphens, repeated spaces or final punctuation
   ("Mostly-False." is "mostly false"), is a synonym of a step (`RatingSynonym`: seeded in many
   languages by a migration, extended by editors in the admin) or the step's own label.
2. A rating written as a sentence ("False. The video is from 2015", "Faux : la vidéo date de
   2015") whose first clause is such a synonym or label.
3. ratingValue, bestRating and worstRating are all given, and the value's position between
   worst (0) and best (1), carried onto our scale, lands exactly on a step's value: 1 of 1..5
   is our 1, 2 of 1..3 is the middle of ours, 0.7 of 0..1 is no step.

A known word whose step our scale lacks maps to nothing: "Half true" does not become "Missing
context" by guesswork. Everything else (free text, numbers without their scale) keeps only the
textual rating.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

R = TypeVar("R")

TRUE = "True"
MOSTLY_TRUE = "Mostly true"
HALF_TRUE = "Half true"
MOSTLY_FALSE = "Mostly false"
FALSE = "False"
MISLEADING = "Misleading"
MISSING_CONTEXT = "Missing context"
UNPROVEN = "Unproven"

# Textual ratings as publishers write them (PolitiFact, Snopes, AFP's desks, Reuters, Full Fact,
# Meta's programme, the Washington Post's Pinocchios, and the words of fact-checkers writing in
# Spanish, Portuguese, French, German, Italian, Chinese, Japanese, Korean, Arabic and Hindi),
# normalized, and the canonical label each means: what the migration seeds RatingSynonym with.
SYNONYMS: dict[str, str] = {
    "true": TRUE,
    "correct": TRUE,
    "accurate": TRUE,
    "geppetto checkmark": TRUE,
    "mostly true": MOSTLY_TRUE,
    "mostly correct": MOSTLY_TRUE,
    "mostly accurate": MOSTLY_TRUE,
    "largely true": MOSTLY_TRUE,
    "largely accurate": MOSTLY_TRUE,
    "one pinocchio": MOSTLY_TRUE,
    "half true": HALF_TRUE,
    "half truth": HALF_TRUE,
    "partly true": HALF_TRUE,
    "partially true": HALF_TRUE,
    "partly false": HALF_TRUE,
    "partially false": HALF_TRUE,
    "mixture": HALF_TRUE,
    "mixed": HALF_TRUE,
    "two pinocchios": HALF_TRUE,
    "mostly false": MOSTLY_FALSE,
    "mostly untrue": MOSTLY_FALSE,
    "mostly inaccurate": MOSTLY_FALSE,
    "largely false": MOSTLY_FALSE,
    "largely inaccurate": MOSTLY_FALSE,
    "three pinocchios": MOSTLY_FALSE,
    "false": FALSE,
    "untrue": FALSE,
    "not true": FALSE,
    "incorrect": FALSE,
    "inaccurate": FALSE,
    "wrong": FALSE,
    "fake": FALSE,
    "hoax": FALSE,
    "fabricated": FALSE,
    "pants on fire": FALSE,
    "four pinocchios": FALSE,
    "misleading": MISLEADING,
    "deceptive": MISLEADING,
    "missing context": MISSING_CONTEXT,
    "lacks context": MISSING_CONTEXT,
    "lacking context": MISSING_CONTEXT,
    "needs context": MISSING_CONTEXT,
    "unproven": UNPROVEN,
    "unverified": UNPROVEN,
    "unverifiable": UNPROVEN,
    "unsubstantiated": UNPROVEN,
    "unsupported": UNPROVEN,
    "no evidence": UNPROVEN,
    "not enough evidence": UNPROVEN,
    "insufficient evidence": UNPROVEN,
    # es
    "falso": FALSE,
    "falsa": FALSE,
    "bulo": FALSE,
    "verdadero": TRUE,
    "verdadera": TRUE,
    "cierto": TRUE,
    "engañoso": MISLEADING,
    "enganoso": MISLEADING,
    "engañosa": MISLEADING,
    "enganosa": MISLEADING,
    "sin contexto": MISSING_CONTEXT,
    "falta contexto": MISSING_CONTEXT,
    "fuera de contexto": MISSING_CONTEXT,
    "sacado de contexto": MISSING_CONTEXT,
    "no verificable": UNPROVEN,
    "inverificable": UNPROVEN,
    "sin evidencia": UNPROVEN,
    "mayormente verdadero": MOSTLY_TRUE,
    "mayormente falso": MOSTLY_FALSE,
    "parcialmente falso": HALF_TRUE,
    # pt
    "verdadeiro": TRUE,
    "verdadeira": TRUE,
    "distorcido": MISLEADING,
    "fora de contexto": MISSING_CONTEXT,
    "sem contexto": MISSING_CONTEXT,
    "insustentável": UNPROVEN,
    "sem provas": UNPROVEN,
    "exagerado": HALF_TRUE,
    # fr
    "faux": FALSE,
    "fausse": FALSE,
    "vrai": TRUE,
    "trompeur": MISLEADING,
    "trompeuse": MISLEADING,
    "manque de contexte": MISSING_CONTEXT,
    "hors contexte": MISSING_CONTEXT,
    "sorti de son contexte": MISSING_CONTEXT,
    "infondé": UNPROVEN,
    "invérifiable": UNPROVEN,
    "plutôt vrai": MOSTLY_TRUE,
    "plutôt faux": MOSTLY_FALSE,
    # de, it
    "falsch": FALSE,
    "richtig": TRUE,
    "irreführend": MISLEADING,
    "fehlender kontext": MISSING_CONTEXT,
    "unbelegt": UNPROVEN,
    "vero": TRUE,
    "fuorviante": MISLEADING,
    "senza contesto": MISSING_CONTEXT,
    # zh (simplified and traditional)
    "错误": FALSE,
    "錯誤": FALSE,
    "假": FALSE,
    "虚假": FALSE,
    "虛假": FALSE,
    "不实": FALSE,
    "不實": FALSE,
    "谣言": FALSE,
    "謠言": FALSE,
    "正确": TRUE,
    "正確": TRUE,
    "真": TRUE,
    "误导": MISLEADING,
    "誤導": MISLEADING,
    "缺乏背景": MISSING_CONTEXT,
    "缺乏脈絡": MISSING_CONTEXT,
    "断章取义": MISSING_CONTEXT,
    "斷章取義": MISSING_CONTEXT,
    "证据不足": UNPROVEN,
    "證據不足": UNPROVEN,
    "无法证实": UNPROVEN,
    "無法證實": UNPROVEN,
    "部分错误": HALF_TRUE,
    "部分錯誤": HALF_TRUE,
    # ja
    "誤り": FALSE,
    "虚偽": FALSE,
    "ミスリード": MISLEADING,
    "根拠不明": UNPROVEN,
    # ko
    "거짓": FALSE,
    "사실 아님": FALSE,
    "사실": TRUE,
    "대체로 사실": MOSTLY_TRUE,
    "대체로 거짓": MOSTLY_FALSE,
    "절반의 사실": HALF_TRUE,
    "오해의 소지": MISLEADING,
    "맥락 누락": MISSING_CONTEXT,
    "판단 유보": UNPROVEN,
    "근거 부족": UNPROVEN,
    # ar, hi
    "زائف": FALSE,
    "كاذب": FALSE,
    "خطأ": FALSE,
    "صحيح": TRUE,
    "مضلل": MISLEADING,
    "غير مؤكد": UNPROVEN,
    "फर्जी": FALSE,
    "झूठ": FALSE,
    "गलत": FALSE,
    "सच": TRUE,
    "भ्रामक": MISLEADING,
}

_DASHES = str.maketrans({"-": " ", "_": " ", "\u2010": " ", "\u2011": " ", "\u2013": " "})
# Floating-point slack when a position is carried between scales (1/3 * 4 is not exactly 4/3).
_EXACT = 1e-9


def normalize_textual(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_DASHES)
    return " ".join(text.split()).rstrip(".!?… ").strip()


# Where a rating written as a sentence ends its first clause.
_CLAUSE_END = re.compile(r"[.,;:!?(\[\u2014\u2013]| - ")


@dataclass(frozen=True)
class ScaleSteps(Generic[R]):
    """The steps of our scale that a rating can map to: by normalized text (each step's label
    and synonyms) and by value."""

    worst: int
    best: int
    by_text: Mapping[str, R]
    by_value: Mapping[int, R]


def map_rating(
    *,
    textual: str,
    value: float | None,
    best: float | None,
    worst: float | None,
    steps: ScaleSteps[R],
) -> R | None:
    """The step of our scale this rating clearly means, or None (see the module docstring)."""
    if textual:
        normalized = normalize_textual(textual)
        first_clause = normalize_textual(_CLAUSE_END.split(normalized, maxsplit=1)[0])
        for text in (normalized, first_clause):
            if text in steps.by_text:
                return steps.by_text[text]
        if normalized in SYNONYMS or first_clause in SYNONYMS:
            # A rating we know, whose step our scale lacks: its numbers would only guess.
            return None
    if value is None or best is None or worst is None or best == worst:
        return None
    position = (value - worst) / (best - worst)
    if not 0 <= position <= 1:
        return None
    ours = steps.worst + position * (steps.best - steps.worst)
    nearest = round(ours)
    if abs(ours - nearest) > _EXACT:
        return None
    return steps.by_value.get(nearest)
