"""Errors of the editorial domain; the shared ones are in core.exceptions."""

from core.exceptions import InvalidTransition


class VerdictLocked(InvalidTransition):
    """Published and retracted verdicts change only through the correction workflow."""

    code = "verdict_locked"
