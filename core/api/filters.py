"""Query parameters refused as clearly as bodies are: an empty value where only one of a set,
a boolean, a date or a number belongs is an error, not "no filter" (core.api.schema declares
the bounds and values each filter accepts)."""

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend

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
            if isinstance(query_filter, filters.CharFilter) or self.data.get(name, None) != "":
                continue
            self.form.add_error(name, ValidationError("May not be empty.", code="blank"))
            valid = False
        return valid


class StrictFilterBackend(DjangoFilterBackend):
    """Filter sets built from `filterset_fields` are strict too."""

    filterset_base = StrictFilterSet
