from django.contrib.auth.models import AbstractBaseUser
from django.db import models


def save_validated(
    instance: models.Model, *, actor: AbstractBaseUser | None, reason: str | None = None
) -> None:
    """Validate against every field and constraint, then save with `actor` in the history."""
    instance.full_clean()
    # django-simple-history reads these when it writes the historical row.
    instance._history_user = actor
    # The history's reason column holds 100 characters; a correction's full note is kept on its
    # Correction row, the history only needs to say which it was.
    instance._change_reason = reason if reason is None or len(reason) <= 100 else reason[:99] + "…"
    instance.save()


def apply_changes(instance: models.Model, changes: dict, allowed: frozenset[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))} on {type(instance).__name__}")
    for field, value in changes.items():
        setattr(instance, field, value)
