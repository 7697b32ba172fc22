"""API keys never reach a log or an error report.

A key may arrive as a query parameter (clients written for Google's Fact Check Tools API send
`?key=...`), and Django decodes parameter names, so `?%6Bey=...` authenticates too: every
parameter whose name decodes to `key`, in any case, has its value replaced.
"""

import re
from urllib.parse import unquote_plus

REDACTED = "[redacted]"
# A query parameter, its name and value, in a request line, a URL or a bare query string.
_PARAMETER = re.compile(r"(^|[?&;])([^=&;?#\s\"']*)=([^&;#\s\"']*)")
# Headers that carry credentials themselves, whatever their form.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "cookie"})


def _is_key(name: str) -> bool:
    return unquote_plus(name).strip().lower() == "key"


def redact(text: str) -> str:
    """`text` with the value of every `key` query parameter, however spelled, replaced."""
    if "=" not in text:
        return text
    return _PARAMETER.sub(
        lambda match: f"{match[1]}{match[2]}={REDACTED}" if _is_key(match[2]) else match[0], text
    )
