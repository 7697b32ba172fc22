"""Staff read import jobs and their reports in the admin, and resume a failed one."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportJob
from imports.services import import_job_create, import_job_run
from tests.factories import UserFactory, editor
from tests.imports.factories import claim_review, data_feed, feed_item

pytestmark = pytest.mark.usefixtures("scale")


@pytest.fixture
def job() -> ImportJob:
    elements = [feed_item(claim_review(1, context=False)), {"@type": "Thing"}]
    elements.append(feed_item(claim_review(3, context=False, inLanguage="Klingon")))
    elements.append(feed_item(claim_review(4, context=False, claimReviewed=None)))
    data = json.dumps(data_feed(elements)).encode()
    job = import_job_create(
        requested_by=None, file=SimpleUploadedFile("feed.json", data), file_name="feed.json"
    )
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_job_page_shows_the_report(staff_client, job):
    response = staff_client.get(reverse("admin:imports_importjob_change", args=[job.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "not_a_claim_review" in content
    assert "missing_claim_reviewed" in content
    # Imported, with what was left out for the editor to see.
    assert "invalid_language" in content
    assert "https://checks.example.com/fact-check/3" in content
    assert "4 / 4 (100%)" in content


def test_the_lists_render(staff_client, job):
    jobs = staff_client.get(reverse("admin:imports_importjob_changelist"))
    rejects = staff_client.get(
        reverse("admin:imports_importreject_changelist") + f"?job__id__exact={job.pk}"
    )
    warnings = staff_client.get(
        reverse("admin:imports_importwarning_changelist") + f"?job__id__exact={job.pk}"
    )

    assert jobs.status_code == rejects.status_code == warnings.status_code == 200
    assert rejects.content.decode().count("missing_claim_reviewed") >= 1
    assert warnings.content.decode().count("invalid_language") >= 1


def test_jobs_are_read_only(staff_client, job):
    add = staff_client.get(reverse("admin:imports_importjob_add"))
    delete = staff_client.post(reverse("admin:imports_importjob_delete", args=[job.pk]))

    assert add.status_code == 403
    assert delete.status_code == 403
    assert ImportJob.objects.filter(pk=job.pk).exists()


def test_an_editor_resumes_a_failed_job(client):
    failed = import_job_create(
        requested_by=None, file=SimpleUploadedFile("x.json", b"{"), file_name="x.json"
    )
    import_job_run(job_id=failed.pk)
    client.force_login(editor())

    response = client.post(
        reverse("admin:imports_importjob_changelist"),
        {"action": "resume", "_selected_action": [failed.pk]},
        follow=True,
    )

    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.status == "queued"


def test_fact_checkers_follow_imports_but_do_not_resume_them(client, job):
    client.force_login(UserFactory(role="fact-checker"))

    page = client.get(reverse("admin:imports_importjob_changelist"))

    assert page.status_code == 200
    assert 'value="resume"' not in page.content.decode()
