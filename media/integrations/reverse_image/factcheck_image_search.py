"""Google Fact Check Tools image search: fact-checks already published about claims that carried
an image ("has this been checked already?").

Written against the API reference, "Method: claims.imageSearch"
(https://developers.google.com/fact-check/tools/api/reference/rest/v1alpha1/claims/imageSearch),
with the `Claim` and `ClaimReview` objects of the same reference.

Request: `GET /v1alpha1/claims:imageSearch?imageUri=...&languageCode=...&pageSize=...&pageToken=
...&key=KEY`, empty body. `imageUri` is required and must be a publicly accessible http(s) URL:
the API takes no image bytes, so a query with bytes only cannot be sent (`QueryNotSupported`;
`supports` says so beforehand).

Response: `{"results": [{"claim": {"text", "claimant", "claimDate", "claimReview":
[{"publisher": {"name", "site"}, "url", "title", "reviewDate", "textualRating",
"languageCode"}]}}], "nextPageToken": ...}`; an absent or empty token means no more results.
Errors are Google's error JSON (`_google`).
"""

from collections.abc import Iterator

from core.safe_http import Timeout
from media.integrations.reverse_image import _google
from media.integrations.reverse_image._common import DEFAULT_TIMEOUT, HttpProvider, parse_datetime
from media.integrations.reverse_image.base import (
    ClaimReview,
    ExternalMatch,
    ImageQuery,
    ProviderResult,
    QueryNotSupported,
)

IMAGE_SEARCH_PATH = "/v1alpha1/claims:imageSearch"


class FactCheckImageSearchProvider(HttpProvider):
    """`claims:imageSearch`, following `nextPageToken` for at most `max_pages` pages of
    `page_size` claims (the API's default page size is 10)."""

    name = "factcheck_image_search"
    default_base_url = "https://factchecktools.googleapis.com"

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        page_size: int = 10,
        max_pages: int = 3,
    ) -> None:
        super().__init__(api_key=api_key, base_url=base_url, timeout=timeout)
        self.page_size = page_size
        self.max_pages = max_pages

    def supports(self, image: ImageQuery) -> bool:
        return bool(image.url)

    def _search(self, image: ImageQuery) -> ProviderResult:
        if not image.url:
            raise QueryNotSupported(
                "Fact Check Tools searches by public image URL only; this query has only the "
                "image's bytes.",
                provider=self.name,
            )
        # The reference asks for the same parameters on every page, with the token added.
        params = {"imageUri": image.url, "pageSize": str(self.page_size), "key": self.api_key}
        if image.language:
            params["languageCode"] = image.language
        matches: list[ExternalMatch] = []
        token = ""
        for _ in range(self.max_pages):
            page_params = {**params, "pageToken": token} if token else params
            response = self._http.request(
                "GET", f"{self.base_url}{IMAGE_SEARCH_PATH}", fields=page_params
            )
            if response.status != 200:
                raise _google.http_error(self.name, response)
            payload = self._json(response)
            with self._documented_shape():
                for result in payload.get("results", []):
                    matches.extend(_matches(result["claim"]))
                token = payload.get("nextPageToken") or ""
            if not token:
                return ProviderResult(self.name, tuple(matches))
        return ProviderResult(self.name, tuple(matches), truncated=True)


def _matches(claim: dict) -> Iterator[ExternalMatch]:
    """One match per review: a claim may have been checked by several publishers."""
    claim_date = parse_datetime(claim.get("claimDate"))
    for review in claim.get("claimReview", []):
        publisher = review.get("publisher") or {}
        claim_review = ClaimReview(
            claim_text=claim.get("text", ""),
            claimant=claim.get("claimant", ""),
            claim_date=claim_date,
            publisher_name=publisher.get("name", ""),
            publisher_site=publisher.get("site", ""),
            url=review["url"],
            title=review.get("title", ""),
            review_date=parse_datetime(review.get("reviewDate")),
            textual_rating=review.get("textualRating", ""),
            language=review.get("languageCode", ""),
        )
        yield ExternalMatch(
            url=claim_review.url,
            kind="claim_review",
            page_url=claim_review.url,
            page_title=claim_review.title or None,
            # The image circulated by the time the claim was made, and at the latest when it
            # was reviewed.
            first_seen_at=claim_date or claim_review.review_date,
            claim_review=claim_review,
        )
