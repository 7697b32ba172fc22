"""Other publishers' ratings onto our scale: only where the meaning is clear."""

import pytest

from imports.ratings import SYNONYMS, ScaleSteps, map_rating, normalize_textual

# Our demo newsroom's scale, as label -> value (Unproven is off the numeric scale).
OURS = {
    "True": 5,
    "Mostly true": 4,
    "Missing context": 3,
    "Misleading": 2,
    "False": 1,
    "Unproven": None,
}
STEPS = ScaleSteps(
    worst=1,
    best=5,
    by_label={label.casefold(): label for label in OURS},
    by_value={value: label for label, value in OURS.items() if value is not None},
)


def rate(textual: str = "", value=None, best=None, worst=None, steps=STEPS):
    return map_rating(textual=textual, value=value, best=best, worst=worst, steps=steps)


@pytest.mark.parametrize(
    ("textual", "expected"),
    [
        ("False", "False"),
        ("FALSE", "False"),
        ("false.", "False"),
        ("  Pants on Fire!  ", "False"),
        ("Fake", "False"),
        ("Four Pinocchios", "False"),
        ("True", "True"),
        ("Correct", "True"),
        ("Mostly True", "Mostly true"),
        ("mostly-true", "Mostly true"),
        ("Largely accurate", "Mostly true"),
        ("Misleading", "Misleading"),
        ("Missing Context", "Missing context"),
        ("Lacks context", "Missing context"),
        ("Needs_context", "Missing context"),
        ("Unproven", "Unproven"),
        ("Unverified", "Unproven"),
        ("No evidence", "Unproven"),
        # Known, but our scale has no such step: no guess.
        ("Half True", None),
        ("Mixture", None),
        ("Mostly false", None),
        ("Three Pinocchios", None),
    ],
)
def test_synonyms_map_onto_our_labels(textual, expected):
    assert rate(textual) == expected


def test_a_scale_with_the_step_gets_it():
    politifact_like = ScaleSteps(
        worst=0,
        best=5,
        by_label={"half true": "Half true", "mostly false": "Mostly false"},
        by_value={},
    )

    assert rate("Half-true", steps=politifact_like) == "Half true"
    assert rate("Mostly False", steps=politifact_like) == "Mostly false"


def test_every_synonym_is_normalized_and_names_a_canonical_label():
    canonical = {"True", "Mostly true", "Half true", "Mostly false", "False", "Misleading"}
    canonical |= {"Missing context", "Unproven"}
    for text, label in SYNONYMS.items():
        assert normalize_textual(text) == text
        assert label in canonical


def test_a_known_textual_rating_decides_alone():
    assert rate("True", value=1, best=5, worst=1) == "True"
    assert rate("Half true", value=3, best=5, worst=1) is None


@pytest.mark.parametrize(
    ("value", "best", "worst", "expected"),
    [
        (1, 5, 1, "False"),
        (5, 5, 1, "True"),
        (3, 5, 1, "Missing context"),
        (0, 4, 0, "False"),
        (3, 4, 0, "Mostly true"),
        (2, 3, 1, "Missing context"),
        (1, 3, 1, "False"),
        (100, 100, 0, "True"),
        (25, 100, 0, "Misleading"),
        (0.5, 1, 0, "Missing context"),
        (1, 1, 5, "True"),  # best below worst: 1 is the best
        (2, 1, 5, "Mostly true"),
        # Between our steps: not clear.
        (2, 3, 0, None),
        (7, 10, 0, None),
        (0.7, 1, 0, None),
        (2, 7, 1, None),
    ],
)
def test_numeric_ratings_map_when_they_land_on_a_step(value, best, worst, expected):
    assert rate(value=value, best=best, worst=worst) == expected


def test_free_text_uses_the_numbers_when_they_are_complete():
    assert rate("Fabricated video from 2015", value=1, best=5, worst=1) == "False"
    assert rate("Fabricated video from 2015") is None
    assert rate("Fabricated video from 2015", value=1) is None
    assert rate("Fabricated video from 2015", value=1, best=5) is None


def test_out_of_range_or_degenerate_numbers_map_to_nothing():
    assert rate(value=6, best=5, worst=1) is None
    assert rate(value=1, best=1, worst=1) is None


def test_a_step_missing_from_our_scale_maps_to_nothing():
    gappy = ScaleSteps(worst=1, best=5, by_label={}, by_value={1: "False", 5: "True"})

    assert rate(value=3, best=5, worst=1, steps=gappy) is None
    assert rate(value=5, best=5, worst=1, steps=gappy) == "True"
