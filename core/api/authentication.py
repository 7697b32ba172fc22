from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib.auth.models import AbstractBaseUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from core.models import ApiKey, hash_key
from core.services.api_keys import api_key_record_use

HEADER = "HTTP_X_API_KEY"
QUERY_PARAMETER = "key"


def is_key_parameter(name: str) -> bool:
    """Whether a (decoded) query parameter name is, or looks like, the key's: such parameters
    are never echoed back (next links, the browsable API)."""
    return name.strip().lower() == QUERY_PARAMETER


def without_key(url: str) -> str:
    """`url` without any query parameter that `is_key_parameter`."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_key_parameter(name)
    ]
    return urlunsplit(parts._replace(query=urlencode(kept)))


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """A key from `Authorization: Bearer <key>`, `X-API-Key: <key>` or `?key=<key>`.

    The query parameter exists for clients written for Google's Fact Check Tools API; headers are
    preferred because URLs end up in logs.
    """

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, ApiKey] | None:
        raw_key = self._raw_key(request)
        if raw_key is None:
            return None
        api_key = (
            ApiKey.objects.select_related("owner")
            .filter(key_hash=hash_key(raw_key), revoked_at__isnull=True)
            .first()
        )
        if api_key is None or not api_key.owner.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        api_key_record_use(api_key=api_key)
        return api_key.owner, api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'

    @staticmethod
    def _raw_key(request: Request) -> str | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.lower().startswith("bearer "):
            return header[7:].strip() or None
        return request.META.get(HEADER) or request.query_params.get(QUERY_PARAMETER) or None


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    # The header first: it is the form to prefer (URLs end up in logs).
    name = ["HeaderKey", "BearerKey", "QueryKey"]

    def get_security_requirement(self, auto_schema):
        # Any one of the three carries the key: alternatives, not all three together.
        return [{name: []} for name in self.name]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            {"type": "http", "scheme": "bearer"},
            {"type": "apiKey", "in": "query", "name": QUERY_PARAMETER},
        ]
