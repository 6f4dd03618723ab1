"""Thin adapters from rules to CrossGuard policies (`pulumi_policy`).

- A `ResourceRule` becomes a `ResourceValidationPolicy`, a `StackRule` a
  `StackValidationPolicy`; each failure message is reported at the policy's enforcement level.
- Resource types the rule does not read, and resources that suppress the policy, are reported
  as not applicable (the suppression's reason is the not-applicable reason).
- An unknown value (preview) is never a violation: the adapter raises the SDK's
  `UnknownValueError`, which the SDK reports as an advisory "can't run policy ... during
  preview" note, after any real failures of a stack rule were reported.
- CrossGuard binds a policy's report callback to that policy's level, so a mandatory policy
  cannot emit an advisory note itself. The advisory note for each suppression, with its
  reason, comes from one companion policy, `suppressions-recorded` (`suppression_policy`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
    proxy,
)
from pulumi_policy.policy import Policy
from pulumi_policy.proxy import UnknownValueError

from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import Finding, Level, ResourceRule, Rule, StackRule
from mlp_policies.rule import Severity as RuleSeverity
from mlp_policies.tags import REASON_TAG, SUPPRESS_TAG, suppression
from mlp_policies.values import UNKNOWN_STRING

__all__ = ["SUPPRESSIONS_POLICY", "plain", "resource_of", "stack_of", "suppression_policy", "to_policy"]

SUPPRESSIONS_POLICY = "suppressions-recorded"
_LEVELS: dict[Level, EnforcementLevel] = {
    "advisory": EnforcementLevel.ADVISORY,
    "mandatory": EnforcementLevel.MANDATORY,
    "remediate": EnforcementLevel.REMEDIATE,
    "disabled": EnforcementLevel.DISABLED,
}
_SEVERITIES: dict[RuleSeverity, Severity] = {
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
    "critical": Severity.CRITICAL,
}


class _NotKnownYet(UnknownValueError):
    """The SDK's unknown-value error with our own message (it reports `message`)."""

    def __init__(self, message: str) -> None:
        super().__init__(UNKNOWN_STRING, [])
        self.message = message


def plain(value: Any) -> Any:
    """The SDK wraps properties in proxies that raise on unknown values; rules want the plain
    wire values (sentinels included) and decide themselves."""
    kind = type(value)
    # Fast paths for what the SDK builds (every policy call converts every property anew):
    # its own proxies and JSON scalars, by exact type. Anything else takes the general path.
    if kind is _DICT_PROXY:
        return {str(k): v if type(v) in _SCALARS else plain(v) for k, v in value["__target"].items()}
    if kind is _LIST_PROXY:
        return [v if type(v) in _SCALARS else plain(v) for v in value["__target"]]
    if kind in _SCALARS:
        return value
    if isinstance(value, Mapping):
        inner = value["__target"] if "__target" in value else value  # noqa: SIM401  # proxies have no .get
        return {str(k): plain(v) for k, v in inner.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        inner = value["__target"] if _is_list_proxy(value) else value  # type: ignore[call-overload]
        return [plain(v) for v in inner]
    return value


# The proxy classes of `pulumi_policy.proxy` (private there: looked up, not relied on).
_DICT_PROXY: type | None = getattr(proxy, "_DictProxy", None)
_LIST_PROXY: type | None = getattr(proxy, "_ListProxy", None)
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _is_list_proxy(value: Sequence[Any]) -> bool:
    return type(value).__name__ == "_ListProxy"


def resource_of(args: ResourceValidationArgs) -> Resource:
    provider = args.provider
    return Resource(
        type=args.resource_type,
        name=args.name,
        urn=args.urn,
        props=plain(args.props),
        parent=args.opts.parent or None,
        protect=bool(args.opts.protect),
        provider=plain(provider.props) if provider is not None else None,
    )


def stack_of(args: StackValidationArgs) -> Stack:
    resources = []
    for r in args.resources:
        resources.append(
            Resource(
                type=r.resource_type,
                name=r.name,
                urn=r.urn,
                props=plain(r.props),
                parent=r.parent.urn if r.parent is not None else (r.opts.parent or None),
                dependencies=tuple(d.urn for d in r.dependencies),
                property_dependencies={k: tuple(d.urn for d in v) for k, v in r.property_dependencies.items()},
                protect=bool(r.opts.protect),
                provider=plain(r.provider.props) if r.provider is not None else None,
            )
        )
    return Stack(tuple(resources))


def _common(rule: Rule) -> dict[str, Any]:
    schema = PolicyConfigSchema(properties={k: _json(v) for k, v in rule.config.items()}) if rule.config else None
    return {
        "name": rule.name,
        "description": f"{rule.id}: {rule.description}",
        "enforcement_level": _LEVELS[rule.enforcement],
        "config_schema": schema,
        "display_name": f"{rule.id} {rule.name}",
        "severity": _SEVERITIES[rule.severity],
        "tags": [rule.id, *rule.equivalents],
        "remediation_steps": rule.remediation,
    }


def _json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [_json(v) for v in value]
    return value


def _config(args: ResourceValidationArgs | StackValidationArgs) -> dict[str, Any]:
    return dict(args.get_config() or {})


def to_policy(rule: Rule) -> Policy:
    """The CrossGuard policy that runs `rule`."""
    if isinstance(rule, ResourceRule):
        return ResourceValidationPolicy(validate=_resource_validator(rule), **_common(rule))
    if isinstance(rule, StackRule):
        return StackValidationPolicy(validate=_stack_validator(rule), **_common(rule))
    raise TypeError(f"{rule!r} is neither a ResourceRule nor a StackRule")


def _resource_validator(rule: ResourceRule) -> Any:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if not rule.reads(args.resource_type):
            args.not_applicable(f"{rule.name} does not read {args.resource_type}")
        resource = resource_of(args)
        found = suppression(resource)
        if found is not None and found.covers(rule.name):
            args.not_applicable(f"suppressed by {SUPPRESS_TAG}: {found.reason}")
        outcome = rule.evaluate(resource, _config(args))
        if outcome.status == "fail":
            for message in outcome.messages:
                report(message, None)
        elif outcome.status == "not-applicable":
            args.not_applicable(outcome.reason)
        elif outcome.status == "unknown":
            raise _NotKnownYet(f"{resource}: {outcome.reason}")

    return validate


def _stack_validator(rule: StackRule) -> Any:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        findings = rule.evaluate(stack_of(args), _config(args))
        judged = [f for f in findings if f.outcome.status != "not-applicable"]
        if not judged:
            reasons = sorted({f.outcome.reason for f in findings if f.outcome.reason})
            args.not_applicable("; ".join(reasons) or f"nothing in the stack for {rule.name}")
        unknowns: list[str] = []
        for finding in _unsuppressed(rule, judged):
            if finding.outcome.status == "fail":
                for message in finding.outcome.messages:
                    report(message, finding.subject.urn if finding.subject is not None else None)
            elif finding.outcome.status == "unknown":
                where = f"{finding.subject}: " if finding.subject is not None else ""
                unknowns.append(where + finding.outcome.reason)
        if unknowns:
            raise _NotKnownYet("; ".join(unknowns))

    return validate


def _unsuppressed(rule: Rule, findings: Iterable[Finding]) -> list[Finding]:
    out = []
    for f in findings:
        found = suppression(f.subject) if f.subject is not None else None
        if found is None or not found.covers(rule.name):
            out.append(f)
    return out


def suppression_policy(policy_names: Iterable[str]) -> Policy:
    """The advisory companion policy: one note per resource carrying `mlplat-suppress`, with
    the reason, or saying why the suppression is ignored (no reason, unknown policy name).
    Set it to mandatory in a config to forbid suppressions in that environment."""
    names = frozenset(policy_names)

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        found = suppression(resource_of(args))
        if found is None:
            args.not_applicable(f"no {SUPPRESS_TAG} tag")
            return
        unknown = [p for p in found.policies if p not in names]
        valid = [p for p in found.policies if p in names]
        if not found.reason:
            report(f"{SUPPRESS_TAG} ({', '.join(found.policies)}) is ignored: it needs a {REASON_TAG} tag", None)
            return
        if valid:
            report(f"suppresses {', '.join(valid)}: {found.reason}", None)
        if unknown:
            report(f"{SUPPRESS_TAG} names no policy of this pack: {', '.join(unknown)}", None)

    return ResourceValidationPolicy(
        name=SUPPRESSIONS_POLICY,
        description=(
            f"MLP-000: Every suppression ({SUPPRESS_TAG} tag) is recorded in the report with its {REASON_TAG}."
        ),
        validate=validate,
        enforcement_level=EnforcementLevel.ADVISORY,
        display_name=f"MLP-000 {SUPPRESSIONS_POLICY}",
        severity=Severity.LOW,
        tags=["MLP-000"],
        remediation_steps=(
            f"Fix the finding instead of suppressing it, or give the suppression a {REASON_TAG} tag; "
            "name only policies of this pack."
        ),
    )
