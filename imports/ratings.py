"""Another publisher's rating on our scale, only where the meaning is clear.

The textual rating (reviewRating.alternateName) is always kept as the publisher wrote it
(`Verdict.textual_rating`). `Verdict.rating` is set only in two cases:

1. The textual rating is in `SYNONYMS` (compared without case, hyphens, repeated spaces or final
   punctuation: "Mostly-False." is "mostly false"). It maps to a canonical label, and the rating is
   the step of our scale with that label (without case). If our scale has no such step, the
   rating stays empty: "Half true" does not become "Missing context" by guesswork. A textual
   rating found in the table decides alone; its numbers are not consulted.
2. Otherwise, when ratingValue, bestRating and worstRating are all given, the value's position
   between worst (0) and best (1) is carried onto our scale, and it must land exactly on the
   value of a step: 1 of 1..5 is our 1, 2 of 1..3 is the middle of ours, 0.7 of 0..1 is no step.

Everything else (free text such as "Fabricated video from 2015", numbers without their scale)
keeps only the textual rating.
"""

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

# Common English textual ratings (PolitiFact, Snopes, AFP, Reuters, Full Fact, Meta's programme,
# the Washington Post's Pinocchios), normalized, and the canonical label each means.
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
}

_DASHES = str.maketrans({"-": " ", "_": " ", "\u2010": " ", "\u2011": " ", "\u2013": " "})
# Floating-point slack when a position is carried between scales (1/3 * 4 is not exactly 4/3).
_EXACT = 1e-9


def normalize_textual(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_DASHES)
    return " ".join(text.split()).rstrip(".!?… ").strip()


@dataclass(frozen=True)
class ScaleSteps(Generic[R]):
    """The steps of our scale that a rating can map to: by label (case-folded) and by value."""

    worst: int
    best: int
    by_label: Mapping[str, R]
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
    canonical = SYNONYMS.get(normalize_textual(textual)) if textual else None
    if canonical is not None:
        return steps.by_label.get(canonical.casefold())
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
