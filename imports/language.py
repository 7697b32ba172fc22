"""The language of an imported review that does not say it, detected from its text.

py3langid ships its model inside the wheel (nothing is downloaded) and classifies a short text in
well under a millisecond; its probabilities are normalised, so that a floor can tell a guess from
a reading. Below the floor the language stays undetermined: a claim filed under the wrong
language is harder to find than one filed under none.
"""

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Measured on claims of one line: clear Spanish, French, Korean, Hindi score 0.85-1.0, a
# one-line English claim about 0.6, two English words misread as French 0.2-0.35.
CONFIDENCE_FLOOR = 0.5
# A claim and its headline; beyond this the answer seldom changes, only the time taken.
TEXT_MAX = 300
# Labels the model knows that no review is written in, but short English is taken for: Nigerian
# Pidgin (18 of 10,375 English Snopes claims of CLEF CheckThat! 2020 at the floor), ancient
# Hebrew and Greek, Volapük, and "no linguistic content".
NEVER = frozenset({"pcm", "hbo", "grc", "vo", "zxx"})


@cache
def _identifier() -> LanguageIdentifier:
    # Loading the model takes about a second: once per process, when first needed.
    identifier = LanguageIdentifier.from_model_file(
        MODEL_FILE, norm_probs=True, min_confidence=CONFIDENCE_FLOOR
    )
    identifier.set_languages([label for label in identifier.labels if label not in NEVER])
    return identifier


def detect_language(text: str) -> tuple[str, float] | None:
    """The ISO 639-1 code of `text`'s language and the confidence, or None below the floor."""
    text = text.strip()[:TEXT_MAX]
    if not text:
        return None
    language, confidence = _identifier().classify(text)
    if language == "und":
        return None
    return language, confidence
