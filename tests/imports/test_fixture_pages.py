"""The fixture pages (tests/imports/fixtures/pages, written for these tests in the shapes found
on real fact-checkers' pages, in eight languages): every usable review imported, each guess
counted, nothing crashes.

`expected.json` says, per page, the address it is read from, the reviews it holds and what each
becomes, and what is refused (only a JSON-LD block that is not JSON).
"""

import json
from collections import Counter
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from claims.models import Verdict
from imports.models import ImportJob
from imports.parsing import ClaimReviewRecord, parse_source
from imports.services import import_job_create, import_job_run

PAGES = Path(__file__).parent / "fixtures" / "pages"
EXPECTED = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))


def as_expected(record: ClaimReviewRecord) -> dict:
    return {
        "review_url": record.review_url,
        "language": record.language,
        "publisher": record.publisher_name,
        "date_published": record.date_published.isoformat() if record.date_published else None,
        "textual_rating": record.textual_rating,
        "appearances": list(record.appearances),
        "warnings": sorted(warning.code for warning in record.warnings),
    }


def test_every_fixture_page_is_described():
    assert sorted(EXPECTED) == sorted(path.name for path in PAGES.glob("*.html"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_fixture_page_is_read_as_expected(name):
    expected = EXPECTED[name]

    parsed = parse_source(
        (PAGES / name).read_bytes(), max_bytes=10_000_000, base_url=expected["page_url"]
    )

    assert [as_expected(record) for record in parsed.records] == expected["reviews"]
    assert sorted(r.code for r in parsed.rejections) == expected["rejected"]


def test_the_fixture_pages_measured():
    """What issue 15's outside test measured, on our own pages."""
    reviews = crashes = 0
    imported: list[ClaimReviewRecord] = []
    refused: Counter[str] = Counter()
    for name, expected in EXPECTED.items():
        reviews += len(expected["reviews"])
        try:
            parsed = parse_source(
                (PAGES / name).read_bytes(), max_bytes=10_000_000, base_url=expected["page_url"]
            )
        except Exception:
            crashes += 1
            continue
        imported += parsed.records
        refused.update(r.code for r in parsed.rejections)
    warnings = Counter(warning.code for record in imported for warning in record.warnings)
    languages = Counter(record.language.split("-")[0] for record in imported)

    assert (len(EXPECTED), reviews, len(imported), crashes) == (16, 17, 17, 0)
    assert refused == {"invalid_json_ld": 1}
    assert dict(warnings) == {
        "language_from_page": 10,
        "url_scheme_added": 2,
        "relative_url": 2,
        "publisher_from_page": 2,
        "date_from_page": 1,
        "missing_date": 1,
        "value_ignored": 1,
        "rating_numbers_ignored": 1,
        "language_detected": 1,
    }
    assert set(languages) == {"pt", "es", "fr", "hi", "ar", "zh", "ko", "en"}
    assert sum(1 for record in imported if record.appearances) == 12


@pytest.mark.usefixtures("scale")
def test_the_fixture_pages_imported_as_saved_files_with_their_addresses():
    for name, expected in EXPECTED.items():
        job = import_job_create(
            requested_by=None,
            file=ContentFile((PAGES / name).read_bytes(), name=name),
            file_name=name,
            page_url=expected["page_url"],
        )
        import_job_run(job_id=job.pk)

    jobs = list(ImportJob.objects.all())
    assert {job.status for job in jobs} == {"succeeded"}
    assert sum(job.created_count for job in jobs) == Verdict.objects.count() == 17
    assert sum(job.rejected_count for job in jobs) == 1
    warnings = sum((Counter(job.warnings_by_code) for job in jobs), Counter())
    # Decided against our scale when saving: 3 of 1 to 7 is no step of ours.
    assert warnings["rating_from_numbers"] == 1
    assert Verdict.objects.filter(language="und").count() == 0
    assert set(Verdict.objects.values_list("publisher__name", flat=True)) >= {
        "Verifica Exemplo",
        "Check Example Africa",
    }
