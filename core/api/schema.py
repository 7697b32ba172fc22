"""The OpenAPI schema says what the code enforces, read from the code that enforces it: the
serializers' rules (closed objects, "one of these fields"), the filters' bounds, the pagination's
limits, the If-Match precondition on edits, who may call an operation without credentials, and
the error statuses each operation can answer, all in the one error shape (`Error`)."""

import re
import sys

from django_filters import rest_framework as django_filters
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers

from core.api.filters import MAX_ID, IdFilter
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


def _not_only_whitespace() -> str:
    """A character that str.strip() keeps (DRF trims with it), spelled out: `\\S` differs
    between Python and the ECMA dialect of schemas (the separators U+001C-U+001F, U+0085)."""
    stripped = [c for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    runs: list[list[int]] = []
    for code in stripped:
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    spelled = "".join(
        f"\\u{first:04x}" if first == last else f"\\u{first:04x}-\\u{last:04x}"
        for first, last in runs
    )
    return f"[^{spelled}]"


NOT_ONLY_WHITESPACE = _not_only_whitespace()


def edits_need_if_match(view, method: str) -> bool:
    """PATCH on the shared resource views goes through `update_with`, which checks If-Match."""
    from core.api.views import ResourceViewSet  # the views use this module's AutoSchema

    return method == "PATCH" and isinstance(view, ResourceViewSet)


class DeclaredErrors:
    """Mixed into an AutoSchema: every status of `error_statuses()` is declared with the API's
    error body (`error_output`) and a description from `error_descriptions`."""

    error_output = ErrorOutput
    error_descriptions = ERRORS

    def error_statuses(self) -> list[str]:
        raise NotImplementedError

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status_code in self.error_statuses():
            responses.setdefault(
                status_code,
                self._get_response_for_code(
                    OpenApiResponse(
                        self.error_output, description=self.error_descriptions[status_code]
                    ),
                    status_code,
                    media_types=["application/json"],
                    direction=direction,
                ),
            )
        return responses


class AutoSchema(DeclaredErrors, SpectacularAutoSchema):
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

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and isinstance(field, serializers.PrimaryKeyRelatedField):
            schema |= {"minimum": 1, "maximum": MAX_ID}
        return schema

    def _map_basic_serializer(self, serializer, direction):
        self._direction = direction  # for _insert_field_validators, which is not told
        return super()._map_basic_serializer(serializer, direction)

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if getattr(self, "_direction", None) != "request":
            return
        trimmed = isinstance(field, serializers.CharField) and field.trim_whitespace
        if trimmed and not field.allow_blank and "pattern" not in schema:
            # Surrounding whitespace is trimmed, so text of spaces alone is blank, and refused.
            schema["pattern"] = NOT_ONLY_WHITESPACE

    def _get_request_for_media_type(self, serializer, direction="request"):
        schema, required = super()._get_request_for_media_type(serializer, direction)
        # A body that must name one of several fields cannot be left out either.
        return schema, required or bool(getattr(serializer, "required_any", ()))

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
            for check in checks
        )
        return [*auths, {}] if anonymous_allowed else auths

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
    names `required_any`, a body without any of those fields (anyOf: one alternative per field,
    each requiring it)."""

    target_class = StrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        alternatives = getattr(self.target, "required_any", ())
        if not alternatives:
            return schema
        required = schema.get("required", [])
        if len(alternatives) == 1:
            return {**schema, "required": [*required, *alternatives]}
        # Whole alternatives, not bare `required` constraints: client generators turn each into
        # a model with every field. The properties stay beside them too, where form encoders
        # look up which parts are files.
        return {**schema, "anyOf": [{**schema, "required": [*required, n]} for n in alternatives]}


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


def only_under_path_prefix(endpoints):
    """A schema describes one API: the views under its SCHEMA_PATH_PREFIX (/api/v1, or
    /v1alpha1 for the Fact Check Tools API's own schema)."""
    prefix = re.compile(spectacular_settings.SCHEMA_PATH_PREFIX)
    return [endpoint for endpoint in endpoints if prefix.match(endpoint[0])]


def add_links(result, generator, request, public):
    """OpenAPI links, read off the routes, so that clients (and schemathesis's stateful tests)
    can follow what a response leads to: from a created object to every operation on it (edits
    with the ETag it came with), from a read to the edit with that read's ETag, and from a
    created object to the creations that reference it by name (a claim to its verdict)."""
    paths = result.get("paths", {})
    schemas = result.get("components", {}).get("schemas", {})
    operations = {
        (path, method): operation
        for path, methods in paths.items()
        for method, operation in methods.items()
    }
    for (path, method), operation in operations.items():
        if method == "post" and "201" in operation["responses"] and not path.endswith("}/"):
            links = _links_from_created(path, operations, schemas)
            if links:
                operation["responses"]["201"]["links"] = links
        patch = operations.get((path, "patch"))
        if method == "get" and path.endswith("{id}/") and patch and _needs_if_match(patch):
            operation["responses"]["200"]["links"] = {
                "edit": {
                    "operationId": patch["operationId"],
                    "parameters": {
                        "path.id": "$request.path.id",
                        "header.If-Match": "$response.header.ETag",
                    },
                }
            }
    return result


def _needs_if_match(operation) -> bool:
    return any(p["name"] == "If-Match" for p in operation.get("parameters", []))


def _links_from_created(collection: str, operations, schemas) -> dict:
    links = {}
    detail = f"{collection}{{id}}/"
    for (path, method), target in operations.items():
        if path.startswith(detail) and path.count("{") == 1:
            parameters = {"path.id": "$response.body#/id"}
            if _needs_if_match(target):
                parameters["header.If-Match"] = "$response.header.ETag"
            links[target["operationId"]] = {
                "operationId": target["operationId"],
                "parameters": parameters,
            }
        elif method == "post" and not path.endswith("}/") and path != collection:
            reference = _reference_to(collection, target, schemas)
            if reference:
                links[target["operationId"]] = {
                    "operationId": target["operationId"],
                    "requestBody": {reference: "$response.body#/id"},
                }
    return links


def _reference_to(collection: str, operation, schemas) -> str | None:
    """The body property that names an object of `collection` by id (`claim` for /claims/)."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content or "$ref" not in content["schema"]:
        return None
    required = schemas[content["schema"]["$ref"].rsplit("/", 1)[1]].get("required", [])
    name = collection.rstrip("/").rsplit("/", 1)[1]
    return next((c for c in (name.removesuffix("s"), name) if c in required), None)
