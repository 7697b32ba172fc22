"""ClaimReview documents as publishers write them, and the scale imports map onto."""

import json
from typing import Any

from claims.models import Rating, RatingScale
from claims.services.demo import DEMO_RATINGS, DEMO_SCALE_NAME

SCHEMA = "https://schema.org"


def newsroom_scale() -> RatingScale:
    """The demo newsroom's scale (FACTCHECK_DEFAULT_RATING_SCALE's default name): True 5,
    Mostly true 4, Missing context 3, Misleading 2, False 1, and Unproven off the scale."""
    scale, _ = RatingScale.objects.get_or_create(
        name=DEMO_SCALE_NAME, defaults={"best_value": 5, "worst_value": 1}
    )
    for label, value, description in DEMO_RATINGS:
        Rating.objects.get_or_create(
            scale=scale, label=label, defaults={"value": value, "description": description}
        )
    return scale


def claim_review(number: int = 1, *, context: bool = True, **overrides: Any) -> dict:
    """A complete ClaimReview by "Example Checks" (checks.example.com); `overrides` replace
    top-level properties, and a value of None removes one."""
    review = {
        "@context": SCHEMA,
        "@type": "ClaimReview",
        "url": f"https://checks.example.com/fact-check/{number}",
        "claimReviewed": f"Claim number {number}: the moon landing footage was filmed in 2015.",
        "datePublished": "2024-12-24",
        "headline": f"No, claim {number} is not true",
        "inLanguage": "en",
        "author": {
            "@type": "Organization",
            "name": "Example Checks",
            "url": "https://checks.example.com/",
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Person", "name": "A viral account"},
            "datePublished": "2024-12-20",
            "appearance": [
                {"@type": "CreativeWork", "url": f"https://x.com/someone/status/{1000 + number}"},
                {"@type": "CreativeWork", "url": f"https://www.youtube.com/watch?v=v{number}"},
            ],
        },
        "reviewRating": {
            "@type": "Rating",
            "alternateName": "False",
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
            "ratingExplanation": "The footage is from 1969.",
        },
    }
    if not context:
        del review["@context"]
    for key, value in overrides.items():
        if value is None:
            review.pop(key, None)
        else:
            review[key] = value
    return review


def data_feed(elements: list[Any]) -> dict:
    return {
        "@context": SCHEMA,
        "@type": "DataFeed",
        "name": "Example Checks ClaimReview feed",
        "dataFeedElement": elements,
    }


def feed_item(*reviews: dict, many: bool = False) -> dict:
    item: Any = list(reviews) if many or len(reviews) != 1 else reviews[0]
    return {"@type": "DataFeedItem", "dateCreated": "2024-12-24", "item": item}


def feed_bytes(count: int, *, start: int = 1, **overrides: Any) -> bytes:
    """A DataFeed of `count` ClaimReviews, each wrapped in a DataFeedItem."""
    elements = [
        feed_item(claim_review(n, context=False, **overrides)) for n in range(start, start + count)
    ]
    return json.dumps(data_feed(elements)).encode()


def page(*blocks: Any, body: str = "") -> bytes:
    """An HTML page with a JSON-LD script block per entry of `blocks` (text is used as is)."""
    scripts = "".join(
        '<script type="application/ld+json">'
        + (block if isinstance(block, str) else json.dumps(block))
        + "</script>"
        for block in blocks
    )
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>A fact-check</title>{scripts}'
        f"</head><body>{body}</body></html>"
    ).encode()
