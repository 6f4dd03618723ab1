"""The resources a rule sees: plain frozen views of what CrossGuard hands a policy, and the
stack with the joins rules need (a bucket's sibling resources, a group's launch template).

Property values stay in wire form (camelCase names, JSON policy documents as strings, unknown
sentinels where the engine sent them); read them with `Resource.get`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from mlp_policies.values import get, is_sentinel, known_strings, strings

Cloud = Literal["aws", "gcp", "azure"]
_CLOUD_PREFIXES: dict[str, Cloud] = {"aws": "aws", "gcp": "gcp", "azure-native": "azure"}
# Output properties that hold a resource's name or id, for joins by value.
_IDENTIFIERS = ("id", "name", "arn", "selfLink", "bucket", "accountName", "nodeGroupName")


def cloud_of(type_token: str) -> Cloud | None:
    """`aws:s3/bucket:Bucket` -> "aws"; component and provider types -> None."""
    return _CLOUD_PREFIXES.get(type_token.split(":", 1)[0])


@dataclass(frozen=True, kw_only=True)
class Resource:
    """One resource: its type token, name, URN and properties (inputs for resource policies,
    outputs for stack policies), plus what the engine says about its place in the stack."""

    type: str
    name: str
    props: Mapping[str, Any] = field(default_factory=dict)
    urn: str = ""
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    protect: bool = False
    provider: Mapping[str, Any] | None = None  # the provider's own properties, when known

    def __post_init__(self) -> None:
        if not self.urn:
            object.__setattr__(self, "urn", f"urn:pulumi:stack::project::{self.type}::{self.name}")

    @property
    def cloud(self) -> Cloud | None:
        return cloud_of(self.type)

    def get(self, *path: str | int, default: Any = None) -> Any:
        """`values.get` on this resource's properties."""
        return get(self.props, *path, default=default)

    def __str__(self) -> str:
        return f"{self.type.rsplit(':', 1)[-1]} {self.name}"


@dataclass(frozen=True)
class Stack:
    """Every resource of one stack, in the order the engine sent them."""

    resources: tuple[Resource, ...]

    @cached_property
    def by_urn(self) -> dict[str, Resource]:
        return {r.urn: r for r in self.resources}

    def of_type(self, *types: str | Iterable[str]) -> list[Resource]:
        wanted: set[str] = set()
        for t in types:
            wanted.update([t] if isinstance(t, str) else t)
        return [r for r in self.resources if r.type in wanted]

    def references(self, source: Resource, prop: str, candidates: Iterable[Resource]) -> list[Resource]:
        """Which of `candidates` the top-level property `prop` of `source` points at.

        By the engine's property dependencies first (exact, and known even during preview);
        then by value (the property equals a candidate's id, name, ARN or self link); then, when
        `source` depends on exactly one candidate, that one.
        """
        pool = list(candidates)
        urns = {c.urn for c in pool}
        linked = [self.by_urn[u] for u in source.property_dependencies.get(prop, ()) if u in urns]
        if linked:
            return linked
        wanted = set(known_strings(source.props.get(prop)))
        if wanted:
            by_value = [c for c in pool if wanted & _identifiers(c)]
            if by_value:
                return by_value
        depended = [c for c in pool if c.urn in source.dependencies]
        return depended if len(depended) == 1 else []

    def aws_references(self, source: Resource, props: Iterable[str], candidates: Iterable[Resource]) -> list[Resource]:
        """Which of `candidates` any of the properties `props` of `source` point at, the AWS way:
        by the engine's property dependencies and by AWS id (`aws_ids`: the `id` or `name`, or the
        tail of the ARN, which is how security group and subnet ids appear), both counted.

        Unlike `references` there is no fallback to a single dependency: a template's security
        groups or a group's subnets are named, never implied.
        """
        props = tuple(props)
        by_urn = {c.urn: c for c in candidates}
        found = {u: by_urn[u] for p in props for u in source.property_dependencies.get(p, ()) if u in by_urn}
        ids = aws_index(by_urn.values())
        for value in known_strings([source.props.get(p) for p in props]):
            if value in ids:
                found.setdefault(ids[value].urn, ids[value])
        return list(found.values())

    def attached(self, targets: Iterable[Resource], kinds: Iterable[str], prop: str) -> dict[str, list[Resource]]:
        """For each target (by URN): the resources of type `kinds` whose `prop` points at it.

        A resource whose `prop` cannot be resolved to any target is attached to the one target
        sharing its parent, if there is exactly one: components create a bucket and its
        sibling configurations side by side.
        """
        targets = list(targets)
        out: dict[str, list[Resource]] = {t.urn: [] for t in targets}
        for child in self.of_type(*kinds):
            found = self.references(child, prop, targets)
            if not found and child.parent is not None:
                same_parent = [t for t in targets if t.parent == child.parent]
                found = same_parent if len(same_parent) == 1 else []
            for target in found:
                out[target.urn].append(child)
        return out


def _identifiers(resource: Resource) -> set[str]:
    return {s for key in _IDENTIFIERS for s in strings(resource.props.get(key)) if s and not is_sentinel(s)}


def aws_ids(resource: Resource) -> list[str]:
    """The known values other AWS resources name `resource` by: its `id` and `name`, and the
    tail of its ARN (`arn:aws:ec2:...:security-group/sg-0abc` -> `sg-0abc`)."""
    out = [v for key in ("id", "name") if isinstance(v := resource.props.get(key), str) and v and not is_sentinel(v)]
    arn = resource.props.get("arn")
    if isinstance(arn, str) and "/" in arn and not is_sentinel(arn):
        out.append(arn.rsplit("/", 1)[-1])
    return out


def aws_index(resources: Iterable[Resource]) -> dict[str, Resource]:
    """`aws_ids` -> resource, for joins by value (a later resource wins a shared id)."""
    return {i: r for r in resources for i in aws_ids(r)}
