from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer

from core.api.authentication import is_key_parameter


class KeySafeContentNegotiation(DefaultContentNegotiation):
    """A request with an API key in its URL gets JSON, never the browsable API: its HTML shows
    the request's URL, key included, and links built from it."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if any(is_key_parameter(name) for name in request.query_params):
            renderers = [r for r in renderers if not isinstance(r, BrowsableAPIRenderer)]
        return super().select_renderer(request, renderers, format_suffix)
