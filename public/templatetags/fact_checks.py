from django import template

from claims.models import Verdict

register = template.Library()


@register.filter
def rating_class(verdict: Verdict) -> str:
    """A colour for the rating badge: the lower third of the scale red, the top third green."""
    rating, scale = verdict.rating, verdict.rating_scale
    if rating is None or rating.value is None:
        return ""
    position = (rating.value - scale.worst_value) / (scale.best_value - scale.worst_value)
    return "rating-low" if position < 1 / 3 else "rating-high" if position > 2 / 3 else "rating-mid"
