"""The hand-built baseline for the verdict list: no DRF, no serializers, no model instances.

It answers what `GET /api/v1/verdicts/?page_size=50` answers an anonymous reader, built the way a
hand-tuned endpoint would build it:

* the same rows: published and retracted verdicts (`PUBLIC_VERDICT_STATUSES`), newest first
  (`-created_at, -id`, the API's cursor ordering), 50 a page by default, at most 100;
* the same information: every field of `VerdictOutput`, with the claim brief, the publisher, the
  rating, the authors' usernames, the editor's username and the corrections nested the same way,
  datetimes in the same ISO 8601 form (`...Z`, microseconds kept), and the same envelope
  (`next`, `previous`, `results`) with a working keyset `next` link;
* the same number of queries (the page, then authors and corrections for its ids, like the
  API's two prefetches), each selecting only the columns it needs (`.values()`), rendered with
  `JsonResponse` (compact, non-ASCII kept, like DRF's JSONRenderer).

Not the same: no throttling, no content negotiation, no filters. That is the cost the comparison
is meant to show.
"""

import base64
import binascii
from collections import defaultdict
from datetime import datetime

from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from claims.models import Correction, Verdict
from claims.selectors.claims import PUBLIC_VERDICT_STATUSES

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

FIELDS = (
    "id",
    "claim_id",
    "claim__text",
    "claim__original_text",
    "claim__language",
    "claim__claimant",
    "claim__claim_date",
    "publisher_id",
    "publisher__name",
    "publisher__site",
    "publisher__url",
    "publisher__is_self",
    "publisher__updated_at",
    "rating_scale_id",
    "rating_id",
    "rating__label",
    "rating__value",
    "rating__description",
    "textual_rating",
    "review_url",
    "headline",
    "summary",
    "body",
    "media_authenticity",
    "language",
    "status",
    "slug",
    "editor__username",
    "published_at",
    "retracted_at",
    "created_at",
    "updated_at",
)


def _dt(value: datetime | None) -> str | None:
    # As DRF's DateTimeField renders an aware UTC datetime.
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _encode_cursor(created_at: datetime, pk: int) -> str:
    raw = f"{created_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        return datetime.fromisoformat(stamp), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def _page_size(request: HttpRequest) -> int | None:
    raw = request.GET.get("page_size")
    if raw is None:
        return PAGE_SIZE
    if not raw.isdigit() or int(raw) < 1:
        return None
    return min(int(raw), MAX_PAGE_SIZE)


@require_GET
def verdict_list_baseline(request: HttpRequest) -> JsonResponse:
    page_size = _page_size(request)
    if page_size is None:
        return JsonResponse({"page_size": ["Must be a positive integer."]}, status=400)

    rows = Verdict.objects.filter(status__in=PUBLIC_VERDICT_STATUSES)
    token = request.GET.get("cursor")
    if token:
        position = _decode_cursor(token)
        if position is None:
            return JsonResponse({"detail": "The cursor is not valid."}, status=400)
        created_at, pk = position
        rows = rows.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
    rows = list(rows.order_by("-created_at", "-id").values(*FIELDS)[: page_size + 1])
    has_next = len(rows) > page_size
    rows = rows[:page_size]
    ids = [row["id"] for row in rows]

    authors: dict[int, list[str]] = defaultdict(list)
    for verdict_id, username in (
        Verdict.authors.through.objects.filter(verdict_id__in=ids)
        .order_by("id")
        .values_list("verdict_id", "user__username")
    ):
        authors[verdict_id].append(username)

    corrections: dict[int, list[dict]] = defaultdict(list)
    for correction in (
        Correction.objects.filter(verdict_id__in=ids)
        .order_by("published_at", "id")
        .values("verdict_id", "id", "kind", "note", "published_at")
    ):
        corrections[correction["verdict_id"]].append(
            {
                "id": correction["id"],
                "kind": correction["kind"],
                "note": correction["note"],
                "published_at": _dt(correction["published_at"]),
            }
        )

    results = []
    for row in rows:
        claim_date = row["claim__claim_date"]
        results.append(
            {
                "id": row["id"],
                "claim": {
                    "id": row["claim_id"],
                    "text": row["claim__text"],
                    "original_text": row["claim__original_text"],
                    "language": row["claim__language"],
                    "claimant": row["claim__claimant"],
                    "claim_date": claim_date.isoformat() if claim_date else None,
                },
                "publisher": {
                    "id": row["publisher_id"],
                    "name": row["publisher__name"],
                    "site": row["publisher__site"],
                    "url": row["publisher__url"],
                    "is_self": row["publisher__is_self"],
                    "updated_at": _dt(row["publisher__updated_at"]),
                },
                "rating_scale": row["rating_scale_id"],
                "rating": None
                if row["rating_id"] is None
                else {
                    "id": row["rating_id"],
                    "label": row["rating__label"],
                    "value": row["rating__value"],
                    "description": row["rating__description"],
                },
                "textual_rating": row["textual_rating"],
                "review_url": row["review_url"],
                "headline": row["headline"],
                "summary": row["summary"],
                "body": row["body"],
                "media_authenticity": row["media_authenticity"],
                "language": row["language"],
                "status": row["status"],
                "slug": row["slug"],
                "authors": authors.get(row["id"], []),
                "editor": row["editor__username"],
                "published_at": _dt(row["published_at"]),
                "retracted_at": _dt(row["retracted_at"]),
                "corrections": corrections.get(row["id"], []),
                "created_at": _dt(row["created_at"]),
                "updated_at": _dt(row["updated_at"]),
            }
        )

    next_url = None
    if has_next and rows:
        query = request.GET.copy()
        query["cursor"] = _encode_cursor(rows[-1]["created_at"], rows[-1]["id"])
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    # A keyset cursor only walks forward; the API's cursor also offers `previous`.
    previous_url = None
    return JsonResponse(
        {"next": next_url, "previous": previous_url, "results": results},
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
