"""The stack's blueprint, for what no resource carries: the compliance regimes, the workloads
and whether the cluster layer is on.

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
from blueprint.model import Blueprint
from mlp_policies.resources import Stack
from mlp_policies.rule import Outcome

__all__ = ["NoBlueprint", "load", "regimes", "stack_name"]

_URN_PREFIX = "urn:pulumi:"


class NoBlueprint(Exception):  # a state the rules report as unknown
    """The stack's blueprint could not be read; `outcome` is the unknown verdict to report."""

    def __init__(self, stack: str, reason: str, what: str = "the compliance regimes") -> None:
        super().__init__(reason)
        self.outcome = Outcome("unknown", reason=f"{what} of stack {stack or '(unnamed)'} are unknown: {reason}")


def stack_name(stack: Stack) -> str:
    """$PULUMI_STACK, else the stack named in the resources' URNs (`urn:pulumi:<stack>::...`)."""
    named = os.environ.get("PULUMI_STACK", "")
    if named:
        return named
    for r in stack.resources:
        if r.urn.startswith(_URN_PREFIX):
            return r.urn.removeprefix(_URN_PREFIX).split("::", 1)[0]
    return ""


def load(stack: Stack, what: str = "the compliance regimes") -> Blueprint:
    """The stack's blueprint; raises NoBlueprint (saying `what` is unknown) when there is none."""
    name = stack_name(stack)
    if not name:
        raise NoBlueprint(name, "no stack name ($PULUMI_STACK unset, no resource URNs)", what)
    try:
        return policy.blueprint_for_stack(name)
    except BlueprintError as err:
        raise NoBlueprint(name, "; ".join(err.problems), what) from None


def regimes(stack: Stack) -> frozenset[str]:
    """The blueprint's `compliance` regimes; raises NoBlueprint when there is no blueprint."""
    return frozenset(load(stack).compliance)
