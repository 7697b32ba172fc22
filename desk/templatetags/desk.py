"""How the desk says things: match strength in words, frame thumbnails, offsets as clock time."""

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.urls import reverse

from media import verification

register = template.Library()

# PDQ distances (of 256 bits) below which two frames are the same picture bit for bit, or
# nearly: a re-encoding moves a few bits, a resize a few more.
SAME_PICTURE_DISTANCE = 10


@dataclass(frozen=True)
class Strength:
    label: str
    explanation: str
    level: str


@register.simple_tag
def match_strength(distance: int | None) -> Strength:
    """A perceptual-hash distance in words a fact-checker can act on; the thresholds are the
    lookup's own (LOOKUP_STRONG_DISTANCE, LOOKUP_SUGGEST_DISTANCE)."""
    if distance is None:
        return Strength("Reported by the search engine", "The engine gives no distance.", "none")
    if distance <= SAME_PICTURE_DISTANCE:
        return Strength("The same picture", "Identical, or re-encoded or resized only.", "same")
    if distance <= settings.LOOKUP_STRONG_DISTANCE:
        return Strength(
            "Very likely the same picture",
            "Re-encoded, resized, cropped a little or captioned.",
            "strong",
        )
    if distance <= settings.LOOKUP_SUGGEST_DISTANCE:
        return Strength(
            "Possibly the same picture", "Similar; compare the two frames by eye.", "weak"
        )
    return Strength("Probably a different picture", "Too far apart to suggest.", "far")


@register.simple_tag
def frame_url(media_item_id: int, offset: float = 0.0) -> str:
    """The thumbnail of an item's frame nearest to `offset` seconds."""
    return reverse(
        "frame-thumbnail", kwargs={"media_item_id": media_item_id, "offset": repr(float(offset))}
    )


@register.simple_tag
def picture_changes(transform: dict) -> str:
    """What local features found was done to the earlier picture, in words."""
    changes = verification.described(transform)
    if not changes:
        return "None seen: all of the earlier picture, upright, at its size"
    said = "; ".join(changes)
    return said[:1].upper() + said[1:]


@register.filter
def clock(seconds: float | None) -> str:
    """12.4 -> 0:12, 3725 -> 1:02:05."""
    if seconds is None:
        return ""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def matched_published_at(match):
    """When the matched copy was first published: the engine's date, or the item's provenance."""
    if match.first_published_at:
        return match.first_published_at
    return match.matched_item.first_published_at if match.matched_item_id else None


@register.filter
def matched_source(match) -> str:
    if match.shared_hash_id:
        return f"hash list “{match.shared_hash.hash_list.name}”"
    if not match.matched_item_id:
        return match.external_url
    item = match.matched_item
    return item.publisher_name or item.original_url or f"archive item #{item.pk}"
