"""Other publishers' ratings onto our scale: only where the meaning is clear. One mapping, for
imports and the Fact Check Tools pages alike."""

import pytest
from django.conf import settings

from claims.models import Rating, RatingScale, RatingSynonym
from claims.ratings import SYNONYMS, ScaleSteps, map_rating, normalize_textual
from claims.selectors.reference import rating_scale_steps

# Our demo newsroom's scale, as label -> value (Unproven is off the numeric scale).
OURS = {
    "True": 5,
    "Mostly true": 4,
    "Missing context": 3,
    "Misleading": 2,
    "False": 1,
    "Unproven": None,
}


def steps_for(labels: dict[str, int | None], worst: int = 1, best: int = 5) -> ScaleSteps:
    """Steps as the selector builds them from a scale seeded by the migration: each label and
    the synonyms of the labels the scale has."""
    by_text = {normalize_textual(label): label for label in labels}
    by_text |= {text: label for text, label in SYNONYMS.items() if label in labels}
    return ScaleSteps(
        worst=worst,
        best=best,
        by_text=by_text,
        by_value={value: label for label, value in labels.items() if value is not None},
    )


STEPS = steps_for(OURS)


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
    politifact_like = steps_for({"Half true": None, "Mostly false": None}, worst=0)

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
    gappy = ScaleSteps(worst=1, best=5, by_text={}, by_value={1: "False", 5: "True"})

    assert rate(value=3, best=5, worst=1, steps=gappy) is None
    assert rate(value=5, best=5, worst=1, steps=gappy) == "True"


@pytest.mark.parametrize(
    ("textual", "expected"),
    [
        ("Falso", "False"),
        ("Engañoso", "Misleading"),
        ("Faux", "False"),
        ("Trompeur", "Misleading"),
        ("Sacado de contexto", "Missing context"),
        ("錯誤", "False"),
        ("误导", "Misleading"),
        ("거짓", "False"),
        ("대체로 사실", "Mostly true"),
        ("भ्रामक", "Misleading"),
    ],
)
def test_ratings_in_other_languages_map(textual, expected):
    assert rate(textual) == expected


@pytest.mark.parametrize(
    ("textual", "expected"),
    [
        ("False. The video is from 2015 and shows another funeral.", "False"),
        ("Faux : la vidéo date de 2015", "False"),
        ("Misleading, the photo was cropped", "Misleading"),
        ("Mostly-False.", None),  # known, but our scale has no such step
        ("The claim is false", None),  # a sentence whose first clause is no rating
    ],
)
def test_a_rating_written_as_a_sentence_maps_by_its_first_clause(textual, expected):
    assert rate(textual) == expected


@pytest.mark.django_db
def test_a_fresh_install_has_the_default_scale_with_synonyms_and_editors_can_add_more():
    scale = RatingScale.objects.get(name=settings.FACTCHECK_DEFAULT_RATING_SCALE)
    false = scale.ratings.get(label="False")
    assert rate("Pants on fire", steps=rating_scale_steps(scale)) == false
    assert rate("Bogus", steps=rating_scale_steps(scale)) is None

    RatingSynonym.objects.create(rating=false, scale=scale, text="bogus", language="en")

    assert rate("Bogus!", steps=rating_scale_steps(scale)) == false


@pytest.mark.django_db
def test_a_synonym_belongs_to_a_step_of_its_own_scale():
    scale = RatingScale.objects.get(name=settings.FACTCHECK_DEFAULT_RATING_SCALE)
    other = RatingScale.objects.create(name="Other", best_value=2, worst_value=0)
    step = Rating.objects.create(scale=other, label="Nope", value=0)

    with pytest.raises(Exception, match="rating_synonym_rating_on_scale"):
        RatingSynonym.objects.create(rating=step, scale=scale, text="nope")
