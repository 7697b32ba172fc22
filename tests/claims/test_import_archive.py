"""`manage.py import_archive`: a folder or a CSV file into the reference archive, bad rows
reported and skipped, and a second run creating nothing."""

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from PIL import Image

from media import demo_media
from media.models import ArchiveHash, MediaItem
from media.services.media import media_item_create
from tests.claims.conftest import Route, video_bytes
from tests.factories import jpeg_bytes

pytestmark = pytest.mark.django_db


def _png(size: tuple[int, int] = (40, 30), seed: int = 2) -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(demo_media.still(seed, size=size))).save(buffer, format="PNG")
    return buffer.getvalue()


def _run(*args: str) -> tuple[str, str, bool]:
    """The command's output, errors, and whether it exited with an error."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_archive", *args, stdout=out, stderr=err, verbosity=2)
    except CommandError as error:
        err.write(f"CommandError: {error}\n")
        return out.getvalue(), err.getvalue(), True
    return out.getvalue(), err.getvalue(), False


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "archive"
    (root / "2015" / "november").mkdir(parents=True)
    (root / ".thumbnails").mkdir()
    # Pictures with detail: flat ones give no frame to put in the archive's index.
    (root / "a.jpg").write_bytes(demo_media.still(1, size=(160, 120)))
    (root / "2015" / "b.png").write_bytes(_png((160, 120)))
    (root / "2015" / "november" / "c.mp4").write_bytes(video_bytes())
    (root / "notes.txt").write_text("Where these came from.")
    (root / ".DS_Store").write_bytes(b"\x00\x01")
    (root / ".thumbnails" / "a.jpg").write_bytes(jpeg_bytes((8, 8)))
    return root


def test_a_folder_is_imported_recursively_into_the_archive(
    folder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        out, err, failed = _run(
            str(folder), "--publisher", "CCTV", "--first-published-at", "2015-11-07"
        )

    assert failed
    assert "Created 3, existing 0, failed 1." in out
    assert "notes.txt: failed: Not a supported image" in err
    assert ".thumbnails" not in out + err
    assert ".DS_Store" not in out + err
    items = MediaItem.objects.order_by("kind", "mime_type")
    assert [(item.kind, item.mime_type) for item in items] == [
        ("image", "image/jpeg"),
        ("image", "image/png"),
        ("video", "video/mp4"),
    ]
    for item in items:
        assert (item.status, item.in_archive, item.publisher_name) == ("ready", True, "CCTV")
        assert item.first_published_at == datetime(2015, 11, 7, tzinfo=UTC)
    assert len(queued) == 3  # hashing, once per item


def test_a_second_run_over_a_folder_creates_nothing(folder, django_capture_on_commit_callbacks):
    _run(str(folder))
    ids = set(MediaItem.objects.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks() as queued:
        out, _, _ = _run(str(folder), "--publisher", "CCTV")

    assert "Created 0, existing 3, failed 1." in out
    assert set(MediaItem.objects.values_list("pk", flat=True)) == ids
    # Provenance they lacked is filled in; hashing is not queued again.
    assert set(MediaItem.objects.values_list("publisher_name", flat=True)) == {"CCTV"}
    assert queued == []


def test_now_hashes_each_item_into_the_index_without_queueing(
    folder, django_capture_on_commit_callbacks
):
    (folder / "notes.txt").unlink()

    with django_capture_on_commit_callbacks() as queued:
        out, _, failed = _run(str(folder), "--now")

    assert not failed
    assert "Created 3, existing 0, failed 0." in out
    assert queued == []
    assert all(item.hashed_at for item in MediaItem.objects.all())
    indexed = set(ArchiveHash.objects.values_list("media_item__mime_type", flat=True))
    assert indexed == {"image/jpeg", "image/png"}  # the flat test video has no frame to index


def test_a_csv_imports_good_rows_and_reports_each_bad_one(tmp_path, media_server):
    (tmp_path / "files").mkdir()
    funeral = jpeg_bytes((64, 48), (10, 10, 10))
    (tmp_path / "files" / "funeral.jpg").write_bytes(funeral)
    (tmp_path / "files" / "copy-of-funeral.jpg").write_bytes(funeral)
    (tmp_path / "files" / "other.jpg").write_bytes(jpeg_bytes((64, 48), (0, 0, 250)))
    (tmp_path / "files" / "notes.txt").write_text("not media")
    media_server.routes["/cctv.jpg"] = Route(body=_png((50, 50)))
    media_server.routes["/gone.jpg"] = Route(status=404)
    cctv = media_server.url("/cctv.jpg")
    csv_file = tmp_path / "archive.csv"
    csv_file.write_text(
        "\ufeffpath,url,first_published_at,publisher_name,original_url,caption\n"
        "files/funeral.jpg,,2015-11-07T09:00:00+09:00,KCNA,https://kcna.example/1,Funeral\n"
        f",{cctv},2015-11-08,CCTV,,\n"
        "files/missing.jpg,,,,,\n"
        "files/other.jpg,,yesterday,,,\n"
        ",ftp://example.org/x.jpg,,,,\n"
        "files/notes.txt,,,,,\n"
        f",{media_server.url('/gone.jpg')},,,,\n"
        f"files/other.jpg,{cctv},,,,\n"
        "files/other.jpg,,,,not a url,\n"
        "files/copy-of-funeral.jpg,,,Someone else,,A copy\n"
        ",,,,,\n",
        encoding="utf-8",
    )

    out, err, failed = _run("--csv", str(csv_file))

    assert failed
    assert "Created 2, existing 1, failed 8." in out
    assert "line 2 (files/funeral.jpg): created #" in out
    assert "line 11 (files/copy-of-funeral.jpg): existing #" in out
    expected_errors = [
        "line 4 (files/missing.jpg): failed: No such file: ",
        "line 5 (files/other.jpg): failed: first_published_at 'yesterday' is not an ISO 8601",
        "line 6 (ftp://example.org/x.jpg): failed: Only http and https URLs are allowed.",
        "line 7 (files/notes.txt): failed: Not a supported image",
        f"line 8 ({media_server.url('/gone.jpg')}): failed: The server answered HTTP 404.",
        "line 9 (files/other.jpg): failed: Give a path or a url, one of them.",
        "line 10 (files/other.jpg): failed: original_url: Enter a valid URL.",
        "line 12 (empty): failed: Give a path or a url, one of them.",
    ]
    lines = err.splitlines()
    for expected in expected_errors:
        assert any(line.startswith(expected) for line in lines), (expected, err)
    funeral_item = MediaItem.objects.get(mime_type="image/jpeg")
    assert funeral_item.first_published_at == datetime(2015, 11, 7, 0, tzinfo=UTC)
    assert funeral_item.first_published_at.astimezone(timezone(timedelta(hours=9))).hour == 9
    # The copy's row came second: it fills nothing the first row had set.
    assert (funeral_item.publisher_name, funeral_item.caption) == ("KCNA", "Funeral")
    fetched = MediaItem.objects.get(mime_type="image/png")
    assert (fetched.source_url, fetched.publisher_name) == (cctv, "CCTV")
    assert fetched.first_published_at == datetime(2015, 11, 8, tzinfo=UTC)
    assert MediaItem.objects.filter(in_archive=True).count() == 2
    assert MediaItem.objects.count() == 2


def test_a_second_csv_run_creates_nothing_and_only_fills_missing_provenance(tmp_path, media_server):
    (tmp_path / "a.jpg").write_bytes(jpeg_bytes())
    media_server.routes["/b.png"] = Route(body=_png())
    first = tmp_path / "first.csv"
    first.write_text(f"path,url,publisher_name\na.jpg,,AFP\n,{media_server.url('/b.png')},\n")
    second = tmp_path / "second.csv"
    second.write_text(
        "path,url,publisher_name,caption\n"
        "a.jpg,,Reuters,A caption\n"
        f",{media_server.url('/b.png')},Reuters,\n"
    )
    _run("--csv", str(first))
    ids = set(MediaItem.objects.values_list("pk", flat=True))

    out, _, failed = _run("--csv", str(second))

    assert not failed
    assert "Created 0, existing 2, failed 0." in out
    assert set(MediaItem.objects.values_list("pk", flat=True)) == ids
    image, fetched = (
        MediaItem.objects.get(mime_type="image/jpeg"),
        MediaItem.objects.get(mime_type="image/png"),
    )
    assert (image.publisher_name, image.caption) == ("AFP", "A caption")
    assert fetched.publisher_name == "Reuters"


def test_an_existing_item_outside_the_archive_joins_it(tmp_path):
    content = jpeg_bytes()
    item, _ = media_item_create(actor=None, file=ContentFile(content, name="x.jpg"))
    (tmp_path / "x.jpg").write_bytes(content)

    out, _, _ = _run(str(tmp_path))

    assert f"x.jpg: existing #{item.pk}" in out
    item.refresh_from_db()
    assert item.in_archive


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("path,publisher\n", "Unknown columns in .*: publisher"),
        ("publisher_name,caption\n", "needs a path or a url column"),
        ("", "needs a path or a url column"),
    ],
)
def test_a_csv_with_bad_columns_is_refused_before_any_row(tmp_path, header, message):
    (tmp_path / "a.jpg").write_bytes(jpeg_bytes())
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(header + ("a.jpg,X\n" if header else ""))

    with pytest.raises(CommandError, match=message):
        call_command("import_archive", "--csv", str(csv_file), stdout=io.StringIO())

    assert not MediaItem.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Give a folder or --csv FILE"),
        (["{tmp}", "--csv", "{tmp}/a.csv"], "Give a folder or --csv FILE"),
        (["{tmp}/nowhere"], "is not a folder"),
        (["--csv", "{tmp}/nowhere.csv"], "Cannot read"),
        (["{tmp}", "--first-published-at", "2015-13-01"], "is not an ISO 8601 date"),
        (["--csv", "{tmp}/a.csv", "--publisher", "X"], "go with a folder"),
    ],
)
def test_bad_arguments_are_refused(tmp_path, args, message):
    (tmp_path / "a.csv").write_text("path\n")

    with pytest.raises(CommandError, match=message):
        call_command(
            "import_archive", *(arg.format(tmp=tmp_path) for arg in args), stdout=io.StringIO()
        )
