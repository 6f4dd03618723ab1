"""JSON for machines. The shape is a contract other tools read; add keys, never rename them.

{"stacks": [{"stack", "cloud", "environment", "resources",
             "violations": [{"policy", "pack", "level", "severity", "urn", "message"}],
             "cost": {"expectedUsd", "highUsd", "budgetUsd"} | null}],
 "summary": {"stacks", "resources", "mandatory", "remediate", "advisory", "disabled"}}
"""

from __future__ import annotations

import json
from typing import Any

from blueprint.engine.model import Diagnostic
from blueprint.engine.reports.base import CheckReport, CostSummary, StackResult
from blueprint.errors import printable_json


def render(report: CheckReport) -> str:
    summary: dict[str, int] = {"stacks": len(report.stacks), "resources": report.resources()}
    summary.update(report.counts().items())  # one count per level, zeros included
    document = {"stacks": [_stack(s) for s in report.ordered()], "summary": summary}
    return printable_json(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def _stack(stack: StackResult) -> dict[str, Any]:
    return {
        "stack": stack.stack,
        "cloud": stack.cloud,
        "environment": stack.environment,
        "resources": stack.resources,
        "violations": [_violation(stack, d) for d in stack.violations()],
        "cost": _cost(stack.cost) if stack.cost else None,
    }


def _violation(stack: StackResult, diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "policy": diagnostic.policy,
        "pack": diagnostic.pack,
        "level": diagnostic.level,
        "severity": stack.severity(diagnostic),
        "urn": diagnostic.urn,  # null for stack-level policies
        "message": diagnostic.message,
    }


def _cost(cost: CostSummary) -> dict[str, float | None]:
    return {"expectedUsd": cost.expected_usd, "highUsd": cost.high_usd, "budgetUsd": cost.budget_usd}
