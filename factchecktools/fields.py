"""Partial responses: Google's `fields` system parameter.

`fields=claims(text,claimReview(url,publisher/site)),nextPageToken` keeps only those members:
names are separated by commas, `a/b` selects `b` inside `a`, `a(b,c)` selects several members
inside `a`, and `*` every member. A selection applies to each element of a list. Names that the
response does not have select nothing.
"""

import re
from typing import Any

from factchecktools.errors import invalid_argument

# A name -> its sub-selection; None selects the whole member.
Selection = dict[str, "Selection | None"]

_TOKEN = re.compile(r"[A-Za-z0-9_$.]+|\*|[(),/]")


def parse(spec: str) -> Selection:
    tokens = _tokens(spec)
    selection, position = _list(tokens, 0)
    if position != len(tokens):
        _fail(spec)
    return selection


def _tokens(spec: str) -> list[str]:
    compact = "".join(spec.split())
    tokens = _TOKEN.findall(compact)
    if "".join(tokens) != compact or not tokens:
        _fail(spec)
    return tokens


def _list(tokens: list[str], position: int) -> tuple[Selection, int]:
    selection: Selection = {}
    while True:
        path, position = _path(tokens, position)
        sub: Selection | None = None
        if position < len(tokens) and tokens[position] == "(":
            sub, position = _list(tokens, position + 1)
            if position >= len(tokens) or tokens[position] != ")":
                _fail("".join(tokens))
            position += 1
        _merge(selection, path, sub)
        if position < len(tokens) and tokens[position] == ",":
            position += 1
            continue
        return selection, position


def _path(tokens: list[str], position: int) -> tuple[list[str], int]:
    path = []
    while True:
        if position >= len(tokens) or tokens[position] in "(),/":
            _fail("".join(tokens))
        path.append(tokens[position])
        position += 1
        if position < len(tokens) and tokens[position] == "/":
            position += 1
            continue
        return path, position


def _merge(selection: Selection, path: list[str], sub: Selection | None) -> None:
    head, rest = path[0], path[1:]
    inner = _nest(rest, sub) if rest else sub
    if head not in selection:
        selection[head] = inner
    elif selection[head] is None or inner is None:
        # Selecting a whole member and part of it selects the whole member.
        selection[head] = None
    else:
        for name, value in inner.items():
            _merge(selection[head], [name], value)


def _nest(path: list[str], sub: Selection | None) -> Selection:
    for name in reversed(path):
        sub = {name: sub}
    return sub


def _fail(spec: str):
    raise invalid_argument(
        f"Invalid field selection {spec}", [("fields", f"Invalid field selection {spec}")]
    )


def select(data: Any, selection: Selection | None) -> Any:
    """`data` with only the selected members."""
    if selection is None:
        return data
    if isinstance(data, list):
        return [select(item, selection) for item in data]
    if not isinstance(data, dict):
        return data
    if "*" in selection:
        wildcard = selection["*"]
        return {
            name: select(value, selection.get(name, wildcard) if name in selection else wildcard)
            for name, value in data.items()
        }
    return {name: select(data[name], sub) for name, sub in selection.items() if name in data}
