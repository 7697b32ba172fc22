"""Sharing the archive's hashes without its media: export and import of PDQ and vPDQ lists in
the ThreatExchange, HMA and Meta tool formats, through the API (editors) and commands."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from media import demo_media, hash_lists
from media.models import HashList, MediaItem, SharedHash
from tests.api.conftest import client_for
from tests.claims.services.test_lookups import jpeg, photo, stored

pytestmark = pytest.mark.django_db

HEX = "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22"


@pytest.fixture
def archive():
    picture = stored(jpeg(photo(2)), "p.jpg", in_archive=True)
    video = stored(demo_media.x_clip(), "v.mp4", in_archive=True)
    stored(jpeg(photo(3)), "outside.jpg")  # not in the archive: never exported
    return picture, video


def _frames(item: MediaItem) -> list[tuple[str, int, float]]:
    return [
        (bytes(frame.pdq_hash).hex(), frame.pdq_quality, frame.offset_seconds)
        for frame in item.frames.order_by("offset_seconds")
    ]


def _export(list_format: str, **params) -> tuple[str, str]:
    response = client_for("editor").get(
        "/api/v1/hash-lists/export/", {"list_format": list_format, **params}
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode(), response["Content-Type"]


def test_the_archive_exports_in_every_format(archive):
    picture, video = archive
    [(picture_hex, picture_quality, _)] = _frames(picture)
    video_frames = _frames(video)
    assert len(video_frames) >= 2

    text, content_type = _export("pdq")
    assert content_type.startswith("text/plain")
    assert text.splitlines() == [picture_hex, *(h for h, _, _ in video_frames)]

    text, _ = _export("threatexchange")
    first, second = text.splitlines()
    assert first == f"pdq {picture_hex}"
    signal_type, _, signal = second.partition(" ")
    assert signal_type == "vpdq"
    assert json.loads(signal) == [f"{h},{q},{o:.3f}" for h, q, o in video_frames]

    text, content_type = _export("hma-csv")
    assert content_type.startswith("text/csv")
    assert text.splitlines()[:2] == ["signal_type,signal", f"pdq,{picture_hex}"]
    text, _ = _export("hma-tsv")
    assert text.splitlines()[1] == f"pdq\t{picture_hex}"

    text, _ = _export("vpdq", media_item=video.pk)
    assert text.splitlines() == [
        f"{number},{q},{h},{o:.3f}" for number, (h, q, o) in enumerate(video_frames)
    ]
    assert picture_quality >= 25


@pytest.mark.parametrize("list_format", ["pdq", "threatexchange", "hma-csv", "hma-tsv"])
def test_an_exported_list_imports_back_hash_for_hash(archive, list_format):
    text, _ = _export(list_format)
    response = client_for("editor").post(
        "/api/v1/hash-lists/",
        {"name": "AFP archive", "list_format": list_format, "content": text},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    frames = [f for item in archive for f in _frames(item)]
    assert body["hash_count"] == len(frames)
    assert body["signal_count"] == (len(frames) if list_format == "pdq" else 2)
    imported = SharedHash.objects.filter(hash_list_id=body["id"])
    assert [bytes(h.pdq_hash).hex() for h in imported] == [h for h, _, _ in frames]
    listed = client_for("fact-checker").get("/api/v1/hash-lists/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]


def test_meta_tool_vpdq_output_imports():
    text = f"0,100,{HEX},0.000\n1,98,{HEX[::-1]},1.000\n"
    response = client_for("editor").post(
        "/api/v1/hash-lists/",
        {"name": "clip", "list_format": "vpdq", "content": text},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert [(h.signal_type, h.quality, h.offset_seconds) for h in SharedHash.objects.all()] == [
        ("vpdq", 100, 0.0),
        ("vpdq", 98, 1.0),
    ]


@pytest.mark.parametrize(
    ("list_format", "content", "bad_lines"),
    [
        ("pdq", f"{HEX}\n{HEX[:-1]}\n\n{HEX}zz\n{HEX}\n", [2, 4]),
        ("threatexchange", f"pdq {HEX}\nmd5 {HEX}\nvpdq [1]\nvpdq not json\npdq\n", [2, 3, 4, 5]),
        ("hma-csv", f"signal_type,signal\npdq,{HEX}\npdq\npdq,{HEX[:10]}\n", [3, 4]),
        ("hma-tsv", f"hash\n{HEX}\n", [1]),
        ("vpdq", f"0,100,{HEX},0.0\n1,101,{HEX},1.0\nx,1,{HEX},2.0\n3,50,{HEX},-1\n", [2, 3, 4]),
        ("pdq", "# nothing but a comment\n", [0]),
        ("threatexchange", f"pdq {HEX}\nvpdq {'[' * 100_000}\n", [2]),
    ],
)
def test_a_list_with_bad_lines_is_refused_whole_naming_each_line(list_format, content, bad_lines):
    response = client_for("editor").post(
        "/api/v1/hash-lists/",
        {"name": "bad", "list_format": list_format, "content": content},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_hash_list"
    assert list(body["details"]) == [f"content.{line}" for line in bad_lines]
    assert all(
        error["code"] == "invalid_line" and error["message"]
        for errors in body["details"].values()
        for error in errors
    )
    assert f"Line {bad_lines[0]}:" in body["message"]
    assert not HashList.objects.exists()
    assert not SharedHash.objects.exists()


def test_a_csv_the_csv_module_cannot_read_is_refused():
    with pytest.raises(hash_lists.HashListInvalid) as raised:
        hash_lists.read(f'signal_type,signal\npdq,"{HEX}\n', "hma-csv")
    [(line, reason)] = raised.value.errors
    assert line == 2
    assert "separated values" in reason


def test_only_editors_import_and_export():
    for role in ("anonymous", "consumer", "fact-checker"):
        client = client_for(role)
        export = client.get("/api/v1/hash-lists/export/", {"list_format": "pdq"})
        assert export.status_code in (401, 403), role
        response = client.post(
            "/api/v1/hash-lists/",
            {"name": "x", "list_format": "pdq", "content": HEX},
            format="json",
        )
        assert response.status_code in (401, 403), role
    assert not HashList.objects.exists()


@pytest.mark.parametrize(
    "params", [{}, {"list_format": "md5"}, {"list_format": "pdq", "media_item": "x"}]
)
def test_a_bad_export_request_is_a_400(params):
    response = client_for("editor").get("/api/v1/hash-lists/export/", params)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_the_commands_export_and_import(archive, tmp_path):
    path = tmp_path / "archive.txt"
    call_command("export_hashes", "--format", "threatexchange", "--output", str(path))
    out = io.StringIO()
    call_command("import_hashes", str(path), "--format", "threatexchange", stdout=out)
    assert "2 signals" in out.getvalue()
    [hash_list] = HashList.objects.all()
    assert hash_list.name == "archive.txt"
    signals = hash_lists.read(path.read_text(), "threatexchange")
    assert hash_list.hashes.count() == sum(len(s.frames) for s in signals)


def test_the_import_command_names_bad_lines_and_imports_nothing(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text(f"{HEX}\nnot a hash\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 bad line"):
        call_command("import_hashes", str(path), "--format", "pdq", stderr=err)
    assert f"{path}:2:" in err.getvalue()
    assert not HashList.objects.exists()
