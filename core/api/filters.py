"""Query parameters refused as clearly as bodies are: an empty value where only one of a set,
a boolean, a date or a number belongs is an error, not "no filter" (core.api.schema declares
the bounds and values each filter accepts)."""

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend

BOOLEANS = ("true", "false")
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
