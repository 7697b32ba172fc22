from collections.abc import Mapping

from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.filters import MAX_ID
from core.validators import HTTP_URL_SCHEMA_PATTERN

# JSON types DRF would otherwise coerce ("5" for 5, "yes" for true): a client bug to report,
# and a value the schema's type refuses.
_JSON_TYPES = (
    (serializers.BooleanField, (bool,), "Must be true or false.", "not_a_boolean"),
    (serializers.IntegerField, (int,), "Must be an integer.", "not_an_integer"),
    (serializers.FloatField, (int, float), "Must be a number.", "not_a_number"),
    (serializers.PrimaryKeyRelatedField, (int,), "Must be an integer id.", "not_an_integer"),
)


# Not a docstring: the schema would show it as every input's description.
_LIST_FIELDS = (serializers.ManyRelatedField, serializers.ListField, serializers.ListSerializer)


class StrictSerializer(serializers.Serializer):
    # Refuses fields it does not know, so that a typo is an error and not silently ignored;
    # values must have the JSON type the schema declares; `required_any` names fields of which
    # at least one must be sent. core.api.schema declares all of it.

    required_any: tuple[str, ...] = ()

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {
                name: [serializers.ErrorDetail("Unknown field.", code="unknown_field")]
                for name in sorted(set(data) - set(self.fields))
            }
            errors |= self._type_errors(data)
            if self.required_any and not any(name in data for name in self.required_any):
                message = f"Send at least one of: {', '.join(self.required_any)}."
                errors[self.required_any[0]] = [serializers.ErrorDetail(message, code="required")]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def _type_errors(self, data: Mapping) -> dict:
        errors = {}
        for name, field in self.fields.items():
            if name not in data or field.read_only:
                continue
            value = data.get(name)
            if isinstance(data, QueryDict):
                # A form sends text only; DRF reads an empty one as "not sent".
                if value == "" and not getattr(field, "allow_blank", True) and not field.allow_null:
                    errors[name] = [
                        serializers.ErrorDetail("This field may not be blank.", code="blank")
                    ]
                continue
            if value is None:
                continue
            is_list = isinstance(
                field,
                serializers.ManyRelatedField | serializers.ListField | serializers.ListSerializer,
            )
            if is_list and not isinstance(value, list):
                errors[name] = [serializers.ErrorDetail("Must be a list.", code="not_a_list")]
                continue
            if isinstance(field, serializers.ManyRelatedField):
                field, value = (
                    field.child_relation,
                    next(
                        (item for item in value if _json_type_error(field.child_relation, item)),
                        None,
                    ),
                )
            error = _json_type_error(field, value) if value is not None else None
            if error:
                errors[name] = [error]
        return errors


def _json_type_error(field: serializers.Field, value) -> serializers.ErrorDetail | None:
    # DRF turns 5 into "5"; a number where text belongs is a client bug to report.
    if isinstance(field, serializers.SlugRelatedField | serializers.CharField):
        if not isinstance(value, str):
            return serializers.ErrorDetail("Must be a string.", code="not_a_string")
        return None
    for field_type, json_types, message, code in _JSON_TYPES:
        wrong = not isinstance(value, json_types) or (
            bool not in json_types and isinstance(value, bool)
        )
        if isinstance(field, field_type) and wrong:
            return serializers.ErrorDetail(message, code=code)
    if isinstance(field, serializers.PrimaryKeyRelatedField) and not 1 <= value <= MAX_ID:
        # Not an id at all, rather than one that names nothing (404).
        return serializers.ErrorDetail(f"Must be an id from 1 to {MAX_ID}.", code="out_of_range")
    return None


@extend_schema_field(
    {
        "type": "string",
        "format": "uri",
        "pattern": HTTP_URL_SCHEMA_PATTERN,
        "maxLength": 2000,
    }
)
class HttpUrlField(serializers.CharField):
    """A URL that the services validate (validate_http_url, and for some the addresses it
    resolves to); the schema's pattern is the part of those that a client can check."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)


class ErrorDetailOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorOutput(serializers.Serializer):
    """Every error the API answers (core.api.exceptions)."""

    code = serializers.CharField(help_text="Stable, machine-readable error code.")
    message = serializers.CharField()
    details = serializers.DictField(
        child=ErrorDetailOutput(many=True),
        help_text="Errors per field path, e.g. `appearances.0.url`.",
    )

    class Meta:
        ref_name = "Error"
