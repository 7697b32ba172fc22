"""Roles are Django groups created by a data migration; these names are their only spelling."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

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
