"""Rules that span two tables, which Django's constraints cannot express, enforced by PostgreSQL
itself so that no code path (shell, raw SQL, a future bug) can store what must never be stored."""

from django.db import migrations

VERDICT_RATING_ON_SCALE = """
ALTER TABLE claims_verdict
    ADD CONSTRAINT verdict_rating_on_scale
    FOREIGN KEY (rating_id, rating_scale_id) REFERENCES claims_rating (id, scale_id);
"""

CORRECTION_ON_PUBLISHED_VERDICT = """
CREATE FUNCTION claims_correction_requires_published_verdict() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM claims_verdict
        WHERE id = NEW.verdict_id AND status IN ('published', 'retracted')
    ) THEN
        RAISE EXCEPTION 'a correction needs a published verdict (verdict %)', NEW.verdict_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'correction_on_published_verdict';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER correction_on_published_verdict
    BEFORE INSERT OR UPDATE OF verdict_id ON claims_correction
    FOR EACH ROW EXECUTE FUNCTION claims_correction_requires_published_verdict();
"""


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]

    operations = [
        migrations.RunSQL(
            VERDICT_RATING_ON_SCALE,
            "ALTER TABLE claims_verdict DROP CONSTRAINT verdict_rating_on_scale;",
        ),
        migrations.RunSQL(
            CORRECTION_ON_PUBLISHED_VERDICT,
            """
            DROP TRIGGER correction_on_published_verdict ON claims_correction;
            DROP FUNCTION claims_correction_requires_published_verdict();
            """,
        ),
    ]
