from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core.api.exceptions import PayloadTooLarge

# No request of ours nests deeper; Python's own limit (about 1,000) is reached as a crash.
MAX_JSON_DEPTH = 64


class LimitedJSONParser(JSONParser):
    """JSON bodies over DATA_UPLOAD_MAX_MEMORY_SIZE are refused (413) before they are read;
    JSON nested deeper than MAX_JSON_DEPTH, or with a string (a key included) that is not
    Unicode text (a lone UTF-16 surrogate such as "\\ud800", which JSON allows but UTF-8, the
    database and our own answers cannot carry), is a parse error (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if length and length.isdigit() and int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise PayloadTooLarge()
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH}.") from None
        check_json(data)
        return data


def check_json(data) -> None:
    """Raise ParseError for data nested deeper than MAX_JSON_DEPTH or holding a string that is
    not valid Unicode. Iterative: the check itself must not run out of stack."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH}.")
            if isinstance(value, dict):
                for key in value:
                    _check_text(key)
                pending.extend((item, depth + 1) for item in value.values())
            else:
                pending.extend((item, depth + 1) for item in value)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ParseError(
            "JSON parse error - a string holds a lone surrogate (an invalid \\u escape)."
        ) from None
