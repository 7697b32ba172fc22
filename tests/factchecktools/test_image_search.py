"""claims:imageSearch through Google's client: the image is fetched from its URL (a local
server here), hashed and matched against the archive media of claims with published verdicts."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.base import ContentFile
from googleapiclient.errors import HttpError
from PIL import Image, ImageOps

from claims.models import ClaimMedia
from media import demo_media
from media.services.lookups import media_item_hash
from media.services.media import media_item_create
from tests.factchecktools.conftest import publish
from tests.factchecktools.test_client_library import factchecktools  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


@pytest.fixture
def images(settings):
    """A server on 127.0.0.1 answering each path with the bytes registered for it."""
    settings.MEDIA_FETCH_ALLOW_LOOPBACK = True
    bodies: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = bodies.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield bodies, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _checked_claim_with_picture(scale, publisher, seed: int, text: str):
    picture = Image.open(io.BytesIO(demo_media.still(seed))).convert("RGB")
    item, _ = media_item_create(
        actor=None, file=ContentFile(_jpeg(picture), name=f"{seed}.jpg"), in_archive=True
    )
    media_item_hash(media_item_id=item.pk)
    verdict = publish(text, publisher=publisher, scale=scale)
    ClaimMedia.objects.create(claim=verdict.claim, media_item=item)
    return picture


def test_image_search_finds_the_claim_that_carried_an_edited_copy(
    factchecktools,  # noqa: F811
    keys,
    scale,
    ours,
    afp,
    images,
):
    bodies, base = images
    picture = _checked_claim_with_picture(scale, afp, 21, "Photo shows the 2015 funeral")
    _checked_claim_with_picture(scale, ours, 22, "Photo shows a flooded street")
    bodies["/copy.jpg"] = _jpeg(ImageOps.mirror(picture).resize((400, 300)))
    bodies["/not-an-image.jpg"] = b"<html>nope</html>"

    client = factchecktools(keys.consumer)
    answer = client.claims().imageSearch(imageUri=f"{base}/copy.jpg").execute()
    [result] = answer["results"]
    assert result["claim"]["text"] == "Photo shows the 2015 funeral"
    assert result["claim"]["claimReview"][0]["publisher"]["site"] == "factcheck.afp.com"

    unrelated = Image.open(io.BytesIO(demo_media.still(23))).convert("RGB")
    bodies["/unrelated.jpg"] = _jpeg(unrelated)
    assert client.claims().imageSearch(imageUri=f"{base}/unrelated.jpg").execute() == {}

    for uri in (f"{base}/not-an-image.jpg", f"{base}/missing.jpg", "ftp://example.org/a.jpg"):
        with pytest.raises(HttpError) as raised:
            client.claims().imageSearch(imageUri=uri).execute()
        error = json.loads(raised.value.content)["error"]
        assert error["status"] == "INVALID_ARGUMENT", uri
        assert "image_uri" in error["message"], error


def test_image_search_refuses_private_addresses(factchecktools, keys, settings):  # noqa: F811
    settings.MEDIA_FETCH_ALLOW_LOOPBACK = False
    client = factchecktools(keys.consumer)
    with pytest.raises(HttpError) as raised:
        client.claims().imageSearch(imageUri="http://127.0.0.1:9/secret.jpg").execute()
    assert raised.value.resp.status == 400
