"""MLP-045: every workload of the blueprint has its Kubernetes service account, in its
namespace, with the annotation its cloud's workload identity binds by.

The blueprint's `workloads[]` name a namespace and a service account; the workload's cloud
identity (its bucket and key grants) is bound to exactly that account. Without the account the
workload's pods are refused; without the annotation they run with no cloud identity at all.
On GKE the account needs `iam.gke.io/gcp-service-account` (Workload Identity Federation), on
AKS `azure.workload.identity/client-id` (Microsoft Entra Workload ID); EKS Pod Identity binds
by namespace and name and needs none. An annotation whose value is not known during preview
is unknown, not a failure.

The workloads come from the stack's blueprint (as for MLP-026: `compliance/_blueprint.py`);
without one the rule reports unknown. A blueprint whose `cluster.inCluster.enabled` is false
installs no cluster layer, so its service accounts are someone else's: not applicable.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from mlp_policies.clusters import AKS, EKS, GKE
from mlp_policies.compliance import _blueprint
from mlp_policies.kubernetes import SERVICE_ACCOUNT, metadata
from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable, unknown
from mlp_policies.values import Unknown

IDENTITY_ANNOTATIONS = {
    # https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity
    "gcp": "iam.gke.io/gcp-service-account",
    # https://learn.microsoft.com/en-us/azure/aks/workload-identity-overview
    "azure": "azure.workload.identity/client-id",
}


def _annotated(account: Resource, cloud: str, workload: str) -> Outcome:
    annotation = IDENTITY_ANNOTATIONS.get(cloud)
    if annotation is None:
        return PASS
    if not account.get("metadata", "annotations", annotation):  # raises Unknown during preview
        namespace, name = metadata(account)
        return fail(
            f"service account {namespace}/{name} of workload {workload} lacks the {annotation} annotation: its pods "
            "get no cloud identity"
        )
    return PASS


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    try:
        blueprint = _blueprint.load(stack, "the workloads")
    except _blueprint.NoBlueprint as err:
        yield Finding(None, err.outcome)
        return
    if not blueprint.cluster.in_cluster.enabled:
        yield Finding(None, not_applicable("cluster.inCluster.enabled is false: the stack installs no cluster layer"))
        return
    if not blueprint.workloads:
        yield Finding(None, not_applicable("the blueprint has no workloads"))
        return
    accounts: dict[tuple[str, str], Resource] = {}
    unnamed: list[str] = []  # accounts whose namespace or name is not known during preview
    for r in stack.of_type(SERVICE_ACCOUNT):
        try:
            accounts[metadata(r)] = r
        except Unknown as err:
            unnamed.append(err.path)
    for w in blueprint.workloads:
        account = accounts.get((w.namespace, w.service_account))
        if account is not None:
            yield judge(account, partial(_annotated, account, blueprint.cloud, w.name))
        elif unnamed:
            yield Finding(None, unknown(unnamed[0]))
        else:
            yield Finding(
                None,
                fail(
                    f"workload {w.name} has no service account {w.namespace}/{w.service_account}: its pods cannot "
                    "start, and its cloud identity is bound to that account"
                ),
            )


RULE = StackRule(
    id="MLP-045",
    name="workload-service-accounts-have-identity",
    description="Every workload's service account exists in its namespace with its cloud's identity annotation.",
    severity="medium",
    resource_types=frozenset({SERVICE_ACCOUNT, EKS, GKE, AKS}),
    remediation=(
        "Keep cluster.inCluster.enabled on: the cluster layer's tenancy (components/kubernetes/tenancy.py) creates "
        "each workload's service account with the annotation its cloud's workload identity needs."
    ),
    check=check,
)
