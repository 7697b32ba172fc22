import re

from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# BCP-47 language tags as newsrooms use them: language, optional script, region and variants
# (zh, zh-Hant, zh-Hant-TW, ko, pt-BR, yue, es-419). Extensions and private use are not accepted.
_LANGUAGE_TAG = re.compile(
    r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*$"
)


# A RegexValidator, so that the API schema declares it as the field's `pattern`.
LANGUAGE_TAG = RegexValidator(
    _LANGUAGE_TAG,
    _("%(value)s is not a BCP-47 language tag (e.g. en, zh-Hant, pt-BR)."),
    code="invalid_language",
)


def validate_language_tag(value: str) -> None:
    LANGUAGE_TAG(value)


# Anything a CheckConstraint accepts as an http(s) URL; the form field validates the rest.
HTTP_URL_PATTERN = r"^https?://[^\s/]+"

validate_http_url = URLValidator(schemes=["http", "https"])


def _http_url_schema_pattern() -> str:
    """What the API schema promises an http(s) URL may be: a part of what validate_http_url and
    the address guard (core.safe_http) accept that a client, or a test generator, can build from
    the pattern alone. A host name with a letters-only top-level domain (no IP address, none of
    the loopback names; at most 3 labels of 63 before it and 24 letters in it, so within the 253
    of RFC 1034), a port from 1 to 65535, and a path, query and fragment of RFC 3986 characters."""
    label = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    port = r"[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]"
    character = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})"
    schemes = "|".join(validate_http_url.schemes)
    return (
        rf"^(?:{schemes})://{label}(?:\.{label}){{0,2}}\.[a-z]{{2,24}}(?<!\.localhost)"
        rf"(?::(?:{port}))?(?:/{character}*)?(?:\?(?:{character}|\?)*)?(?:#(?:{character}|\?)*)?$"
    )


HTTP_URL_SCHEMA_PATTERN = _http_url_schema_pattern()


class HttpUrlField(models.URLField):
    """A URL that must be http or https: no ftp, file, javascript or data URLs are stored."""

    default_validators = [validate_http_url]

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 2000)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)
