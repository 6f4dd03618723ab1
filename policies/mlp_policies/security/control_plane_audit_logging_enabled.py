"""MLP-017: every cluster's control plane writes Kubernetes audit logs.

- EKS: `enabledClusterLogTypes` includes every type in `requiredEksLogTypes` (`audit` by
  default; Checkov's CKV_AWS_37 asks for all five).
- GKE: logging is not off (`loggingService` none) and `loggingConfig.enableComponents`, when
  set, includes `APISERVER` or `SYSTEM_COMPONENTS` (GKE's default when unset). Kubernetes audit
  events themselves go to Cloud Audit Logs, whose admin-activity log cannot be turned off.
- AKS: a monitor `DiagnosticSetting` on the cluster (joined by `resourceUri`) with a
  destination and an enabled log category in `aksAuditCategories` (`kube-audit`, or
  `kube-audit-admin`: every write, without the reads) or the `audit`/`allLogs` category group.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial

from mlp_policies.clusters import AKS, EKS, GKE
from mlp_policies.resources import Resource, Stack
from mlp_policies.rule import PASS, Config, Finding, Outcome, StackRule, fail, judge, not_applicable
from mlp_policies.values import as_bool, strings

AZURE_DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
GKE_AUDIT_COMPONENTS = ("APISERVER", "SYSTEM_COMPONENTS")
AUDIT_GROUPS = ("audit", "alllogs")
DESTINATIONS = ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "marketplacePartnerId")


def _eks(cluster: Resource, required: list[str]) -> Outcome:
    enabled = set(strings(cluster.get("enabledClusterLogTypes", default=[])))
    missing = [t for t in required if t not in enabled]
    if missing:
        return fail(f"cluster {cluster.name} does not log {', '.join(missing)} (enabledClusterLogTypes)")
    return PASS


def _gke(cluster: Resource) -> Outcome:
    if cluster.get("loggingService") == "none":
        return fail(f"cluster {cluster.name} has logging off (loggingService none)")
    components = cluster.get("loggingConfig", "enableComponents")
    if components is not None and not set(strings(components)) & set(GKE_AUDIT_COMPONENTS):
        shown = ", ".join(strings(components)) or "none"
        return fail(f"cluster {cluster.name} does not log control-plane components (loggingConfig: {shown})")
    return PASS


def _audits(setting: Resource, categories: set[str]) -> bool:
    if not any(setting.get(d) for d in DESTINATIONS):
        return False
    for log in setting.get("logs", default=[]):
        if not isinstance(log, Mapping) or as_bool(log.get("enabled")) is False:
            continue
        if str(log.get("category") or "") in categories or str(log.get("categoryGroup") or "").lower() in AUDIT_GROUPS:
            return True
    return False


def _aks(cluster: Resource, settings: list[Resource], categories: set[str]) -> Outcome:
    if any(_audits(s, categories) for s in settings):
        return PASS
    return fail(
        f"cluster {cluster.name} sends no audit logs anywhere: no diagnostic setting with an enabled "
        f"{' or '.join(sorted(categories))} category and a destination"
    )


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    clusters = stack.of_type(EKS, GKE, AKS)
    if not clusters:
        yield Finding(None, not_applicable("the stack has no cluster"))
        return
    diagnostics = stack.attached(stack.of_type(AKS), [AZURE_DIAGNOSTICS], "resourceUri")
    required, categories = list(config["requiredEksLogTypes"]), set(config["aksAuditCategories"])
    for cluster in clusters:
        if cluster.type == EKS:
            yield judge(cluster, partial(_eks, cluster, required))
        elif cluster.type == GKE:
            yield judge(cluster, partial(_gke, cluster))
        else:
            yield judge(cluster, partial(_aks, cluster, diagnostics[cluster.urn], categories))


RULE = StackRule(
    id="MLP-017",
    name="control-plane-audit-logging-enabled",
    description="Every cluster's control plane writes Kubernetes audit logs (EKS audit log type, GKE control-plane "
    "logging, AKS diagnostic setting with kube-audit).",
    severity="medium",
    resource_types=frozenset({EKS, GKE, AKS, AZURE_DIAGNOSTICS}),
    remediation=(
        "Create clusters with the cluster components, which enable control-plane audit logging on every cloud. "
        "Hand-written clusters need enabledClusterLogTypes with audit (EKS), loggingConfig with APISERVER or "
        "SYSTEM_COMPONENTS (GKE), or a DiagnosticSetting on the cluster with kube-audit or kube-audit-admin (AKS)."
    ),
    equivalents=("CKV_AWS_37", "CKV_GCP_1"),
    config={
        "requiredEksLogTypes": {
            "type": "array",
            "items": {"enum": ["api", "audit", "authenticator", "controllerManager", "scheduler"]},
            "uniqueItems": True,
            "minItems": 1,
            "default": ["audit"],
            "description": "EKS control-plane log types every cluster must enable.",
        },
        "aksAuditCategories": {
            "type": "array",
            "items": {"enum": ["kube-audit", "kube-audit-admin"]},
            "uniqueItems": True,
            "minItems": 1,
            "default": ["kube-audit", "kube-audit-admin"],
            "description": "AKS diagnostic log categories that count as audit logging (kube-audit-admin leaves "
            "out reads; list only kube-audit to require them).",
        },
    },
    check=check,
)
