from collections.abc import Mapping

from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so that a typo is an error and not silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {
                name: [serializers.ErrorDetail("Unknown field.", code="unknown_field")]
                for name in sorted(set(data) - set(self.fields))
            }
            # DRF turns 5 into "5"; a number where text belongs is a client bug to report.
            errors |= {
                name: [serializers.ErrorDetail("Must be a string.", code="not_a_string")]
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField)
                and data.get(name) is not None
                and not isinstance(data.get(name), str)
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
