from django import template

from claims.models import Claim
from matching.selectors import suggestion_list

register = template.Library()


@register.inclusion_tag("admin/matching/claim_suggestions.html", takes_context=True)
def claim_suggestions(context: template.Context, claim: Claim) -> dict:
    """The claim's suggestions, with confirm and reject buttons for those who may decide."""
    user = context["request"].user
    return {
        "suggestions": list(suggestion_list(claim_id=claim.pk)),
        "may_decide": user.has_perm("matching.change_claimsuggestion"),
    }
