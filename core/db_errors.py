"""Which database errors are the client's to see, and how.

- The database unreachable (down, restarting, refusing connections) is not a bug of ours nor
  the client's: 503 with Retry-After, so that clients and load balancers try again.
- An IntegrityError is a conflict (409) only for a uniqueness constraint we declared by name:
  two writes raced for the same key, and the loser may reload and retry. Any other (a check,
  a NOT NULL, a foreign key) means validation let through what it should have caught: a bug,
  answered 500 and logged, never dressed up as a conflict.
"""

import functools

from django.apps import apps
from django.db import IntegrityError, InterfaceError, OperationalError, models

RETRY_AFTER_SECONDS = 10
UNAVAILABLE_MESSAGE = "The service is briefly unavailable; retry shortly."

# SQLSTATEs of a server that is going away or not taking connections (class 08: connection
# exceptions): admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections.
_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def database_unavailable(error: BaseException | None) -> bool:
    """Whether `error` says the database cannot be reached right now (rather than that a
    statement failed, e.g. a limit exceeded or a query cancelled)."""
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    state = getattr(error.__cause__, "sqlstate", None)
    return state is None or state.startswith("08") or state in _UNAVAILABLE_STATES


@functools.cache
def conflict_constraints() -> frozenset[str]:
    """The names of the uniqueness constraints our models declare."""
    return frozenset(
        constraint.name
        for model in apps.get_models()
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
    )


def is_conflict(error: IntegrityError) -> bool:
    diagnostics = getattr(error.__cause__, "diag", None)
    return getattr(diagnostics, "constraint_name", None) in conflict_constraints()
