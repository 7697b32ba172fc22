"""Rating synonyms, the default rating scale on a fresh install, and synonyms for its steps.

Imports (and markup pages) map ratings onto FACTCHECK_DEFAULT_RATING_SCALE; it was created only
by the demo, so a fresh install could not import. The scale made here is the demo's; an
installation that already has a scale of that name keeps it as it is, and its steps whose
labels are ours get the synonyms too.
"""

import core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from claims.ratings import SYNONYMS, normalize_textual

RATING_ON_SCALE = """
ALTER TABLE claims_ratingsynonym
    ADD CONSTRAINT rating_synonym_rating_on_scale
    FOREIGN KEY (rating_id, scale_id) REFERENCES claims_rating (id, scale_id);
"""
DEFAULT_STEPS = [
    ("True", 5, "The claim is accurate."),
    ("Mostly true", 4, "Accurate, with minor errors or omissions."),
    ("Missing context", 3, "Accurate as far as it goes, but leaves a false impression."),
    ("Misleading", 2, "Mixes accurate elements with distortion."),
    ("False", 1, "The claim is inaccurate."),
    ("Unproven", None, "There is not enough evidence to say."),
]


def default_scale_and_synonyms(apps, schema_editor):
    RatingScale = apps.get_model("claims", "RatingScale")
    Rating = apps.get_model("claims", "Rating")
    RatingSynonym = apps.get_model("claims", "RatingSynonym")
    scale, created = RatingScale.objects.get_or_create(
        name=settings.FACTCHECK_DEFAULT_RATING_SCALE,
        defaults={
            "description": "Six ratings, from True to False, and Unproven.",
            "best_value": 5,
            "worst_value": 1,
        },
    )
    if created:
        Rating.objects.bulk_create(
            Rating(scale=scale, label=label, value=value, description=description)
            for label, value, description in DEFAULT_STEPS
        )
    steps = {rating.label.casefold(): rating for rating in Rating.objects.filter(scale=scale)}
    RatingSynonym.objects.bulk_create(
        [
            RatingSynonym(rating=steps[label.casefold()], scale=scale, text=normalize_textual(text))
            for text, label in SYNONYMS.items()
            if label.casefold() in steps and normalize_textual(text) != label.casefold()
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0011_imported_verdicts_may_lack_date_and_rating'),
    ]

    operations = [
        migrations.CreateModel(
            name='RatingSynonym',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.CharField(max_length=200)),
                ('language', models.CharField(blank=True, help_text='BCP-47.', max_length=35, validators=[core.validators.validate_language_tag])),
                ('rating', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='synonyms', to='claims.rating')),
                ('scale', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='synonyms', to='claims.ratingscale')),
            ],
            options={
                'ordering': ['scale', 'rating', 'text'],
                'constraints': [models.UniqueConstraint(fields=('scale', 'text'), name='rating_synonym_unique_text'), models.CheckConstraint(condition=models.Q(('text', ''), _negated=True), name='rating_synonym_text_not_empty')],
            },
        ),
        migrations.RunSQL(RATING_ON_SCALE, "ALTER TABLE claims_ratingsynonym DROP CONSTRAINT rating_synonym_rating_on_scale"),
        migrations.RunPython(default_scale_and_synonyms, migrations.RunPython.noop),
    ]
