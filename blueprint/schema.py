"""The blueprint JSON Schema and its errors as one short line each."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from blueprint.errors import format_path

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
}


@cache
def schema() -> dict[str, Any]:
    text = resources.files("blueprint").joinpath("schema.json").read_text(encoding="utf-8")
    return cast(dict[str, Any], json.loads(text))


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def schema_problems(instance: Any) -> Iterator[tuple[str, str]]:
    """(path, message) for every schema violation, in document order."""
    errors = sorted(_validator().iter_errors(instance), key=lambda e: _sort_key(e.absolute_path))
    for error in errors:
        yield from _describe(error)


def _sort_key(path: Any) -> tuple[tuple[int, str], ...]:
    return tuple((0, f"{p:09d}") if isinstance(p, int) else (1, str(p)) for p in path)


def _got(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _describe(e: ValidationError) -> Iterator[tuple[str, str]]:
    path = list(e.absolute_path)
    v, arg = e.validator, cast(Any, e.validator_value)
    sub = cast(dict[str, Any], e.schema) if isinstance(e.schema, dict) else {}
    if v == "required":
        missing = e.message.split("'")[1]
        when = _condition(e)
        yield format_path([*path, missing]), f"is required{when}"
    elif v == "additionalProperties" and isinstance(e.instance, dict):
        known = list(sub.get("properties", {}))
        for key in sorted(k for k in e.instance if k not in known):
            if not known:  # a free-form map whose values failed their schema
                continue
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "expected one of: " + ", ".join(known)
            yield format_path([*path, key]), f"unknown key ({hint})"
    elif v == "type":
        types = [arg] if isinstance(arg, str) else list(arg)
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
        yield format_path(path), f"must be {wanted} (got {_got(e.instance)})"
    elif v == "enum":
        yield format_path(path), f"must be one of {', '.join(map(str, arg))} (got {_got(e.instance)})"
    elif v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        op = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[v]
        yield format_path(path), f"must be {op} {arg} (got {_got(e.instance)})"
    elif v in ("minLength", "maxLength"):
        word = "at least" if v == "minLength" else "at most"
        yield format_path(path), f"must be {word} {arg} characters long"
    elif v in ("minItems", "maxItems"):
        word = "at least" if v == "minItems" else "at most"
        yield format_path(path), f"must have {word} {arg} item{'s' if arg != 1 else ''}"
    elif v == "uniqueItems":
        yield format_path(path), "must not contain duplicates"
    elif v == "pattern":
        hint = sub.get("description") or f"must match {arg}"
        yield format_path(path), f"{_got(e.instance)} is not valid: {hint}"
    else:
        yield format_path(path), e.message


def _condition(e: ValidationError) -> str:
    """Explain if/then requirements: `$.gcp: is required when cloud is gcp`."""
    if "then" in e.relative_schema_path or "then" in e.schema_path:
        parent = e.parent
        root = parent.instance if parent is not None else e.instance
        if isinstance(root, dict) and "cloud" in root:
            return f" when cloud is {root['cloud']}"
    return ""
