"""Which stack names a stack may have: Pulumi's own rule, and each cloud's rules for the names
the platform derives from the stack (components/<cloud>/naming.py builds them; this module
checks what those functions return, so the two cannot drift apart).

A name the cloud would refuse fails `mlbp new` and `mlbp validate` (exit 2) instead of the
deployment, half-way through."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from components.aws import naming as aws_naming
from components.azure import naming as azure_naming
from components.gcp import naming as gcp_naming

PULUMI_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
PULUMI_STACK_NAME_SOURCE = "pulumi/pulumi pkg/backend/httpstate/backend.go stackNameAndProjectRegexp"
DEFAULT_PROJECT = "ml-platform"  # Pulumi.yaml's name in the template


@dataclass(frozen=True, kw_only=True)
class NameRule:
    """One cloud's rule for one name derived from the stack."""

    cloud: str
    what: str
    pattern: re.Pattern[str]
    max_length: int
    rule: str
    source: str
    # (project, stack, existing resource group) -> (the name as the platform passes it, the
    # name before the naming function shortened it, if it does)
    derive: Callable[[str, str, str | None], tuple[str, str | None]]


_AZURE_GROUP = re.compile(r"[-\w.()]*[-\w()]")  # \w: Unicode letters, digits and '_', as Azure allows


def _azure_group(stack: str, existing: str | None) -> str:
    return existing or azure_naming.resource_group_name(stack)


RULES: tuple[NameRule, ...] = (
    NameRule(
        cloud="aws",
        what="EKS cluster name",
        pattern=re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]*"),
        max_length=100,
        rule="letters, digits, '-' and '_', starting with a letter or digit, at most 100 characters",
        source="https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html",
        derive=lambda project, stack, _: (aws_naming.cluster_name(project, stack), f"{project}-{stack}"),
    ),
    NameRule(
        cloud="gcp",
        what="GKE cluster name",
        pattern=re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?"),
        max_length=40,
        rule="a lower-case letter, then lower-case letters, digits and '-', not ending in '-', at most 40 characters",
        # The console's rule as quoted in https://gitlab.com/gitlab-org/gitlab/-/work_items/22655;
        # components/gcp/naming.py keeps it (CLUSTER_NAME_MAX) and shortens with a hash.
        source="https://gitlab.com/gitlab-org/gitlab/-/work_items/22655",
        derive=lambda project, stack, _: (gcp_naming.cluster_name(project, stack), None),  # shortened with a hash
    ),
    NameRule(
        cloud="azure",
        what="resource group name",
        pattern=_AZURE_GROUP,
        max_length=90,
        rule="letters, digits, '_', '-', '.', '(' and ')', not ending in '.', at most 90 characters",
        source="https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules",
        derive=lambda _, stack, existing: (_azure_group(stack, existing), None),
    ),
    NameRule(
        cloud="azure",
        what="AKS node resource group name",
        pattern=_AZURE_GROUP,
        max_length=80,
        rule="a resource group name of at most 80 characters (AKS: 'The maximum length is 80')",
        source="https://github.com/Azure-Terraform/terraform-azurerm-kubernetes/issues/33",
        derive=lambda _, stack, existing: (
            azure_naming.node_resource_group_name(_azure_group(stack, existing)),
            f"{_azure_group(stack, existing)}-aks-nodes",
        ),
    ),
    NameRule(
        cloud="azure",
        what="AKS cluster name",
        pattern=re.compile(r"[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?"),
        max_length=63,
        rule="letters, digits, '_' and '-', starting and ending with a letter or digit, at most 63 characters",
        source="https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules",
        derive=lambda project, stack, _: (azure_naming.cluster_name(project, stack), f"{project}-{stack}"),
    ),
)


def stack_name_problems(
    stack: str, cloud: str | None, *, project: str = DEFAULT_PROJECT, resource_group: str | None = None
) -> list[str]:
    """One line per rule `stack` breaks: Pulumi's, then `cloud`'s (none if the cloud is
    unknown). `resource_group`: the blueprint's existing Azure resource group, if it names one."""
    printable = "".join(c if c.isprintable() else repr(c)[1:-1] for c in stack)  # one line, whatever it holds
    shown = printable if len(stack) <= 120 else f"{printable[:100]}... ({len(stack)} characters)"
    if not PULUMI_STACK_NAME.fullmatch(stack):
        return [
            f"stack name '{shown}': Pulumi allows letters, digits, '-', '_' and '.', at most 100 characters "
            f"({PULUMI_STACK_NAME_SOURCE})"
        ]
    problems: list[str] = []
    for rule in RULES:
        if rule.cloud != cloud or (resource_group and "resource group" in rule.what):
            continue  # an existing resource group is the blueprint's name, not one the stack makes
        used, unshortened = rule.derive(project, stack, resource_group)
        name = unshortened if unshortened is not None and len(unshortened) > rule.max_length else used
        if len(name) > rule.max_length or not rule.pattern.fullmatch(name):
            problems.append(
                f"stack name '{shown}' makes the {rule.what} '{name}', which {cloud} refuses: "
                f"{rule.rule} ({rule.source})"
            )
    return problems
