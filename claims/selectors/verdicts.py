from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from claims.models import Verdict
from claims.selectors.claims import PUBLIC_VERDICT_STATUSES
from core.roles import is_newsroom


def verdict_list(*, viewer: AbstractBaseUser | AnonymousUser) -> QuerySet[Verdict]:
    """Verdicts the viewer may read: all for the newsroom, published and retracted for others."""
    verdicts = Verdict.objects.select_related(
        "claim", "rating", "rating_scale", "publisher", "editor"
    ).prefetch_related("authors", "corrections")
    if not is_newsroom(viewer):
        verdicts = verdicts.filter(status__in=PUBLIC_VERDICT_STATUSES)
    return verdicts
