"""The OpenAPI schema says what the code enforces, read from the code that enforces it: the
serializers' rules (closed objects, "one of these fields"), the filters' bounds, the pagination's
limits, the If-Match precondition on edits, who may call an operation without credentials, and
the error statuses each operation can answer, all in the one error shape (`Error`)."""

from django_filters import rest_framework as django_filters
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions

from core.api.filters import IdFilter
from core.api.permissions import RoleWritePermission
from core.api.serializers import ErrorOutput, StrictSerializer

ERRORS = {
    "400": "Invalid input, query parameter or cursor.",
    "403": "Not allowed for your role, or the credentials are invalid.",
    "404": "Not found, or not visible to you; also a referenced object that is not.",
    "409": "Conflicts with the current state.",
    "412": "If-Match does not match the current ETag.",
    "413": "Request body too large.",
    "415": "Unsupported media type: send one of the request body's content types.",
    "428": "If-Match is required to edit.",
    "429": "Rate limit exceeded; see Retry-After.",
}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def edits_need_if_match(view, method: str) -> bool:
    """PATCH on the shared resource views goes through `update_with`, which checks If-Match."""
    from core.api.views import ResourceViewSet  # the views use this module's AutoSchema

    return method == "PATCH" and isinstance(view, ResourceViewSet)


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if edits_need_if_match(self.view, self.method):
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    location=OpenApiParameter.HEADER,
                    required=True,
                    description="The ETag of the version you edited (from its GET).",
                )
            )
        return parameters

    def get_auth(self):
        """Credentials are optional wherever the permission lets an anonymous caller through:
        reads governed by the selectors (what you may not see answers 404), and open views."""
        auths = super().get_auth()
        if {} in auths:
            return auths
        checks = [type(permission) for permission in self.view.get_permissions()]
        anonymous_allowed = all(
            check is permissions.AllowAny
            or (check is RoleWritePermission and self.method in permissions.SAFE_METHODS)
            or getattr(check, "anonymous_sees_not_found", False)
            for check in checks
        )
        return [*auths, {}] if anonymous_allowed else auths

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status_code in self.error_statuses():
            responses.setdefault(
                status_code,
                self._get_response_for_code(
                    OpenApiResponse(ErrorOutput, description=ERRORS[status_code]),
                    status_code,
                    media_types=["application/json"],
                    direction=direction,
                ),
            )
        return responses

    def error_statuses(self) -> list[str]:
        statuses = {"400", "403", "429"}
        has_body = self.method in WRITE_METHODS and self.get_request_serializer() is not None
        if "{" in self.path or has_body:
            statuses.add("404")
        if self.method in WRITE_METHODS:
            statuses.add("409")
        if has_body:
            statuses |= {"413", "415"}
        if edits_need_if_match(self.view, self.method):
            statuses |= {"412", "428"}
        # No 401: session authentication comes first, and it sends no challenge, so DRF
        # answers a missing or invalid credential with 403.
        return sorted(statuses)


class StrictSerializerSchema(OpenApiSerializerExtension):
    """A StrictSerializer refuses unknown fields (additionalProperties: false) and, when it
    names `required_any`, a body without any of those fields (anyOf of `required`)."""

    target_class = StrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        alternatives = getattr(self.target, "required_any", ())
        if alternatives:
            schema["anyOf"] = [{"required": [name]} for name in alternatives]
        return schema


class BoundedFilterSchema(DjangoFilterExtension):
    """Query parameters carry the bounds their filters enforce (lengths, id ranges)."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        extra = filter_field.extra
        for parameter in parameters:
            schema = parameter["schema"]
            if isinstance(filter_field, IdFilter):
                schema["type"] = "integer"
            if extra.get("max_length") is not None:
                schema["maxLength"] = extra["max_length"]
            if extra.get("min_value") is not None:
                schema["minimum"] = extra["min_value"]
            if extra.get("max_value") is not None:
                schema["maximum"] = extra["max_value"]
            if isinstance(filter_field, django_filters.ChoiceFilter) and not extra.get("required"):
                # Present means one of the values: an empty one is refused (StrictFilterSet).
                schema.pop("nullable", None)
        return parameters
