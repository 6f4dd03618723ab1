"""SARIF 2.1.0 for GitHub code scanning: one run, one rule per policy, one result per violation.

Results point at the stack file line of the blueprint entry that produced the resource, so
annotations land on the YAML a reviewer can change.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from blueprint.engine.model import Diagnostic, Level, PolicyInfo
from blueprint.engine.reports.base import (
    LEVELS,
    CheckReport,
    StackResult,
    cost_properties,
    located_message,
    resource_of,
)
from blueprint.errors import printable_json

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL_NAME = "mlbp"
# Versioned key: if `fingerprint` ever changes, bump it so old and new hashes are never compared.
FINGERPRINT_KEY = "mlbpViolation/v1"

_SARIF_LEVELS: dict[Level, str] = {
    "mandatory": "error",
    "remediate": "note",  # the engine fixes these itself on `pulumi up`
    "advisory": "warning",
    "disabled": "none",
}
# GitHub buckets security-severity as low < 4.0 <= medium < 7.0 <= high < 9.0 <= critical.
SECURITY_SEVERITY: dict[str, str] = {"low": "2.0", "medium": "5.5", "high": "8.0", "critical": "9.5"}


@dataclass(frozen=True, kw_only=True)
class _Rule:
    id: str
    title: str
    description: str
    help: str
    level: Level
    severity: str
    pack: str


def render(report: CheckReport) -> str:
    rules = _rules(report)
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = [
        _result(stack, diagnostic, index[diagnostic.policy])
        for stack in report.ordered()
        for diagnostic in stack.violations()
    ]
    run = {
        "tool": {"driver": {"name": TOOL_NAME, "rules": [_rule_json(r) for r in rules]}},
        "invocations": [{"executionSuccessful": True}],
        "results": results,
        # Monthly cost per stack (USD) in the run's property bag: SARIF has no place of its own.
        "properties": {"mlbpCosts": {s.stack: cost_properties(s) for s in report.ordered() if s.cost}},
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return printable_json(json.dumps(log, indent=2, ensure_ascii=False)) + "\n"


def fingerprint(stack: str, policy: str, urn: str | None) -> str:
    """Stable across runs and message wording, so code scanning tracks one alert per finding."""
    # NUL cannot occur in names, so distinct triples never join to the same string
    return hashlib.sha256("\0".join((stack, policy, urn or "")).encode()).hexdigest()


def _rules(report: CheckReport) -> list[_Rule]:
    """One rule per policy in any stack, plus any policy that reported without describing itself."""
    rules: dict[str, _Rule] = {}
    for stack in report.ordered():
        for policy in stack.analysis.policies:
            rules[policy.name] = _stricter(rules.get(policy.name), _from_policy(policy, stack))
    # only after every stack's policies: a pack's own description beats one guessed from a diagnostic
    for stack in report.ordered():
        for diagnostic in stack.analysis.diagnostics:
            rules.setdefault(diagnostic.policy, _from_diagnostic(diagnostic))
    return sorted(rules.values(), key=lambda r: r.id)


def _stricter(old: _Rule | None, new: _Rule) -> _Rule:
    """Environments configure levels differently; the default shown is the strictest one."""
    if old is None or LEVELS.index(new.level) < LEVELS.index(old.level):
        return new
    return old


def _from_policy(policy: PolicyInfo, stack: StackResult) -> _Rule:
    title = policy.display_name or policy.name
    description = policy.description or title
    return _Rule(
        id=policy.name,
        title=title,
        description=description,
        help=policy.message or description,  # the pack's message says how to fix it
        level=policy.level,
        severity=policy.severity,
        pack=stack.analysis.pack,
    )


def _from_diagnostic(diagnostic: Diagnostic) -> _Rule:
    return _Rule(
        id=diagnostic.policy,
        title=diagnostic.policy,
        description=diagnostic.description or diagnostic.policy,
        help=diagnostic.description or diagnostic.policy,
        level=diagnostic.level,
        severity=diagnostic.severity,
        pack=diagnostic.pack,
    )


def _rule_json(rule: _Rule) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    tags = {rule.pack}
    score = SECURITY_SEVERITY.get(rule.severity.lower())
    if score:
        properties["security-severity"] = score
        tags.add("security")  # GitHub shows security-severity only on rules tagged "security"
    properties["tags"] = sorted(tags)
    return {
        "id": rule.id,
        "name": rule.title,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": rule.help},
        "defaultConfiguration": {"level": _SARIF_LEVELS[rule.level]},
        "properties": properties,
    }


def _result(stack: StackResult, diagnostic: Diagnostic, rule_index: int) -> dict[str, Any]:
    return {
        "ruleId": diagnostic.policy,
        "ruleIndex": rule_index,
        "level": _SARIF_LEVELS[diagnostic.level],
        "message": {"text": located_message(stack, diagnostic)},
        "locations": [_location(stack, diagnostic.urn)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(stack.stack, diagnostic.policy, diagnostic.urn)},
        "properties": {"stack": stack.stack, "pack": diagnostic.pack},
    }


def _location(stack: StackResult, urn: str | None) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": quote(stack.stack_file), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": stack.line(urn)},
        }
    }
    if urn:
        _, name = resource_of(urn)
        location["logicalLocations"] = [{"name": name, "fullyQualifiedName": urn, "kind": "resource"}]
    return location
