"""`manage.py import_claimreviews`: inline with a progress line, or queued."""

import io
import json
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from claims.models import Verdict
from imports.models import ImportJob
from imports.services import import_job_run
from imports.tasks import run_import_job
from tests.factories import editor
from tests.imports.conftest import Route
from tests.imports.factories import claim_review, data_feed, feed_bytes, feed_item, page
from tests.imports.test_jobs import killed_with_its_worker

pytestmark = pytest.mark.usefixtures("scale")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_claimreviews", *args, stdout=out)
    return out.getvalue()


def test_a_file_is_imported_here_with_progress(tmp_path):
    path = tmp_path / "feed.json"
    path.write_bytes(feed_bytes(5))
    importer = editor()

    with mock.patch.object(run_import_job, "delay") as delay:
        output = run(str(path), "--user", importer.username)

    assert output.splitlines() == [
        "3/5 records (60%): 3 created, 0 updated, 0 unchanged, 0 rejected",
        "5/5 records (100%): 5 created, 0 updated, 0 unchanged, 0 rejected",
        f"Import #{ImportJob.objects.get().pk}: 5 created, 0 updated, 0 unchanged, 0 rejected.",
    ]
    delay.assert_not_called()
    assert Verdict.objects.count() == 5
    job = ImportJob.objects.get()
    assert (job.requested_by, job.file_name, job.status) == (importer, "feed.json", "succeeded")


def test_rejects_are_summed_up_by_reason(tmp_path):
    path = tmp_path / "feed.json"
    elements = [feed_item(claim_review(1, context=False)), {"@type": "Thing"}]
    path.write_text(json.dumps(data_feed(elements)))

    output = run(str(path))

    assert output.splitlines()[-2:] == [
        f"Import #{ImportJob.objects.get().pk}: 1 created, 0 updated, 0 unchanged, 1 rejected.",
        "  not_a_claim_review: 1",
    ]


def test_a_saved_page_is_given_its_address(tmp_path):
    path = tmp_path / "saved.html"
    path.write_bytes(page(claim_review(url="relative-check")))

    output = run(str(path), "--page-url", "https://checks.example.com/fact-check/saved")

    assert (
        Verdict.objects.get().review_url == "https://checks.example.com/fact-check/relative-check"
    )
    assert "Imported with warnings: 1 records." in output
    assert "  relative_url: 1" in output


def test_async_queues_the_job(tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "feed.json"
    path.write_bytes(feed_bytes(2))

    with (
        mock.patch.object(run_import_job, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        output = run(str(path), "--async")

    job = ImportJob.objects.get()
    assert output == f"Queued import #{job.pk}.\n"
    delay.assert_called_once_with(job.pk)
    assert job.status == "queued"


def test_a_url_is_fetched(source_server, fake_dns):
    fake_dns["checks.example.com"] = "127.0.0.1"
    source_server.routes["/feed.json"] = Route(body=feed_bytes(2))

    output = run(f"http://checks.example.com:{source_server.port}/feed.json")

    assert output.endswith("2 created, 0 updated, 0 unchanged, 0 rejected.\n")


def test_a_failed_import_is_an_error(tmp_path):
    path = tmp_path / "feed.json"
    path.write_bytes(b'{"dataFeedElement": [')

    with pytest.raises(CommandError, match=r"failed \(invalid_json\)"):
        run(str(path))


def test_a_stopped_import_is_resumed(tmp_path):
    path = tmp_path / "feed.json"
    path.write_bytes(feed_bytes(5))
    run(str(path), "--async")
    job = ImportJob.objects.get()

    def die(job):
        raise SystemExit("worker killed")

    with pytest.raises(SystemExit):
        import_job_run(job_id=job.pk, on_progress=die)
    killed_with_its_worker(job)

    output = run("--resume", str(job.pk))

    assert (
        output.splitlines()[0]
        == "5/5 records (100%): 5 created, 0 updated, 0 unchanged, 0 rejected"
    )
    assert Verdict.objects.count() == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Give a source, or --resume JOB_ID."),
        (("a.json", "--resume", "1"), "Give a source, or --resume JOB_ID."),
        (("/no/such/file.json",), "No such file: /no/such/file.json"),
        (("--resume", "999"), "No import #999."),
        (("ftp://example.org/x",), "No such file: ftp://example.org/x"),
        (("http://10.0.0.1/feed",), "10.0.0.1 is a private address."),
        (("feed.json", "--user", "nobody"), "No user 'nobody'."),
    ],
)
def test_bad_arguments(args, message):
    with pytest.raises(CommandError) as error:
        run(*args)

    assert str(error.value) == message


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.json"
    path.write_bytes(b"")

    with pytest.raises(CommandError, match=r"The file is empty\."):
        run(str(path))
