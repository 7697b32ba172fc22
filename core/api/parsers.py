from django.conf import settings
from rest_framework.parsers import JSONParser

from core.api.exceptions import PayloadTooLarge


class LimitedJSONParser(JSONParser):
    """JSON bodies over DATA_UPLOAD_MAX_MEMORY_SIZE are refused (413) before they are read."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if length and length.isdigit() and int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise PayloadTooLarge()
        return super().parse(stream, media_type, parser_context)
