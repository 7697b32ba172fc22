"""Roles are Django groups created by a data migration; these names are their only spelling."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef

FACT_CHECKER = "fact-checker"
EDITOR = "editor"
NEWSROOM_ROLES = (FACT_CHECKER, EDITOR)


def _group_names(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    # Cached on the user object: role checks run several times per request.
    if not hasattr(user, "_role_names"):
        user._role_names = set(user.groups.values_list("name", flat=True))
    return user._role_names


def group_names_of(user_field: str) -> ArraySubquery:
    """The names of the groups of the user in `user_field`, as an annotation: a read that
    fetches the user anyway (an API key's owner) learns its roles in the same query."""
    return ArraySubquery(Group.objects.filter(user=OuterRef(user_field)).values("name"))


def remember_group_names(user: AbstractBaseUser, names: list[str]) -> None:
    """Role checks on `user` for this request use `names` (from `group_names_of`)."""
    user._role_names = set(names)


def is_newsroom(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Fact-checkers and editors read everything, drafts included."""
    return user.is_authenticated and (
        user.is_superuser or bool(_group_names(user) & set(NEWSROOM_ROLES))
    )


def is_editor(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user.is_authenticated and user.has_perm("claims.publish_verdict")


def role_of(user: AbstractBaseUser | AnonymousUser) -> str:
    if is_editor(user):
        return EDITOR
    if is_newsroom(user):
        return FACT_CHECKER
    return "consumer" if user.is_authenticated else "anonymous"
