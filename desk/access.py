from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from core.roles import is_newsroom


def newsroom_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The desk is for fact-checkers and editors: whoever is not logged in is sent to the login
    page, anyone else logged in gets a 404 (the desk does not exist for them)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_newsroom(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return guarded
