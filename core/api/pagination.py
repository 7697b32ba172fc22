from base64 import b64decode

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination

from core.api.authentication import without_key
from core.api.exceptions import InvalidCursor


class Cursor(CursorPagination):
    """Cursor pagination: pages stay stable while new rows are inserted."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")

    def paginate_queryset(self, queryset, request, view=None):
        page = super().paginate_queryset(queryset, request, view)
        # Links are built from the request's URL: a key in it must not be echoed (or logged by
        # whoever follows them).
        self.base_url = without_key(self.base_url)
        return page

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        try:
            # DRF's own decoding skips characters that are not base64, so garbage would read
            # as "the first page"; a cursor must decode strictly and say something.
            if encoded is not None and not b64decode(encoded.encode("ascii"), validate=True):
                raise ValueError("empty cursor")
            return super().decode_cursor(request)
        except Exception as error:
            raise InvalidCursor(
                "The cursor is not valid; start again from the first page."
            ) from error

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                # Larger sizes are capped at max_page_size, not refused (get_page_size).
                parameter["schema"] |= {"type": "integer", "minimum": 1}
        return parameters

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and (not raw.isdigit() or int(raw) < 1):
            raise ValidationError({"page_size": ["Must be a positive integer."]})
        return super().get_page_size(request)
