"""Data passed between the offline engine's stages: synth -> analyze -> report.

Property values are kept in Pulumi's wire form (what `pulumi.runtime.rpc.serialize_properties`
produces and the engine sends to analyzers): plain JSON values, with the unknown sentinel
string `UNKNOWN` for values not known at preview time and secrets wrapped as
`{SECRET_SIG_KEY: SECRET_SIG_VALUE, "value": ...}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270"

Level = Literal["advisory", "mandatory", "remediate", "disabled"]


def urn_type_and_name(urn: str) -> tuple[str, str]:
    """(type, name) of `urn:pulumi:<stack>::<project>::<parent types$type>::<name>`; ("", urn)
    for anything else. Names may contain "::", so only the first three separators split."""
    parts = urn.split("::", 3)
    if len(parts) != 4:
        return "", urn
    return parts[2].rsplit("$", 1)[-1], parts[3]


@dataclass(frozen=True, kw_only=True)
class ResourceRecord:
    """One resource registration as the engine saw it (after transforms)."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None
    provider: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: tuple[str, ...] = ()
    delete_before_replace: bool = False


@dataclass(frozen=True, kw_only=True)
class ResourceGraph:
    """Everything one stack's program registered, in registration order."""

    project: str
    stack: str
    resources: tuple[ResourceRecord, ...]

    def by_urn(self) -> dict[str, ResourceRecord]:
        return {r.urn: r for r in self.resources}


@dataclass(frozen=True, kw_only=True)
class PolicyInfo:
    """A policy as the pack describes it in GetAnalyzerInfo."""

    name: str
    display_name: str
    description: str
    level: Level
    message: str = ""
    severity: str = ""
    config_schema: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Diagnostic:
    """One violation reported by a pack."""

    policy: str
    pack: str
    pack_version: str
    level: Level
    message: str
    description: str = ""
    severity: str = ""
    urn: str | None = None


@dataclass(frozen=True, kw_only=True)
class AnalysisResult:
    """A pack's verdict on one stack."""

    pack: str
    pack_version: str
    policies: tuple[PolicyInfo, ...]
    diagnostics: tuple[Diagnostic, ...]
    # (policy name, urn) pairs that were evaluated: one per resource policy x resource analyzed
    # plus one per stack policy (urn None). JUnit reports one testcase per pair.
    evaluated: tuple[tuple[str, str | None], ...] = ()
    # (policy name, urn) pairs whose remediation rewrote the resource's inputs before analysis,
    # as the engine does for policies at level "remediate".
    remediated: tuple[tuple[str, str], ...] = ()
