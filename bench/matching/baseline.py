"""The baseline: what "has this been checked?" costs with no index, a plain ILIKE scan.

`GET /bench/matching/ilike/?query=<text>`: the 10 most recently published verdicts (ours and
imported) whose claim's text or original text contains `query`, case-insensitively, as
`ILIKE '%query%'`, with the fields the check endpoint answers (claim text, publisher, textual
rating, review URL). One SQL query, `JsonResponse`, no DRF, no authentication.
"""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

LIMIT = 10
SQL = """
SELECT v.id, c.text, p.name, COALESCE(NULLIF(v.textual_rating, ''), r.label, ''),
       v.review_url, v.published_at
FROM claims_verdict v
JOIN claims_claim c ON c.id = v.claim_id
JOIN claims_publisher p ON p.id = v.publisher_id
LEFT JOIN claims_rating r ON r.id = v.rating_id
WHERE v.status = 'published' AND (c.text ILIKE %s OR c.original_text ILIKE %s)
ORDER BY v.published_at DESC, v.id DESC
LIMIT %s
"""


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@require_GET
def ilike_baseline(request: HttpRequest) -> JsonResponse:
    query = request.GET.get("query", "").strip()
    if not query:
        return JsonResponse({"error": "query is required"}, status=400)
    pattern = _like_pattern(query)
    with connection.cursor() as cursor:
        cursor.execute(SQL, [pattern, pattern, LIMIT])
        rows = cursor.fetchall()
    results = [
        {
            "verdict": verdict_id,
            "claim_text": text,
            "publisher": publisher,
            "textual_rating": rating,
            "review_url": review_url,
            "published_at": published_at.isoformat() if published_at else None,
        }
        for verdict_id, text, publisher, rating, review_url, published_at in rows
    ]
    return JsonResponse({"results": results})
