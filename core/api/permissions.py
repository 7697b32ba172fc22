from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from core.roles import EDITOR, FACT_CHECKER, is_editor, is_newsroom


def may_write(request: Request, view) -> bool:
    role = getattr(view, "write_roles", {}).get(getattr(view, "action", None), FACT_CHECKER)
    return is_editor(request.user) if role == EDITOR else is_newsroom(request.user)


class RoleWritePermission(BasePermission):
    """Reading is governed by the selectors (what you may not read is 404); writing needs a
    newsroom role, and some actions (a view's `write_roles`) need an editor.

    On a single object the check waits for the object: a write to something you may not even
    read answers 404 like a read would, not 403.
    """

    message = "Your role does not allow this action."

    def has_permission(self, request: Request, view) -> bool:
        if request.method in SAFE_METHODS or (hasattr(view, "action") and view.action is None):
            # No action: a method this endpoint does not have, answered 405 by the view.
            return True
        if view.lookup_url_kwarg in view.kwargs or view.lookup_field in view.kwargs:
            return True
        return may_write(request, view)

    def has_object_permission(self, request: Request, view, obj) -> bool:
        return request.method in SAFE_METHODS or may_write(request, view)
