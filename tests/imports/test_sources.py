"""Sources newsrooms already have besides pages and feeds: Google Fact Check Tools' output."""

import json
from datetime import UTC, date, datetime

import pytest
from django.core.files.base import ContentFile

from claims.models import Verdict
from imports.parsing import Format, parse_source
from imports.services import import_job_create, import_job_run

FACT_CHECK_TOOLS = {
    "claims": [
        {
            "text": "Video shows the state funeral of general Kim Yong Bok",
            "claimant": "Viral posts",
            "claimDate": "2024-11-20T00:00:00Z",
            "claimReview": [
                {
                    "publisher": {"name": "Asia Fact Check Lab", "site": "afcl.example.org"},
                    "url": "https://afcl.example.org/checks/kim-yong-bok",
                    "title": "The video is of marshal Ri Ul Sol's funeral in 2015",
                    "reviewDate": "2024-11-22T08:00:00Z",
                    "textualRating": "False",
                    "languageCode": "en",
                },
                {
                    "publisher": {"site": "checks.example.com"},
                    "url": "https://checks.example.com/kim",
                    "textualRating": "Falso",
                    "languageCode": "es",
                },
            ],
        },
        {"text": "A claim nobody reviewed"},
    ],
    "nextPageToken": "CAE",
}


def test_fact_check_tools_output_is_read_review_by_review():
    parsed = parse_source(json.dumps(FACT_CHECK_TOOLS).encode(), max_bytes=10**6)

    assert parsed.format == Format.FACT_CHECK_TOOLS
    first, second = parsed.records
    assert (first.review_url, first.claim_reviewed, first.claimant) == (
        "https://afcl.example.org/checks/kim-yong-bok",
        "Video shows the state funeral of general Kim Yong Bok",
        "Viral posts",
    )
    assert (first.publisher_name, first.publisher_site, first.publisher_url) == (
        "Asia Fact Check Lab",
        "afcl.example.org",
        "https://afcl.example.org/",
    )
    assert (first.headline, first.textual_rating, first.language) == (
        "The video is of marshal Ri Ul Sol's funeral in 2015",
        "False",
        "en",
    )
    assert first.date_published == datetime(2024, 11, 22, 8, tzinfo=UTC)
    assert first.claim_date == date(2024, 11, 20)
    assert first.warnings == ()
    # Without a publisher name, the site names it; without a date, none.
    assert (second.publisher_name, second.language, second.date_published) == (
        "checks.example.com",
        "es",
        None,
    )
    [unreviewed] = parsed.rejections
    assert (unreviewed.location, unreviewed.code) == ("$.claims[1]", "not_a_claim_review")


@pytest.mark.usefixtures("scale")
def test_a_fact_check_tools_file_is_imported():
    data = json.dumps(FACT_CHECK_TOOLS).encode()
    job = import_job_create(
        requested_by=None, file=ContentFile(data, name="claims.json"), file_name="claims.json"
    )

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.format, job.created_count, job.rejected_count) == (
        "succeeded",
        "fact_check_tools",
        2,
        1,
    )
    assert set(Verdict.objects.values_list("language", flat=True)) == {"en", "es"}


def test_an_empty_fact_check_tools_answer_is_no_error():
    parsed = parse_source(b'{"claims": []}', max_bytes=100)

    assert (parsed.format, parsed.items) == (Format.FACT_CHECK_TOOLS, [])
