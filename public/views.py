"""Public pages: the published fact-checks, server-rendered, no JavaScript."""

import json

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import http_date
from django.views.decorators.http import require_GET

from claims.claimreview import claim_review, media_review, public_url
from claims.models import Evidence, Verdict
from claims.selectors.public import (
    public_claim_review_feed,
    public_fact_check,
    public_verdict_list,
)
from retrieval.selectors import ranked_claims
from retrieval.text import clean_post, has_unpaired_surrogates

PAGE_SIZE = 20
FEED_PAGE_SIZE = 100

HOW_WE_CHECKED = {
    Evidence.Kind.REVERSE_IMAGE_MATCH: "We ran reverse image searches on the media and compared "
    "it with earlier copies.",
    Evidence.Kind.ARCHIVED_SOURCE: "We consulted archived copies of the original sources.",
    Evidence.Kind.OFFICIAL_STATEMENT: "We checked what official sources said.",
    Evidence.Kind.EXPERT: "We asked experts.",
    Evidence.Kind.DOCUMENT: "We examined the documents.",
    Evidence.Kind.DATA: "We looked at the data.",
    Evidence.Kind.MEDIA: "We examined the media itself.",
}


# Ranked results the search pages through: past these, nothing is relevant enough to read.
MAX_SEARCH_RESULTS = 100
MAX_QUERY_CHARS = 2000


def _searched(q: str) -> list[Verdict]:
    """Our public fact-checks answering `q`, most relevant first: retrieval's ranking (words,
    any of them, fused with meaning), as /api/v1/check/ and claims:search rank."""
    verdicts = public_verdict_list()
    ranking = ranked_claims(
        clean_post(q), verdicts=verdicts, limit=MAX_SEARCH_RESULTS, relevant_only=True
    )
    order = {hit.claim_id: position for position, hit in enumerate(ranking.hits)}
    found = list(verdicts.filter(claim_id__in=order))
    return sorted(found, key=lambda verdict: order[verdict.claim_id])


@require_GET
def fact_check_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:MAX_QUERY_CHARS]
    results = _searched(q) if q.strip() and not has_unpaired_surrogates(q) else None
    paginator = Paginator(public_verdict_list() if results is None else results, PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except (PageNotAnInteger, EmptyPage):
        page = paginator.page(1)
    return render(request, "public/fact_check_list.html", {"page": page, "q": q})


def _json_ld(data: dict) -> str:
    # Escape "<" so that no text in the markup can close the script element.
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


@require_GET
def fact_check_detail(request: HttpRequest, slug: str) -> HttpResponse:
    fact_check = public_fact_check(slug=slug)
    if fact_check is None:
        raise Http404("No published fact-check here.")
    verdict = fact_check.verdict
    markup = [claim_review(verdict, appearances=fact_check.appearances)]
    media = media_review(
        verdict,
        appearances=fact_check.appearances,
        claim_media=fact_check.claim_media,
        original=fact_check.earliest_source,
    )
    if media:
        markup.append(media)
    methods = []
    for item in fact_check.evidence:
        sentence = HOW_WE_CHECKED.get(item.kind)
        if sentence and sentence not in methods:
            methods.append(sentence)
    first = next((a for a in fact_check.appearances if a.is_first), None)
    response = render(
        request,
        "public/fact_check_detail.html",
        {
            "page": fact_check,
            "verdict": verdict,
            "claim": verdict.claim,
            "first_appearance": first,
            "methods": methods,
            "json_ld": [_json_ld(item) for item in markup],
            "canonical_url": public_url(verdict),
        },
    )
    response["Last-Modified"] = http_date(verdict.updated_at.timestamp())
    return response


@require_GET
def claim_review_feed(request: HttpRequest) -> JsonResponse:
    """All published ClaimReviews as a schema.org DataFeed, `FEED_PAGE_SIZE` a page (`?page=`);
    the next page is in the Link header."""
    paginator = Paginator(public_claim_review_feed(), FEED_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        return JsonResponse(
            {"code": "invalid_page", "message": "page must be a number."}, status=400
        )
    except EmptyPage:
        return JsonResponse({"code": "not_found", "message": "No such page."}, status=404)
    elements = []
    for verdict in page:
        elements.append(
            {
                "@type": "DataFeedItem",
                "dateCreated": verdict.published_at.isoformat(),
                "dateModified": verdict.updated_at.isoformat(),
                "item": claim_review(verdict, appearances=list(verdict.claim.appearances.all())),
            }
        )
    base = settings.FACTCHECK_PUBLIC_BASE_URL.rstrip("/") + request.path
    feed = {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "name": f"{settings.FACTCHECK_PUBLISHER_NAME} fact-checks",
        "url": base,
        "dataFeedElement": elements,
    }
    response = JsonResponse(
        feed, content_type="application/ld+json", json_dumps_params={"ensure_ascii": False}
    )
    if page.has_next():
        response["Link"] = f'<{base}?page={page.next_page_number()}>; rel="next"'
    return response
