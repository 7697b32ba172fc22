"""Google Cloud Vision web detection: where on the web an image, or parts of it, appear.

Written against the Vision REST reference: "Make a Vision API request"
(https://cloud.google.com/vision/docs/request), `images.annotate`
(https://cloud.google.com/vision/docs/reference/rest/v1/images/annotate), `AnnotateImageRequest`
and `WebDetection` (https://cloud.google.com/vision/docs/reference/rest/v1/AnnotateImageResponse).

Request: `POST /v1/images:annotate?key=KEY` with `{"requests": [{"image": ..., "features":
[{"type": "WEB_DETECTION", "maxResults": N}]}]}`. The image goes as base64 `content` when we have
its bytes, else as `source.imageUri`: content takes precedence in the API anyway, and Google
warns that fetching an external URL may fail.

Response: `responses[0]` holds `webDetection` (`fullMatchingImages`, `partialMatchingImages`,
`visuallySimilarImages`, each `{url, score}`; `pagesWithMatchingImages`, each `{url, pageTitle,
score, fullMatchingImages, partialMatchingImages}`), or `error`, a per-image google.rpc.Status.
`score` is deprecated and usually absent. A failed call is Google's error JSON (`_google`).
"""

import base64
import html
import json
from collections.abc import Iterator
from urllib.parse import urlencode

from django.utils.html import strip_tags

from core.safe_http import Timeout
from media.integrations.reverse_image import _google
from media.integrations.reverse_image._common import DEFAULT_TIMEOUT, HttpProvider
from media.integrations.reverse_image.base import (
    ExternalMatch,
    ImageQuery,
    MatchKind,
    ProviderResult,
)

ANNOTATE_PATH = "/v1/images:annotate"

_IMAGE_LISTS: tuple[tuple[str, MatchKind], ...] = (
    ("fullMatchingImages", "full"),
    ("partialMatchingImages", "partial"),
    ("visuallySimilarImages", "similar"),
)


class GoogleVisionProvider(HttpProvider):
    """Vision's `WEB_DETECTION` feature, up to `max_results` entries in each list."""

    name = "google_vision"
    default_base_url = "https://vision.googleapis.com"

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_results: int = 50,
    ) -> None:
        super().__init__(api_key=api_key, base_url=base_url, timeout=timeout)
        self.max_results = max_results

    def _search(self, image: ImageQuery) -> ProviderResult:
        request = {
            "requests": [
                {
                    "image": _image(image),
                    "features": [{"type": "WEB_DETECTION", "maxResults": self.max_results}],
                }
            ]
        }
        response = self._http.request(
            "POST",
            f"{self.base_url}{ANNOTATE_PATH}?{urlencode({'key': self.api_key})}",
            headers={"Content-Type": "application/json; charset=utf-8"},
            body=json.dumps(request).encode(),
        )
        if response.status != 200:
            raise _google.http_error(self.name, response)
        payload = self._json(response)
        with self._documented_shape():
            answer = payload["responses"][0]
            if "error" in answer:
                raise _google.rpc_status_error(self.name, answer["error"])
            # An image found nowhere comes back as `{}`, with or without an empty webDetection.
            matches = tuple(_matches(answer.get("webDetection", {})))
        return ProviderResult(self.name, matches)


def _image(image: ImageQuery) -> dict:
    if image.content:
        return {"content": base64.b64encode(image.content).decode("ascii")}
    return {"source": {"imageUri": image.url}}


def _matches(web: dict) -> Iterator[ExternalMatch]:
    for key, kind in _IMAGE_LISTS:
        for found in web.get(key, []):
            yield ExternalMatch(url=found["url"], kind=kind, score=_score(found))
    for page in web.get("pagesWithMatchingImages", []):
        full = [found["url"] for found in page.get("fullMatchingImages", [])]
        partial = [found["url"] for found in page.get("partialMatchingImages", [])]
        yield ExternalMatch(
            # The copy on the page is what a fact-checker opens first; the page when none named.
            url=(full + partial + [page["url"]])[0],
            kind="page",
            page_url=page["url"],
            page_title=_plain_text(page.get("pageTitle")),
            score=_score(page),
            extra={"full_matching_images": full, "partial_matching_images": partial},
        )


def _score(entry: dict) -> float | None:
    score = entry.get("score")
    return float(score) if score is not None else None


def _plain_text(title: str | None) -> str | None:
    """Vision's page titles "may contain HTML markups" (`<b>` around the matched words)."""
    return html.unescape(strip_tags(title)) if title else None
