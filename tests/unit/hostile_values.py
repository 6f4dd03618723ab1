"""Hostile values for the loader and CLI tests: every place the blueprint schema allows a string
(derived from schema.json, so a new field is covered the day it is added), `secure:` values
with recognisable ciphertexts, and a way to put a value at any such place in a blueprint."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from blueprint.schema import schema

Path = tuple[str | int, ...]
# A made-up ciphertext in Pulumi's shape (`v1:` nonce:payload for the passphrase provider);
# MARK is what the tests look for: no output, message or file may ever contain it.
MARK = "CIPHERTEXTqz7"
MAP_KEY = "extra"  # the key used for free-form maps (tags, labels)


def ciphertext(n: int = 0) -> str:
    return f"v1:AAABAG{n:04d}{MARK}{'x' * 32}"


def secure(n: int = 0) -> dict[str, str]:
    return {"secure": ciphertext(n)}


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return dict(schema()["$defs"][ref.removeprefix("#/$defs/")])
    return node


def _allows_string(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    enum = node.get("enum") or []
    return (
        kind == "string"
        or (isinstance(kind, list) and "string" in kind)
        or "pattern" in node
        or any(isinstance(v, str) for v in enum)
    )


def string_positions() -> list[Path]:
    """Every path the schema types as a string: list items at index 0, map values at MAP_KEY."""
    found: list[Path] = []
    stack: list[tuple[dict[str, Any], Path]] = [(schema(), ())]
    while stack:
        node, path = stack.pop()
        node = _resolve(node)
        if _allows_string(node) and path:
            found.append(path)
        for key, sub in (node.get("properties") or {}).items():
            stack.append((sub, (*path, key)))
        if isinstance(node.get("items"), dict):
            stack.append((node["items"], (*path, 0)))
        if isinstance(node.get("additionalProperties"), dict):
            stack.append((node["additionalProperties"], (*path, MAP_KEY)))
        for word in ("allOf", "anyOf", "oneOf"):
            stack.extend((sub, path) for sub in node.get(word) or [])
    return sorted(set(found), key=str)


def container_positions() -> list[Path]:
    """Every mapping or list in the schema: a `secure:` value there (`tags: {secure: ...}`) is a
    secret to Pulumi, never a map with a key named `secure`."""
    found: list[Path] = []
    stack: list[tuple[dict[str, Any], Path]] = [(schema(), ())]
    while stack:
        node, path = stack.pop()
        node = _resolve(node)
        if node.get("type") in ("object", "array") and path:
            found.append(path)
        for key, sub in (node.get("properties") or {}).items():
            stack.append((sub, (*path, key)))
        if isinstance(node.get("items"), dict):
            stack.append((node["items"], (*path, 0)))
        if isinstance(node.get("additionalProperties"), dict):
            stack.append((node["additionalProperties"], (*path, MAP_KEY)))
    return sorted(set(found), key=str)


def put(blueprint: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    """A copy of `blueprint` with `value` at `path`, creating the containers on the way (a list
    item 0 is the existing first item, or a new mapping)."""
    out = copy.deepcopy(blueprint)
    node: Any = out
    for part, following in itertools.pairwise(path):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(part, int):
            if not node:
                node.append(empty)
            node = node[0]
        else:
            if not isinstance(node.get(part), (dict, list)):
                node[part] = empty
            node = node[part]
    last = path[-1]
    if isinstance(last, int):
        if node:
            node[0] = value
        else:
            node.append(value)
    else:
        node[last] = value
    return out
