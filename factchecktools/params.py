"""Query parameters as Google's API front end reads them.

Each method declares its parameters (names and types from the discovery document); they may be
sent by JSON name (`pageSize`) or by proto field name (`page_size`), once each. A parameter the
method does not have is refused as Google refuses it ("Cannot bind query parameter"), and so is
a value of the wrong type ("Invalid value at 'page_size' (TYPE_INT32)"). Google's system
parameters (`key`, `alt`, `fields`, `prettyPrint`, `quotaUser`, `$.xgafv`) are accepted on every
method; the rest of them (JSONP, OAuth tokens, uploads) are refused with the reason.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.http import QueryDict

from factchecktools.errors import invalid_argument

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
_INTEGER = re.compile(r"^[+-]?[0-9]+$")

SYSTEM_PARAMETERS = frozenset({"key", "alt", "fields", "prettyPrint", "quotaUser", "$.xgafv"})
UNSUPPORTED_SYSTEM_PARAMETERS = {
    "callback": "JSONP is not supported; call the API with an HTTP client.",
    "access_token": "OAuth is not supported; send an API key as `key` or as a bearer token.",
    "oauth_token": "OAuth is not supported; send an API key as `key` or as a bearer token.",
    "uploadType": "This API takes no uploads.",
    "upload_protocol": "This API takes no uploads.",
}


@dataclass(frozen=True)
class Param:
    name: str  # the JSON name, as the discovery document spells it
    field: str  # the proto field name, as errors name it
    kind: Literal["string", "int32"] = "string"
    # What the method checks of the value beyond its type, as JSON Schema (minimum, pattern...),
    # and what it is for: the /v1alpha1/schema/ reads them (factchecktools.schema).
    constraints: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    description: str = ""
    required: bool = False


def _raw_values(query: QueryDict, param: Param) -> list[str]:
    names = {param.name, param.field}
    return [value for name in names for value in query.getlist(name)]


def parse(query: QueryDict, params: tuple[Param, ...]) -> dict[str, Any]:
    """The method's parameters by proto field name (absent ones left out), or INVALID_ARGUMENT
    naming every parameter at fault."""
    known = {name for param in params for name in (param.name, param.field)} | SYSTEM_PARAMETERS
    violations: list[tuple[str, str]] = []
    for name in query:
        if name in UNSUPPORTED_SYSTEM_PARAMETERS:
            violations.append((name, UNSUPPORTED_SYSTEM_PARAMETERS[name]))
        elif name not in known:
            violations.append(
                (
                    "",
                    f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                    f"parameter. Field '{name}' could not be found in request message.",
                )
            )
    values: dict[str, Any] = {}
    for param in params:
        raw = _raw_values(query, param)
        if not raw:
            continue
        if len(raw) > 1:
            violations.append((param.field, f"Parameter '{param.field}' is given more than once."))
            continue
        if param.kind == "int32":
            number = _int32(raw[0])
            if number is None:
                violations.append(
                    (param.field, f"Invalid value at '{param.field}' (TYPE_INT32), \"{raw[0]}\"")
                )
                continue
            values[param.field] = number
        else:
            values[param.field] = raw[0]
    violations += _system_violations(query)
    if violations:
        raise invalid_argument(_first(violations), violations)
    return values


def _int32(raw: str) -> int | None:
    if not _INTEGER.match(raw):
        return None
    number = int(raw)
    return number if INT32_MIN <= number <= INT32_MAX else None


def _system_violations(query: QueryDict) -> list[tuple[str, str]]:
    violations = []
    alt = query.get("alt")
    if alt is not None and alt != "json":
        violations.append(("alt", f"alt={alt} is not supported; responses are JSON."))
    pretty = query.get("prettyPrint")
    if pretty is not None and pretty not in ("true", "false"):
        violations.append(("prettyPrint", f'Invalid value for prettyPrint: "{pretty}".'))
    xgafv = query.get("$.xgafv")
    if xgafv is not None and xgafv not in ("1", "2"):
        violations.append(("$.xgafv", f'Invalid value for $.xgafv: "{xgafv}".'))
    return violations


def _first(violations: list[tuple[str, str]]) -> str:
    field, description = violations[0]
    return description if not field or field in description else f"{field}: {description}"


def pretty(query: QueryDict) -> bool:
    """Google indents its JSON unless asked not to (`prettyPrint=false`)."""
    return query.get("prettyPrint", "true") == "true"
