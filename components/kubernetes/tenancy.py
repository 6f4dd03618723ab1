"""Tenancy: for every namespace the blueprint's workloads use, the namespace, a GPU
ResourceQuota and a default-deny NetworkPolicy; for every workload, its service account with
the annotation its cloud's workload identity needs (GKE `iam.gke.io/gcp-service-account`, AKS
`azure.workload.identity/client-id`; EKS Pod Identity binds by name and needs none).

The quota caps `requests.nvidia.com/gpu` at what the namespace's queues can ever be admitted
(the pools' maxNodes x GPUs), so a GPU pod that bypasses Kueue cannot take more either
(https://kubernetes.io/docs/concepts/policy/resource-quotas/#resource-quota-for-extended-resources).

The network policy denies all traffic in and out except: within the namespace (a Ray head and
its workers), DNS to the cluster's DNS pods, HTTPS anywhere (the cloud's APIs, buckets and the
Kubernetes API; the network's NAT and firewall decide further), the cloud's identity endpoints
for pods, and, with the distributed engine, the KubeRay operator's calls to the Ray dashboard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from blueprint.model import Workload
from components.kubernetes.pools import GPU_RESOURCE, PoolFacts

DNS_PORTS = (("UDP", 53), ("TCP", 53))
RAY_DASHBOARD_PORT = 8265  # the KubeRay operator submits RayJobs and reads their status here
NAMESPACE_LABEL = "kubernetes.io/metadata.name"  # set by Kubernetes on every namespace


@dataclass(frozen=True, kw_only=True)
class IdentityEndpoint:
    """An address pods reach for their cloud credentials (EKS Pod Identity agent, GKE metadata server)."""

    cidr: str
    port: int
    protocol: str = "TCP"


def namespace_gpu_limit(workloads: Sequence[Workload], pools: Mapping[str, PoolFacts]) -> int:
    """The GPUs a namespace's workloads can ever be admitted: each may borrow up to the whole
    of every pool it may use, so the union of those pools' capacity."""
    names = {p for w in workloads for p in w.gpu.pools}
    return sum(pools[n].max_gpus for n in sorted(names) if n in pools)


def _ports(*ports: tuple[str, int]) -> list[k8s.networking.v1.NetworkPolicyPortArgs]:
    return [k8s.networking.v1.NetworkPolicyPortArgs(protocol=proto, port=port) for proto, port in ports]


def _to_cidr(cidr: str, *ports: tuple[str, int]) -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=[k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=k8s.networking.v1.IPBlockArgs(cidr=cidr))],
        ports=_ports(*ports),
    )


def _namespace(name: str) -> k8s.meta.v1.LabelSelectorArgs:
    return k8s.meta.v1.LabelSelectorArgs(match_labels={NAMESPACE_LABEL: name})


def network_policy_spec(
    identity_endpoints: Sequence[IdentityEndpoint], *, operator_namespace: str | None
) -> k8s.networking.v1.NetworkPolicySpecArgs:
    same_namespace = [k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=k8s.meta.v1.LabelSelectorArgs())]
    dns = k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=[
            k8s.networking.v1.NetworkPolicyPeerArgs(
                namespace_selector=_namespace("kube-system"),
                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"k8s-app": "kube-dns"}),
            )
        ],
        ports=_ports(*DNS_PORTS),
    )
    egress = [
        k8s.networking.v1.NetworkPolicyEgressRuleArgs(to=same_namespace),
        dns,
        _to_cidr("0.0.0.0/0", ("TCP", 443)),
        *(_to_cidr(e.cidr, (e.protocol, e.port)) for e in identity_endpoints),
    ]
    ingress = [k8s.networking.v1.NetworkPolicyIngressRuleArgs(from_=same_namespace)]
    if operator_namespace:
        ingress.append(
            k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                from_=[k8s.networking.v1.NetworkPolicyPeerArgs(namespace_selector=_namespace(operator_namespace))],
                ports=_ports(("TCP", RAY_DASHBOARD_PORT)),
            )
        )
    return k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(),
        policy_types=["Ingress", "Egress"],
        ingress=ingress,
        egress=egress,
    )


@dataclass(frozen=True, kw_only=True)
class TenancyArgs:
    workloads: tuple[Workload, ...]
    pools: Mapping[str, PoolFacts]
    # workload name -> annotations of its service account (the cloud's identity binding)
    service_account_annotations: Mapping[str, pulumi.Input[Mapping[str, pulumi.Input[str]]]] = field(
        default_factory=dict
    )
    identity_endpoints: tuple[IdentityEndpoint, ...] = ()
    operator_namespace: str | None = None  # KubeRay's, when the distributed engine is on
    depends_on: tuple[pulumi.Resource, ...] = ()  # the deployer's cluster access, the system nodes


class Tenancy(pulumi.ComponentResource):
    namespaces: dict[str, k8s.core.v1.Namespace]
    service_accounts: dict[str, k8s.core.v1.ServiceAccount]

    def __init__(self, name: str, args: TenancyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:kubernetes:Tenancy", name, None, opts)
        by_namespace: dict[str, list[Workload]] = {}
        for w in args.workloads:
            by_namespace.setdefault(w.namespace, []).append(w)
        self.namespaces = {}
        for namespace, workloads in by_namespace.items():
            ns = k8s.core.v1.Namespace(
                f"{name}-{namespace}",
                k8s.core.v1.NamespaceInitArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=namespace, labels={"mlplat/tenant": "true"})
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
            )
            self.namespaces[namespace] = ns
            in_ns = pulumi.ResourceOptions(parent=self, depends_on=[ns])
            k8s.core.v1.ResourceQuota(
                f"{name}-{namespace}-gpu",
                k8s.core.v1.ResourceQuotaInitArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(name="gpu", namespace=namespace),
                    spec=k8s.core.v1.ResourceQuotaSpecArgs(
                        hard={f"requests.{GPU_RESOURCE}": str(namespace_gpu_limit(workloads, args.pools))}
                    ),
                ),
                opts=in_ns,
            )
            spec = network_policy_spec(args.identity_endpoints, operator_namespace=args.operator_namespace)
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{namespace}-default-deny",
                k8s.networking.v1.NetworkPolicyInitArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(name="default-deny", namespace=namespace),
                    spec=spec,
                ),
                opts=in_ns,
            )
        self.service_accounts = {
            w.name: k8s.core.v1.ServiceAccount(
                f"{name}-{w.name}",
                k8s.core.v1.ServiceAccountInitArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        name=w.service_account,
                        namespace=w.namespace,
                        annotations=args.service_account_annotations.get(w.name),
                    )
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.namespaces[w.namespace]]),
            )
            for w in args.workloads
        }
        self.register_outputs({"namespaces": sorted(self.namespaces)})
