"""What a rule is: metadata up front (Checkov/cdk-nag style) and a small pure check.

A `ResourceRule` judges one resource at a time: `check(resource, config) -> Outcome`.
A `StackRule` judges the whole stack, when a verdict needs several resources (a bucket and
its lifecycle configuration, every pool's GPUs): `check(stack, config) -> Iterable[Finding]`,
one finding per subject it judged.

Checks read properties with `Resource.get`, which raises `Unknown` for values not known
during preview; `evaluate` turns that into an `unknown` outcome, which is never a failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mlp_policies.resources import Cloud, Resource, Stack, cloud_of
from mlp_policies.values import Unknown

__all__ = [
    "ANY_TYPE",
    "PASS",
    "Config",
    "Finding",
    "Level",
    "Outcome",
    "ResourceRule",
    "Rule",
    "Severity",
    "StackRule",
    "Status",
    "combine",
    "fail",
    "judge",
    "not_applicable",
    "unknown",
]

Status = Literal["pass", "fail", "not-applicable", "unknown"]
Severity = Literal["low", "medium", "high", "critical"]
Level = Literal["advisory", "mandatory", "remediate", "disabled"]
Config = Mapping[str, Any]

ANY_TYPE = "*"  # in `resource_types`: the rule reads every resource type (and decides itself)
ID_PATTERN = re.compile(r"^MLP-\d{3}$")
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Outcome:
    """A rule's verdict on one subject. `messages` say what is wrong (fail only); `reason`
    says why a rule did not apply or could not decide."""

    status: Status
    messages: tuple[str, ...] = ()
    reason: str = ""


PASS = Outcome("pass")


def fail(*messages: str) -> Outcome:
    if not messages:
        raise ValueError("a failure needs at least one message")
    return Outcome("fail", tuple(messages))


def not_applicable(reason: str) -> Outcome:
    return Outcome("not-applicable", reason=reason)


def unknown(path: str) -> Outcome:
    return Outcome("unknown", reason=f"{path} is not known during preview")


def combine(outcomes: Iterable[Outcome]) -> Outcome:
    """Several partial verdicts on one subject: any failure fails (all messages kept), else
    any unknown is unknown, else any pass passes, else not applicable."""
    items = list(outcomes)
    failures = tuple(m for o in items if o.status == "fail" for m in o.messages)
    if failures:
        return Outcome("fail", failures)
    for status in ("unknown", "pass"):
        found = [o for o in items if o.status == status]
        if found:
            return found[0]
    return items[0] if items else not_applicable("nothing to check")


@dataclass(frozen=True)
class Finding:
    """A stack rule's verdict on one subject; `subject` None is the stack as a whole."""

    subject: Resource | None
    outcome: Outcome


def judge(subject: Resource | None, check: Callable[[], Outcome]) -> Finding:
    """Run one subject's check, turning an unknown value into an `unknown` finding, so one
    resource still being computed does not hide the verdicts on the others."""
    try:
        return Finding(subject, check())
    except Unknown as err:
        return Finding(subject, unknown(err.path))


@dataclass(frozen=True, kw_only=True)
class Rule:
    """Metadata shared by both kinds of rule.

    - `id`: `MLP-001`...; `name`: the CrossGuard policy name, kebab-case, saying what the rule
      ensures (it is also the key in `config/<env>.json` and in `mlplat-suppress` tags).
    - `resource_types`: the type tokens the rule reads (`ANY_TYPE` for all).
    - `equivalents`: the same check in other tools (`CKV_AWS_145`, `aws-s3-bucket-...`).
    - `config`: JSON-schema property definitions, each with a `default`; the engine validates
      `--policy-pack-config` against them and fills the defaults in.
    """

    id: str
    name: str
    description: str
    severity: Severity
    enforcement: Level = "mandatory"
    resource_types: frozenset[str]
    remediation: str
    equivalents: tuple[str, ...] = ()
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if not ID_PATTERN.match(self.id):
            problems.append(f"id {self.id!r} is not MLP-<three digits>")
        if not NAME_PATTERN.match(self.name):
            problems.append(f"name {self.name!r} is not kebab-case")
        if not self.description or not self.remediation:
            problems.append("description and remediation are required")
        if not self.resource_types:
            problems.append("resource_types is empty")
        missing = [k for k, v in self.config.items() if "default" not in v]
        if missing:
            problems.append(f"config properties without a default: {', '.join(missing)}")
        if problems:
            raise ValueError(f"rule {self.id} {self.name}: " + "; ".join(problems))

    @property
    def clouds(self) -> frozenset[Cloud]:
        """The clouds whose resource types the rule reads (all three for `ANY_TYPE`)."""
        if ANY_TYPE in self.resource_types:
            return frozenset(("aws", "gcp", "azure"))
        return frozenset(c for t in self.resource_types if (c := cloud_of(t)) is not None)

    def defaults(self) -> dict[str, Any]:
        return {key: spec["default"] for key, spec in self.config.items()}

    def settings(self, config: Config | None = None) -> dict[str, Any]:
        """Defaults overlaid with `config` (minus `enforcementLevel`)."""
        given = {k: v for k, v in (config or {}).items() if k != "enforcementLevel"}
        return {**self.defaults(), **given}

    def reads(self, type_token: str) -> bool:
        return ANY_TYPE in self.resource_types or type_token in self.resource_types


@dataclass(frozen=True, kw_only=True)
class ResourceRule(Rule):
    check: Callable[[Resource, Config], Outcome]

    def evaluate(self, resource: Resource, config: Config | None = None) -> Outcome:
        if not self.reads(resource.type):
            return not_applicable(f"{self.name} does not read {resource.type}")
        try:
            return self.check(resource, self.settings(config))
        except Unknown as err:
            return unknown(err.path)


@dataclass(frozen=True, kw_only=True)
class StackRule(Rule):
    check: Callable[[Stack, Config], Iterable[Finding]]

    def evaluate(self, stack: Stack, config: Config | None = None) -> list[Finding]:
        try:
            return list(self.check(stack, self.settings(config)))
        except Unknown as err:
            return [Finding(None, unknown(err.path))]
