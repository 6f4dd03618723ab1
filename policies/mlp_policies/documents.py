"""AWS policy documents (IAM policies, bucket policies) as rules read them.

On the wire a document is a JSON string (the components serialize it; `policy_docs.py`), or,
from hand-written programs, an already-parsed object. Either way a rule wants its statements
as a list of mappings, with `Action`, `Resource`, `Principal` normalized to lists.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlp_policies.values import known, strings

__all__ = ["Statement", "statements"]


@dataclass(frozen=True)
class Statement:
    """One statement; `actions`/`resources` hold `NotAction`/`NotResource` when `negated_*`."""

    sid: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    principals: tuple[str, ...]
    condition: Mapping[str, Any]
    negated_actions: bool = False
    negated_resources: bool = False

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    def describe(self, index: int) -> str:
        return f"statement {self.sid!r}" if self.sid else f"statement {index}"


def _condition(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _principals(value: Any) -> tuple[str, ...]:
    if isinstance(value, Mapping):
        return tuple(p for v in value.values() for p in strings(v))
    return tuple(strings(value))


def statements(document: Any, path: str = "policy") -> list[Statement] | None:
    """The document's statements, or None when it is not a policy document (unparseable JSON,
    no Statement). Raises Unknown when the document, or part of it, is not known yet."""
    known(document, path)
    if isinstance(document, str):
        try:
            document = known(json.loads(document), path)  # a sentinel may sit inside the JSON
        except ValueError:
            return None
    if not isinstance(document, Mapping) or "Statement" not in document:
        return None
    raw = document["Statement"]
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        negated_actions = "NotAction" in item and "Action" not in item
        negated_resources = "NotResource" in item and "Resource" not in item
        out.append(
            Statement(
                sid=str(item.get("Sid") or ""),
                effect=str(item.get("Effect") or ""),
                actions=tuple(strings(item.get("NotAction" if negated_actions else "Action"))),
                resources=tuple(strings(item.get("NotResource" if negated_resources else "Resource"))),
                principals=_principals(item.get("Principal")),
                condition=_condition(item.get("Condition")),
                negated_actions=negated_actions,
                negated_resources=negated_resources,
            )
        )
    return out
