"""Query parameters refused as clearly as bodies are: an empty value where only one of a set,
a boolean, a date or a number belongs is an error, not "no filter" (core.api.schema declares
the bounds and values each filter accepts)."""

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ErrorDetail
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.filters import OrderingFilter

BOOLEANS = ("true", "false")
RELEVANCE = "relevance"
# The annotation a list ordered by relevance carries, and that order: equally relevant rows
# newest first, as in the lists' default order.
RANK = "search_rank"
RELEVANCE_ORDERING = (f"-{RANK}", "-created_at", "-id")
# Ids are positive bigints; an absurd one is a 400, not a database overflow.
MAX_ID = 2**63 - 1


class IdFilter(filters.NumberFilter):
    """An integer id (a decimal is refused, not rounded)."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class StrictFilterSet(filters.FilterSet):
    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, query_filter in self.filters.items():
            value = self.data.get(name, None)
            if value is None or isinstance(query_filter, filters.CharFilter):
                continue
            if value == "":
                error = ValidationError("May not be empty.", code="blank")
            elif isinstance(query_filter, filters.BooleanFilter) and value not in BOOLEANS:
                # Django's form field also reads 1, 0, True and False.
                error = ValidationError("Must be true or false.", code="invalid")
            else:
                continue
            if name not in self.form.errors:
                self.form.add_error(name, error)
            valid = False
        return valid


class StrictFilterBackend(DjangoFilterBackend):
    """Filter sets built from `filterset_fields` are strict too."""

    filterset_base = StrictFilterSet


class SearchOrderingFilter(OrderingFilter):
    """`ordering` as DRF reads it, and, on views that can rank (`rank_by_relevance`),
    `ordering=relevance`: the rows matching `q`, best first. Without `q` there is nothing to
    rank by, which is an error rather than a silent fallback to another order."""

    def filter_queryset(self, request, queryset, view):
        if not self.by_relevance(request, view):
            return super().filter_queryset(request, queryset, view)
        text = request.query_params.get("q", "")
        if not text.strip():
            message = "Ordering by relevance needs a search text in q."
            raise ApiValidationError({self.ordering_param: [ErrorDetail(message, "requires_q")]})
        return view.rank_by_relevance(queryset, text).order_by(*RELEVANCE_ORDERING)

    def by_relevance(self, request, view) -> bool:
        ordering = request.query_params.get(self.ordering_param, "")
        return ordering == RELEVANCE and hasattr(view, "rank_by_relevance")

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        if not hasattr(view, "rank_by_relevance"):
            return parameters
        fields = view.ordering_fields
        for parameter in parameters:
            if parameter["name"] == self.ordering_param:
                # Not an enum: DRF also reads comma-separated fields, and ignores unknown ones.
                parameter["description"] = (
                    f"Order by {', '.join(fields)} (a leading - for descending), or "
                    f"`{RELEVANCE}`: best match for `q` first (ts_rank), equally relevant "
                    f"rows newest first. `{RELEVANCE}` without `q` is a 400 (requires_q)."
                )
        return parameters
