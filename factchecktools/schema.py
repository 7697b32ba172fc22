"""The /v1alpha1/schema/: the Fact Check Tools API's OpenAPI schema, read from the code that
answers it, so that it says what Google's discovery document says for the methods we serve
(`factchecktools.v1alpha1`: its paths, parameters and resource names) and no more than we do:
the query parameters and their checks (each view's `query_parameters`, params.Param), the
response resources (the output serializers beside the builders in resources.py), the request
body (serializers.py) and the errors, in Google's error JSON (errors.ErrorOutput), for every
status the method can answer.

Google's system parameters (`fields`, `prettyPrint`, `alt`, `quotaUser`, `$.xgafv`) are
accepted on every method but left out here. The API key is declared as Google's document
declares it, the `key` query parameter (the X-API-Key header and a bearer token work too, as on
/api/v1/). As Google does, an invalid key answers 400 INVALID_ARGUMENT (API_KEY_INVALID), not
401: Google's client libraries read that reason.
"""

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView

from core.api.schema import DeclaredErrors
from factchecktools.errors import ErrorOutput
from factchecktools.params import INT32_MAX, INT32_MIN, Param
from factchecktools.resources import Output

ERRORS = {
    "400": "INVALID_ARGUMENT: a parameter or the body is invalid (each named in the "
    "google.rpc.BadRequest detail), the API key is invalid (ErrorInfo API_KEY_INVALID), or "
    "FAILED_PRECONDITION.",
    "403": "PERMISSION_DENIED: no API key, or not one of a role that may call this method.",
    "404": "NOT_FOUND.",
    "409": "ALREADY_EXISTS (a page with this URL, a verdict already published) or ABORTED "
    "(versionId is not the current one; a concurrent change).",
    "429": "RESOURCE_EXHAUSTED: the key's rate is exceeded; see Retry-After.",
    "503": "UNAVAILABLE: retry after Retry-After seconds.",
    "504": "DEADLINE_EXCEEDED: the image could not be fetched in time.",
}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def parameter_schema(param: Param) -> dict[str, Any]:
    if param.kind == "int32":
        schema = {"type": "integer", "format": "int32", "minimum": INT32_MIN}
        schema["maximum"] = INT32_MAX
    else:
        schema = {"type": "string"}
    return schema | dict(param.constraints)


class FactCheckToolsSchema(DeclaredErrors, AutoSchema):
    """For factchecktools.views.FactCheckToolsView: the view declares its query parameters by
    method (`query_parameters`) and the error statuses beyond the ones every method answers
    (`more_error_statuses`)."""

    error_output = ErrorOutput
    error_descriptions = ERRORS

    def get_tags(self) -> list[str]:
        return ["pages" if "/pages" in self.path else "claims"]

    def get_auth(self):
        return [requirement for requirement in super().get_auth() if "QueryKey" in requirement]

    def get_override_parameters(self):
        params = getattr(self.view, "query_parameters", {}).get(self.method, ())
        return [
            *super().get_override_parameters(),
            *(
                OpenApiParameter(
                    param.name,
                    type=parameter_schema(param),
                    location=OpenApiParameter.QUERY,
                    required=param.required,
                    description=param.description,
                )
                for param in params
            ),
        ]

    def error_statuses(self) -> list[str]:
        # Every method checks its parameters and the key, counts against the key's rate and
        # reads the database (503 while it is unreachable).
        statuses = {"400", "403", "429", "503"}
        if "{" in self.path:
            statuses.add("404")
        if self.method in WRITE_METHODS:
            statuses.add("409")
        statuses |= set(getattr(self.view, "more_error_statuses", {}).get(self.method, ()))
        return sorted(statuses)


def operation(operation_id: str, **kwargs: Any):
    """`extend_schema` for a FactCheckToolsView method, on FactCheckToolsSchema. Given a plain
    method, extend_schema builds on the default schema class (/api/v1's), and merging that with
    the view's puts /api/v1's rules first."""

    def decorator(method):
        method.schema = FactCheckToolsSchema
        return extend_schema(operation_id=operation_id, **kwargs)(method)

    return decorator


class ClosedOutputSchema(OpenApiSerializerExtension):
    """A resource has the members its serializer names and no others."""

    target_class = Output
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        return {**schema, "additionalProperties": False}


class FactCheckToolsSchemaView(SpectacularAPIView):
    custom_settings = {
        "TITLE": "Fact Check Tools API",
        "DESCRIPTION": (
            "Google's Fact Check Tools API v1alpha1 (discovery document "
            "`factchecktools.v1alpha1`), on this newsroom's data: claims:search, "
            "claims:imageSearch and the ClaimReview markup pages. Errors are Google's error JSON."
        ),
        "VERSION": "v1alpha1",
        "SCHEMA_PATH_PREFIX": "/v1alpha1",
        "PREPROCESSING_HOOKS": ["core.api.schema.only_under_path_prefix"],
        "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums"],
    }
