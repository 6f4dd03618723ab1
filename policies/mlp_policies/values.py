"""Reading resource properties in Pulumi's wire form, where any value may be unknown.

During `pulumi preview` a value computed from another resource's output is not known yet; the
engine sends a sentinel string in its place. A rule must never fail on such a value: it reads
properties through `get`, which raises `Unknown` when the value it would return is (or holds)
a sentinel, and the framework turns that into an `unknown` outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

__all__ = [
    "UNKNOWN_SENTINELS",
    "UNKNOWN_STRING",
    "Unknown",
    "as_bool",
    "as_number",
    "fmt",
    "get",
    "is_sentinel",
    "known",
    "known_strings",
    "strings",
]

# The engine's placeholders for values not known during preview (pulumi/sdk/go/common/resource
# `UnknownBoolValue`, ... and `pulumi_policy.proxy`), one per type.
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        UNKNOWN_STRING,  # string
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)

Key = str | int
T = TypeVar("T")


class Unknown(Exception):  # a state rather than an error: the value is not known yet
    """A value a rule needs is not known during preview; `path` says which one."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path or '(resource)'} is not known during preview")
        self.path = path


def is_sentinel(value: object) -> bool:
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def _path(keys: Iterable[Key]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def _first_unknown(value: Any, trail: tuple[Key, ...]) -> tuple[Key, ...] | None:
    if is_sentinel(value):
        return trail
    if isinstance(value, Mapping):
        for k, v in value.items():
            found = _first_unknown(v, (*trail, str(k)))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found = _first_unknown(v, (*trail, i))
            if found is not None:
                return found
    return None


def known(value: T, path: str = "") -> T:
    """`value` itself, or raise Unknown if it is or holds an unknown sentinel."""
    found = _first_unknown(value, ())
    if found is not None:
        sub = _path(found)
        if path and sub and not sub.startswith("["):
            sub = "." + sub
        raise Unknown(path + sub)
    return value


def get(props: Mapping[str, Any], *path: Key, default: Any = None) -> Any:
    """The value at `path` (keys and list indexes), or `default` when absent or null.

    Raises Unknown when the value, or anything inside it, or any step on the way is unknown.
    """
    current: Any = props
    for depth, key in enumerate(path):
        if is_sentinel(current):
            raise Unknown(_path(path[:depth]))
        if isinstance(key, int):
            if not isinstance(current, Sequence) or isinstance(current, str) or not -len(current) <= key < len(current):
                return default
            current = current[key]
        else:
            if not isinstance(current, Mapping) or key not in current:
                return default
            current = current[key]
    if current is None:
        return default
    found = _first_unknown(current, ())
    if found is not None:
        raise Unknown(_path((*path, *found)))
    return current


def as_number(value: Any) -> float | None:
    """Wire numbers are floats (2.0); some providers send numbers as strings. None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def as_bool(value: Any) -> bool | None:
    """Wire booleans are bools, but nested provider fields are often "true"/"false" strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def fmt(value: float | int | None) -> str:
    """2 rather than 2.0 in messages."""
    if value is None:
        return "unset"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def strings(value: Any) -> list[str]:
    """A string or a list of strings as a list (anything else dropped)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def known_strings(value: Any) -> list[str]:
    """Every known, non-empty string anywhere inside a property value (a name, a list of ids,
    an `{id, version}` object); unknown sentinels are left out rather than raised."""
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in known_strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in known_strings(v)]
    return [s for s in strings(value) if s and not is_sentinel(s)]
