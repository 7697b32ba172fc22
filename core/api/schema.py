"""Every operation documents the error responses it can give, all in the one error shape."""

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "details"],
    "properties": {
        "code": {"type": "string", "description": "Stable, machine-readable error code."},
        "message": {"type": "string"},
        "details": {
            "type": "object",
            "description": "Errors per field path, e.g. `appearances.0.url`.",
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    },
}

COMMON = {
    "400": "Invalid input, query parameter or cursor.",
    "403": "Not allowed for your role, or not authenticated.",
    "429": "Rate limit exceeded; see Retry-After.",
}
ON_OBJECT = {"404": "Not found, or not visible to you."}
ON_WRITE = {"409": "Conflicts with the current state.", "413": "Request body too large."}
ON_EDIT = {
    "412": "If-Match does not match the current ETag.",
    "428": "If-Match is required to edit.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            errors = dict(COMMON)
            if "{" in path:
                errors |= ON_OBJECT
            if method in ("post", "patch", "delete"):
                errors |= ON_WRITE
            if method == "patch":
                errors |= ON_EDIT
            responses = operation.setdefault("responses", {})
            for status_code, description in errors.items():
                responses.setdefault(
                    status_code, {"description": description, "content": reference}
                )
    return result
