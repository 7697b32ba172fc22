"""Admin logins, rate-limited against password guessing.

Failed logins are counted in the shared cache, per account (the user name as typed) and per
client address (core.client_address): past ADMIN_LOGIN_MAX_FAILURES for an account, or
four times that from one address, every attempt is refused with 429 until the window of
ADMIN_LOGIN_WINDOW_SECONDS since the first failure has passed, the right password included.
A successful login clears its account's count, not its address's: one account's password must
not buy more guesses at the others.
"""

import hashlib

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from core.client_address import client_address

ADDRESS_FACTOR = 4


def _counters(request: HttpRequest) -> list[tuple[str, int]]:
    username = request.POST.get("username", "").strip().lower()
    account = hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()
    limit = settings.ADMIN_LOGIN_MAX_FAILURES
    return [
        (f"admin-login:account:{account}", limit),
        (f"admin-login:address:{client_address(request)}", limit * ADDRESS_FACTOR),
    ]


def admin_login(request: HttpRequest, **kwargs) -> HttpResponse:
    """The admin's own login view, behind the counters."""
    if request.method != "POST":
        return admin.site.login(request, **kwargs)
    counters = _counters(request)
    if any(cache.get(key, 0) >= limit for key, limit in counters):
        response = HttpResponse(
            "Too many failed logins: try again later.",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(settings.ADMIN_LOGIN_WINDOW_SECONDS)
        return response
    response = admin.site.login(request, **kwargs)
    if request.user.is_authenticated:
        cache.delete(counters[0][0])
    else:
        for key, _ in counters:
            # The window starts at the first failure; add() does nothing once the key exists.
            cache.add(key, 0, timeout=settings.ADMIN_LOGIN_WINDOW_SECONDS)
            try:
                cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.add(key, 1, timeout=settings.ADMIN_LOGIN_WINDOW_SECONDS)
    return response
