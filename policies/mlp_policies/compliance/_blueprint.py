"""The stack's compliance regimes, which no resource carries.

The tagging transform puts `data-classification` on every resource but not the blueprint's
`compliance` list, so the regimes come from the blueprint itself: `stacks/Pulumi.<stack>.yaml`
of the project at or above the working directory (the Pulumi CLI and `mlbp check` both run the
pack with `policies/` as working directory), for the stack named by `$PULUMI_STACK` or else by
the resources' URNs. This is the lookup the cost estimator uses
(`blueprint.cost.policy.blueprint_for_stack`): one way to find a stack's blueprint.

A stack without a readable blueprint cannot be judged: the rules report it as unknown (an
advisory note), never as compliant. Not a rule module (the registry skips `_` modules).
"""

from __future__ import annotations

import os

from blueprint.cost import policy
from blueprint.errors import BlueprintError
from mlp_policies.resources import Stack
from mlp_policies.rule import Outcome

__all__ = ["NoBlueprint", "regimes", "stack_name"]

_URN_PREFIX = "urn:pulumi:"


class NoBlueprint(Exception):  # a state the rules report as unknown
    """The stack's blueprint could not be read; `outcome` is the unknown verdict to report."""

    def __init__(self, stack: str, reason: str) -> None:
        super().__init__(reason)
        self.outcome = Outcome(
            "unknown", reason=f"the compliance regimes of stack {stack or '(unnamed)'} are unknown: {reason}"
        )


def stack_name(stack: Stack) -> str:
    """$PULUMI_STACK, else the stack named in the resources' URNs (`urn:pulumi:<stack>::...`)."""
    named = os.environ.get("PULUMI_STACK", "")
    if named:
        return named
    for r in stack.resources:
        if r.urn.startswith(_URN_PREFIX):
            return r.urn.removeprefix(_URN_PREFIX).split("::", 1)[0]
    return ""


def regimes(stack: Stack) -> frozenset[str]:
    """The blueprint's `compliance` regimes; raises NoBlueprint when there is no blueprint."""
    name = stack_name(stack)
    if not name:
        raise NoBlueprint(name, "no stack name ($PULUMI_STACK unset, no resource URNs)")
    try:
        blueprint = policy.blueprint_for_stack(name)
    except BlueprintError as err:
        raise NoBlueprint(name, "; ".join(err.problems)) from None
    return frozenset(blueprint.compliance)
