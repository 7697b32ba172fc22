from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.client_address import client_address
from core.models import ApiKey
from core.roles import is_newsroom


def rate_tier(user) -> str:
    """anonymous, consumer or newsroom. Not the role: telling an editor from a fact-checker
    costs two permission queries on every request, and both have the newsroom's rate."""
    if not user.is_authenticated:
        return "anonymous"
    return "newsroom" if is_newsroom(user) else "consumer"


class RoleRateThrottle(SimpleRateThrottle):
    """Request rates per tier of caller (settings.API_RATE_LIMITS), counted per API key when
    one is used (a key may carry its own rate), per user for sessions, per address for
    anonymous callers (`client_address`: X-Forwarded-For only as far as NUM_PROXIES proxies
    vouch for it)."""

    scope = "role"

    def __init__(self) -> None:
        # Rates are read per request in allow_request; SimpleRateThrottle would parse them here.
        pass

    def allow_request(self, request, view) -> bool:
        rate = self._rate_for(request)
        if rate is None:
            return True
        self.rate = rate
        self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request, view)

    def _rate_for(self, request) -> str | None:
        if isinstance(request.auth, ApiKey) and request.auth.rate_limit:
            return request.auth.rate_limit
        return settings.API_RATE_LIMITS.get(rate_tier(request.user))

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.pk}"
        elif request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{client_address(request)}"
        return f"throttle:{ident}"
