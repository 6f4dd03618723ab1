"""Joins over a synthesized stack that the pricers need.

* Component -> blueprint entry: our components are `mlplat:<cloud>:<Type>` resources named
  after the blueprint entry they build (`mlplat:aws:GpuNodePool::train` is `gpuPools[name=train]`,
  `AutoscalingGroup::<autoscalingGroups[].name>`, `TieredBucket::<buckets[].name>`). A priced
  resource's blueprint entry is found by walking its parent URNs up to the nearest such
  component and looking the component's name up in the Blueprint. This is the only place the
  estimator reads the blueprint, and only for what the resources do not carry: expected
  average node counts and expected bucket sizes.
* Siblings: a bucket's lifecycle configuration, a group's launch template or autoscaler are
  found by reference (an input equal to the target's id / name / self link / bucket output)
  or, failing that, as the one sibling of that type under the same component.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from blueprint.engine.model import UNKNOWN, ResourceGraph, ResourceRecord, urn_type_and_name

_IDENTIFIERS = ("id", "name", "arn", "selfLink", "bucket", "accountName")


def urn_type(urn: str) -> str:
    """`urn:pulumi:s::p::a$b$c::n` -> `c`."""
    return urn_type_and_name(urn)[0]


def urn_name(urn: str) -> str:
    return urn.rsplit("::", maxsplit=1)[-1]


def props(record: ResourceRecord) -> dict[str, Any]:
    """Outputs overlaid with inputs: what the program asked for wins over mock outputs."""
    return {**dict(record.outputs), **dict(record.inputs)}


def get(value: Any, *path: str | int, default: Any = None) -> Any:
    for key in path:
        if isinstance(key, int):
            if not isinstance(value, list) or key >= len(value):
                return default
            value = value[key]
        else:
            if not isinstance(value, Mapping) or key not in value:
                return default
            value = value[key]
    if value is None or value == UNKNOWN:
        return default
    return value


def number(value: Any, default: float | None = None) -> float | None:
    if value is None or value == UNKNOWN or isinstance(value, bool):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True)
class StackView:
    graph: ResourceGraph

    @property
    def records(self) -> tuple[ResourceRecord, ...]:
        return self.graph.resources

    def of_type(self, *types: str) -> list[ResourceRecord]:
        return [r for r in self.records if r.type in types]

    def component(self, record: ResourceRecord) -> tuple[str, str] | None:
        """(component type, component name) of the nearest `mlplat:` ancestor that is not
        the Platform itself."""
        parent = record.parent
        while parent:
            kind = urn_type(parent)
            if kind.startswith("mlplat:") and not kind.endswith(":Platform"):
                return kind, urn_name(parent)
            parent = self._parent_of(parent)
        return None

    def _parent_of(self, urn: str) -> str | None:
        rec = self._by_urn.get(urn)
        return rec.parent if rec else None

    @property
    def _by_urn(self) -> dict[str, ResourceRecord]:
        cached: dict[str, ResourceRecord] | None = self.__dict__.get("_urn_cache")
        if cached is None:
            cached = {r.urn: r for r in self.records}
            object.__setattr__(self, "_urn_cache", cached)
        return cached

    def siblings(self, record: ResourceRecord, *types: str) -> list[ResourceRecord]:
        return [r for r in self.of_type(*types) if r.parent == record.parent and r.urn != record.urn]

    def referencing(
        self, target: ResourceRecord, candidates: Iterable[ResourceRecord], prop: str
    ) -> list[ResourceRecord]:
        """Which candidates point at `target` through `prop` (by value), else its siblings."""
        ids = identifiers(target)
        pool = list(candidates)
        by_value = [c for c in pool if ids & set(_strings(props(c).get(prop)))]
        if by_value:
            return by_value
        return [c for c in pool if c.parent == target.parent and target.parent is not None]


def identifiers(record: ResourceRecord) -> set[str]:
    values = props(record)
    found = {s for key in _IDENTIFIERS for s in _strings(values.get(key))}
    if record.id:
        found.add(record.id)
    return {s for s in found if s and s != UNKNOWN}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
