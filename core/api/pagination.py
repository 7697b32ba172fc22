from base64 import b64decode
from datetime import datetime

from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor as CursorPosition
from rest_framework.pagination import CursorPagination

from core.api.authentication import without_key
from core.api.exceptions import InvalidCursor
from core.api.filters import MAX_ID, RANK

INVALID_CURSOR = "The cursor is not valid; start again from the first page."


class Cursor(CursorPagination):
    """Cursor pagination: pages stay stable while new rows are inserted."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")
    by_rank = False

    def paginate_queryset(self, queryset, request, view=None):
        self.by_rank = isinstance(queryset, QuerySet) and RANK in queryset.query.annotations
        if self.by_rank:
            page = self._paginate_by_rank(queryset, request)
        else:
            page = super().paginate_queryset(queryset, request, view)
        # Links are built from the request's URL: a key in it must not be echoed (or logged by
        # whoever follows them).
        self.base_url = without_key(self.base_url)
        return page

    def _paginate_by_rank(self, queryset, request):
        """Relevance order (core.api.filters.RELEVANCE_ORDERING) pages by keyset: the cursor
        carries the (rank, created_at, id) of the row it stops at. DRF's cursor carries one
        field and counts the rows that tie on it, and many rows tie on a rank (every document
        that mentions the word once), beyond DRF's cap on that count; the triple never ties."""
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        backwards = self.cursor is not None and self.cursor.reverse
        if self.cursor is not None:
            queryset = queryset.filter(self._beyond(self.cursor.position, backwards))
        if backwards:
            queryset = queryset.reverse()
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if backwards:
            self.page.reverse()
        self.has_next = more if not backwards else True
        self.has_previous = more if backwards else self.cursor is not None
        return self.page

    @staticmethod
    def _beyond(position: str | None, backwards: bool) -> Q:
        try:
            rank, created_at, pk = (position or "").split("|")
            rank, created_at, pk = float(rank), datetime.fromisoformat(created_at), int(pk)
            if created_at.tzinfo is None or not 1 <= pk <= MAX_ID:
                raise ValueError("not a position this cursor writes")
        except ValueError as error:
            raise InvalidCursor(INVALID_CURSOR) from error
        after = "gt" if backwards else "lt"
        return (
            Q(**{f"{RANK}__{after}": rank})
            | Q(**{RANK: rank, f"created_at__{after}": created_at})
            | Q(**{RANK: rank, "created_at": created_at, f"id__{after}": pk})
        )

    def _rank_link(self, row, backwards: bool) -> str:
        value = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
        position = f"{value(RANK)!r}|{value('created_at').isoformat()}|{value('id')}"
        return self.encode_cursor(CursorPosition(offset=0, reverse=backwards, position=position))

    def get_next_link(self):
        if not self.by_rank:
            return super().get_next_link()
        return self._rank_link(self.page[-1], False) if self.has_next and self.page else None

    def get_previous_link(self):
        if not self.by_rank:
            return super().get_previous_link()
        return self._rank_link(self.page[0], True) if self.has_previous and self.page else None

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        try:
            # DRF's own decoding skips characters that are not base64, so garbage would read
            # as "the first page"; a cursor must decode strictly and say something.
            if encoded is not None and not b64decode(encoded.encode("ascii"), validate=True):
                raise ValueError("empty cursor")
            return super().decode_cursor(request)
        except Exception as error:
            raise InvalidCursor(INVALID_CURSOR) from error

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
