"""The Fact Check Tools API v1alpha1, on our data: the paths, parameters and JSON of Google's
(https://factchecktools.googleapis.com, discovery document `factchecktools.v1alpha1`), so that
Google's client libraries work against this server unchanged.

- `GET /v1alpha1/claims:search`: published verdicts, ours and other publishers', by text.
- `GET /v1alpha1/claims:imageSearch`: the same, by a picture the claim carried.
- `POST /v1alpha1/pages`, `GET /v1alpha1/pages`, `GET|PUT|DELETE /v1alpha1/pages/{id}`:
  ClaimReview markup pages, mapped onto our claims and verdicts (factchecktools.services).

Every call needs an API key (`key=`, as Google's clients send it, or a bearer token): any key
searches; newsroom keys read pages and editors' keys write them. Requests count against the
key's rate like /api/v1/ requests. Errors are Google's error JSON (factchecktools.errors).
"""

import re
from typing import Any

from django.http import HttpRequest, JsonResponse
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.authentication import ApiKeyAuthentication
from core.api.parsers import LimitedJSONParser
from core.api.throttling import RoleRateThrottle
from core.exceptions import ApplicationError
from core.models import ApiKey
from core.roles import is_editor, is_newsroom
from factchecktools import fields, paging
from factchecktools.errors import (
    GoogleApiError,
    exception_handler,
    invalid_argument,
    json_response,
    not_found,
    unavailable,
)
from factchecktools.models import ClaimReviewPage
from factchecktools.params import Param, parse, pretty
from factchecktools.resources import (
    ClaimReviewMarkupPageOutput,
    EmptyOutput,
    ImageSearchResponseOutput,
    ListClaimsResponseOutput,
    ListPagesResponseOutput,
    claim_resource,
    page_name,
    page_resource,
)
from factchecktools.schema import FactCheckToolsSchema, operation
from factchecktools.selectors import (
    claim_image_search,
    claim_review_page_list,
    claim_search,
    claims_with_reviews,
    live_reviews,
)
from factchecktools.serializers import ClaimReviewMarkupPageInput, page_data
from factchecktools.services import (
    MarkupInvalid,
    canonical_page_url,
    claim_review_page_create,
    claim_review_page_delete,
    claim_review_page_update,
)
from media.services.archive_search import ArchiveSearchUnavailable
from media.services.media import MediaFetchBusy, MediaFetchTimedOut, image_frames_from_url

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_SITE = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$")
_PAGE_ID = re.compile(r"^[0-9]{1,18}$")


def _blank_or(pattern: re.Pattern) -> str:
    """`pattern` as the schema states it: values are stripped first, and a blank one is as if
    the parameter were not given."""
    return rf"^\s*({pattern.pattern.strip('^$')})?\s*$"


# A whole post may be the query; only its first few hundred words are read (retrieval.text).
MAX_SEARCH_QUERY_LENGTH = 10_000
LANGUAGE_CODE = Param(
    "languageCode",
    "language_code",
    constraints={"pattern": _blank_or(_LANGUAGE)},
    description="BCP-47 language code (e.g. en-US): only reviews in that language.",
)
PAGING = (
    Param(
        "offset",
        "offset",
        "int32",
        constraints={"minimum": 0, "maximum": paging.MAX_OFFSET},
        description="Where to start, when no pageToken is given.",
    ),
    Param(
        "pageSize",
        "page_size",
        "int32",
        constraints={"minimum": 0},
        description=f"Default {paging.DEFAULT_PAGE_SIZE}; above {paging.MAX_PAGE_SIZE}, "
        f"{paging.MAX_PAGE_SIZE}.",
    ),
    Param(
        "pageToken",
        "page_token",
        description="The previous page's nextPageToken, with the same other parameters.",
    ),
)
SEARCH_PARAMETERS = (
    Param(
        "query",
        "query",
        constraints={"maxLength": MAX_SEARCH_QUERY_LENGTH},
        description="Textual query. Required unless reviewPublisherSiteFilter is given.",
    ),
    LANGUAGE_CODE,
    Param(
        "reviewPublisherSiteFilter",
        "review_publisher_site_filter",
        constraints={"pattern": _blank_or(_SITE)},
        description="Only reviews by the publisher of this site (e.g. afp.com).",
    ),
    Param(
        "maxAgeDays",
        "max_age_days",
        "int32",
        constraints={"minimum": 0},
        description="Only reviews at most this many days old.",
    ),
    *PAGING,
)
PAGE_LIST_PARAMETERS = (
    Param("url", "url", description="The page with this URL (at most one)."),
    Param(
        "organization",
        "organization",
        constraints={"pattern": _blank_or(_SITE)},
        description="The pages of the publisher of this site; not with url.",
    ),
    *PAGING,
)


class HasApiKey(BasePermission):
    """Google's API needs a key on every call; without one DRF answers NotAuthenticated."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.auth, ApiKey)


class NewsroomReadsEditorsWrite(HasApiKey):
    """Markup pages are the newsroom's publishing tool: fact-checkers and editors read them,
    editors (who may publish) write them."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS:
            self.message = "markup pages are read with a newsroom member's API key."
            return is_newsroom(request.user)
        self.message = "markup pages are written with an editor's API key."
        return is_editor(request.user)


class JsonOnly(DefaultContentNegotiation):
    """Google answers JSON whatever the Accept header says."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FactCheckToolsView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    throttle_classes = [RoleRateThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [LimitedJSONParser]
    content_negotiation_class = JsonOnly
    # OPTIONS is not a method of Google's API: without metadata, DRF answers it 405.
    metadata_class = None
    # Described by the /v1alpha1/schema/, not /api/v1/'s.
    schema = FactCheckToolsSchema()
    # By HTTP method: what `parameters` reads, and the schema declares.
    query_parameters: dict[str, tuple[Param, ...]] = {}

    def get_exception_handler(self):
        return exception_handler

    def get_renderer_context(self) -> dict[str, Any]:
        context = super().get_renderer_context()
        request = getattr(self, "request", None)
        if request is not None and pretty(request.GET):
            context["indent"] = 2
        return context

    def parameters(self) -> dict[str, Any]:
        """The method's query parameters (params.parse); also reads `fields`."""
        params = self.query_parameters.get(self.request.method, ())
        values = parse(self.request.query_params, params)
        spec = self.request.query_params.get("fields")
        self.selection = fields.parse(spec) if spec else None
        return values

    def answer(self, data: dict[str, Any]) -> Response:
        return Response(fields.select(data, getattr(self, "selection", None)))


class ClaimSearchView(FactCheckToolsView):
    """claims.search: claims with a published verdict matching `query`, each with its
    reviews (`claimReview`) that pass the filters; most relevant first, then most recently
    reviewed. See selectors.claim_search."""

    query_parameters = {"GET": SEARCH_PARAMETERS}

    @operation("claims.search", responses=ListClaimsResponseOutput)
    def get(self, request: Request) -> Response:
        values = self.parameters()
        query = values.get("query", "").strip()
        language = values.get("language_code", "").strip()
        site = values.get("review_publisher_site_filter", "").strip()
        max_age_days = values.get("max_age_days")
        violations = []
        if not query and not site:
            violations.append(("query", "Required unless review_publisher_site_filter is set."))
        if len(query) > MAX_SEARCH_QUERY_LENGTH:
            violations.append(("query", f"At most {MAX_SEARCH_QUERY_LENGTH} characters."))
        if language and not _LANGUAGE.match(language):
            violations.append(("language_code", "Must be a BCP-47 language code, e.g. en-US."))
        if site and not _SITE.match(site):
            violations.append(("review_publisher_site_filter", "Must be a site, e.g. afp.com."))
        if max_age_days is not None and max_age_days < 0:
            violations.append(("max_age_days", "Must not be negative."))
        if violations:
            field, description = violations[0]
            raise invalid_argument(f"{field}: {description}", violations)
        filters = {
            "query": query,
            "language_code": language,
            "site": site,
            "max_age_days": max_age_days,
        }
        page = paging.window(values, method="core.search", filters=filters)
        reviews = live_reviews(language=language, site=site, max_age_days=max_age_days)
        ids = claim_search(query=query, reviews=reviews, start=page.start, count=page.size + 1)
        claims = claims_with_reviews(ids[: page.size], reviews=reviews)
        data: dict[str, Any] = {}
        if claims:
            data["claims"] = [claim_resource(claim, claim.live_reviews) for claim in claims]
        token = paging.next_page_token(
            page, has_more=len(ids) > page.size, method="core.search", filters=filters
        )
        if token:
            data["nextPageToken"] = token
        return self.answer(data)


IMAGE_SEARCH_PARAMETERS = (
    Param(
        "imageUri",
        "image_uri",
        constraints={"format": "uri", "pattern": r"\S"},
        description="An http(s) URL of the picture; fetched, matched, not stored.",
        required=True,
    ),
    LANGUAGE_CODE,
    *PAGING,
)


class ClaimImageSearchView(FactCheckToolsView):
    """claims.imageSearch: claims with a published verdict that carried a picture like the one
    at `imageUri`, closest first. The image is fetched through the same guard as media intake
    (public addresses only, size cap, timeouts) and matched through the reverse-image index;
    it is not stored."""

    query_parameters = {"GET": IMAGE_SEARCH_PARAMETERS}
    more_error_statuses = {"GET": ("504",)}

    @operation("claims.imageSearch", responses=ImageSearchResponseOutput)
    def get(self, request: Request) -> Response:
        values = self.parameters()
        image_uri = values.get("image_uri", "").strip()
        language = values.get("language_code", "").strip()
        if not image_uri:
            raise invalid_argument("image_uri: Required.", [("image_uri", "Required.")])
        if language and not _LANGUAGE.match(language):
            raise invalid_argument(
                "language_code: Must be a BCP-47 language code, e.g. en-US.",
                [("language_code", "Must be a BCP-47 language code, e.g. en-US.")],
            )
        filters = {"image_uri": image_uri, "language_code": language}
        page = paging.window(values, method="claims.imageSearch", filters=filters)
        try:
            frames = image_frames_from_url(image_uri)
        except MediaFetchTimedOut as error:
            raise GoogleApiError("DEADLINE_EXCEEDED", f"image_uri: {error.message}") from None
        except MediaFetchBusy as error:
            raise unavailable(error.message, retry_after=1) from None
        except ApplicationError as error:
            raise invalid_argument(
                f"image_uri: {error.message}", [("image_uri", error.message)]
            ) from None
        reviews = live_reviews(language=language)
        try:
            ids = claim_image_search(frames, reviews=reviews)
        except ArchiveSearchUnavailable as error:
            raise unavailable(error.message, retry_after=error.retry_after_seconds) from None
        window = ids[page.start : page.start + page.size]
        claims = claims_with_reviews(window, reviews=reviews)
        data: dict[str, Any] = {}
        if claims:
            data["results"] = [
                {"claim": claim_resource(claim, claim.live_reviews)} for claim in claims
            ]
        token = paging.next_page_token(
            page,
            has_more=len(ids) > page.start + page.size,
            method="claims.imageSearch",
            filters=filters,
        )
        if token:
            data["nextPageToken"] = token
        return self.answer(data)


class PagesView(FactCheckToolsView):
    """pages.list (by `url`, at most one page, or by `organization`, a publisher's site;
    newest first) and pages.create."""

    permission_classes = [NewsroomReadsEditorsWrite]
    query_parameters = {"GET": PAGE_LIST_PARAMETERS}

    @operation("pages.list", responses=ListPagesResponseOutput)
    def get(self, request: Request) -> Response:
        values = self.parameters()
        url = values.get("url", "").strip()
        organization = values.get("organization", "").strip().lower().removeprefix("www.")
        if url and organization:
            raise invalid_argument(
                "url and organization cannot be given together.",
                [("organization", "Cannot be specified along with url.")],
            )
        if organization and not _SITE.match(organization):
            raise invalid_argument(
                "organization must be a site, e.g. afp.com.",
                [("organization", "Must be a site, e.g. afp.com.")],
            )
        pages = claim_review_page_list().order_by("-created_at", "-id")
        if url:
            try:
                pages = pages.filter(page_url=canonical_page_url(url))
            except MarkupInvalid:
                pages = pages.none()
            return self._listing(list(pages[:1]), token=None)
        if organization:
            pages = pages.filter(publisher__site=organization)
        filters = {"organization": organization}
        page = paging.window(values, method="pages.list", filters=filters)
        rows = list(pages[page.start : page.start + page.size + 1])
        token = paging.next_page_token(
            page, has_more=len(rows) > page.size, method="pages.list", filters=filters
        )
        return self._listing(rows[: page.size], token=token)

    def _listing(self, pages: list[ClaimReviewPage], *, token: str | None) -> Response:
        data: dict[str, Any] = {}
        if pages:
            data["claimReviewMarkupPages"] = [page_resource(page) for page in pages]
        if token:
            data["nextPageToken"] = token
        return self.answer(data)

    @operation(
        "pages.create",
        request=ClaimReviewMarkupPageInput,
        responses=ClaimReviewMarkupPageOutput,
    )
    def post(self, request: Request) -> Response:
        self.parameters()
        data, _ = page_data(request.data)
        page = claim_review_page_create(actor=request.user, data=data)
        return self.answer(page_resource(claim_review_page_list().get(pk=page.pk)))


class PageView(FactCheckToolsView):
    """pages.get, pages.update (a full replacement; `versionId` guards against overwriting
    a change made since it was read) and pages.delete."""

    permission_classes = [NewsroomReadsEditorsWrite]

    def _page(self, page_id: str) -> ClaimReviewPage:
        page = (
            claim_review_page_list().filter(pk=page_id).first() if _PAGE_ID.match(page_id) else None
        )
        if page is None:
            raise not_found(f"pages/{page_id} was not found.")
        return page

    @operation("pages.get", responses=ClaimReviewMarkupPageOutput)
    def get(self, request: Request, page_id: str) -> Response:
        self.parameters()
        return self.answer(page_resource(self._page(page_id)))

    @operation(
        "pages.update",
        request=ClaimReviewMarkupPageInput,
        responses=ClaimReviewMarkupPageOutput,
    )
    def put(self, request: Request, page_id: str) -> Response:
        self.parameters()
        page = self._page(page_id)
        data, given = page_data(request.data)
        if given["name"] and given["name"] != page_name(page):
            raise invalid_argument(
                f"The body's name {given['name']} is not the page updated ({page_name(page)}).",
                [("claim_review_markup_page.name", "Must be the name in the URL, or empty.")],
            )
        claim_review_page_update(
            page=page, actor=request.user, data=data, version_id=given["version_id"]
        )
        return self.answer(page_resource(claim_review_page_list().get(pk=page.pk)))

    @operation("pages.delete", responses={200: EmptyOutput})
    def delete(self, request: Request, page_id: str) -> Response:
        self.parameters()
        claim_review_page_delete(page=self._page(page_id), actor=request.user)
        return self.answer({})


def unknown_method(request: HttpRequest) -> JsonResponse:
    """Any other path under /v1alpha1/: Google's 404, not an HTML page."""
    return json_response(not_found(f"Method not found: {request.path}"))
