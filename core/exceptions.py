"""Domain errors. Each has a stable `code` that API clients can rely on; the API's exception
handler turns them into 4xx responses with that code."""


class ApplicationError(Exception):
    code = "application_error"
    status_code = 400

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status_code = 403


class InvalidTransition(ApplicationError):
    """The object is not in a state that allows this action (409)."""

    code = "invalid_transition"
    status_code = 409
