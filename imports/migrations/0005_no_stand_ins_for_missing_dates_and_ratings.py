"""Imported reviews without a date or a rating got stand-ins (the import's time, "No rating
given") while a published verdict had to have both; now it need not, and the stand-ins go."""

from django.db import migrations


def drop_stand_ins(apps, schema_editor):
    Verdict = apps.get_model("claims", "Verdict")
    ImportWarning = apps.get_model("imports", "ImportWarning")
    dateless = ImportWarning.objects.filter(code="missing_date").values("review_url")
    Verdict.objects.exclude(review_url="").filter(review_url__in=dateless).update(
        published_at=None
    )
    Verdict.objects.exclude(review_url="").filter(textual_rating="No rating given").update(
        textual_rating=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0004_import_jobs_are_jobs"),
        ("claims", "0011_imported_verdicts_may_lack_date_and_rating"),
    ]

    operations = [migrations.RunPython(drop_stand_ins, migrations.RunPython.noop)]
