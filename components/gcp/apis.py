"""The Google APIs the platform's resources need, in one table, and `ProjectApis`, the
component that enables them (`gcp.projects.Service`, `disable_on_destroy=False`: destroying a
stack never switches off an API another stack or person may use).

A fresh project has almost nothing enabled, and some of Google's service agents (the GKE and
Compute Engine agents that the platform key's grants name) only exist once their API is on:
every resource the platform creates therefore depends on the Service of its API
(`ProjectApis.needed_by`), and the key grants naming an agent depend on the API that creates
the agent (`AGENT_APIS`). The project number and the Cloud Storage agent are read through
invokes that wait for Cloud Resource Manager and Cloud Storage the same way.

Only the Service Usage API itself cannot be enabled from the stack: it is what enables the
others (on by default in new projects; `docs/gcp.md` lists it under prerequisites)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

SERVICE_TYPE = "gcp:projects/service:Service"
CRM = "cloudresourcemanager.googleapis.com"
COMPUTE = "compute.googleapis.com"
CONTAINER = "container.googleapis.com"
STORAGE = "storage.googleapis.com"
IAM = "iam.googleapis.com"
KMS = "cloudkms.googleapis.com"
LOGGING = "logging.googleapis.com"
MONITORING = "monitoring.googleapis.com"
BUDGETS = "billingbudgets.googleapis.com"
ARTIFACT_REGISTRY = "artifactregistry.googleapis.com"

# Resource type -> the APIs it needs on before it can be created. Every GCP type a component
# creates must be listed here (tests/realcloud/test_gcp_constraints.py holds the stack to it).
# https://cloud.google.com/service-usage/docs/enable-disable ; each product's "Before you begin".
API_BY_TYPE: Mapping[str, tuple[str, ...]] = {
    "gcp:serviceaccount/account:Account": (IAM,),
    "gcp:serviceaccount/iAMMember:IAMMember": (IAM,),
    "gcp:projects/iAMMember:IAMMember": (CRM,),  # project IAM policy lives in Resource Manager
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": (CRM,),
    "gcp:kms/keyRing:KeyRing": (KMS,),
    "gcp:kms/cryptoKey:CryptoKey": (KMS,),
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": (KMS,),
    "gcp:compute/network:Network": (COMPUTE,),
    "gcp:compute/subnetwork:Subnetwork": (COMPUTE,),
    "gcp:compute/router:Router": (COMPUTE,),
    "gcp:compute/routerNat:RouterNat": (COMPUTE,),
    "gcp:compute/firewall:Firewall": (COMPUTE,),
    "gcp:compute/instanceTemplate:InstanceTemplate": (COMPUTE,),
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": (COMPUTE,),
    "gcp:compute/regionAutoscaler:RegionAutoscaler": (COMPUTE,),
    # GKE's system and workload logs and metrics go to Cloud Logging and Monitoring; nodes pull
    # images from Artifact Registry (the node account's artifactregistry.reader role).
    "gcp:container/cluster:Cluster": (CONTAINER, COMPUTE, LOGGING, MONITORING),
    "gcp:container/nodePool:NodePool": (CONTAINER, COMPUTE, ARTIFACT_REGISTRY),
    "gcp:storage/bucket:Bucket": (STORAGE,),
    "gcp:storage/bucketIAMMember:BucketIAMMember": (STORAGE,),
    "gcp:monitoring/notificationChannel:NotificationChannel": (MONITORING,),
    "gcp:billing/budget:Budget": (BUDGETS,),
}
# Service agents the platform names in grants, and the API whose enablement creates each.
# https://cloud.google.com/iam/docs/service-agents
AGENT_APIS: Mapping[str, str] = {"gke": CONTAINER, "compute": COMPUTE, "storage": STORAGE}


def apis_for(types: Iterable[str]) -> tuple[str, ...]:
    """The APIs the given resource types need, sorted; a type missing from the table is a bug."""
    needed: set[str] = set()
    for t in types:
        if t not in API_BY_TYPE:
            raise KeyError(f"{t}: no API listed for this resource type in components/gcp/apis.py API_BY_TYPE")
        needed.update(API_BY_TYPE[t])
    return tuple(sorted(needed))


ALL_APIS: tuple[str, ...] = tuple(sorted({CRM, *apis_for(API_BY_TYPE)}))


def resource_name(api: str) -> str:
    return api.removesuffix(".googleapis.com")


@dataclass(frozen=True, kw_only=True)
class ProjectApisArgs:
    project: str
    apis: Sequence[str] = ALL_APIS


class ProjectApis(pulumi.ComponentResource):
    services: dict[str, gcp.projects.Service]

    def __init__(self, name: str, args: ProjectApisArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:gcp:ProjectApis", name, None, opts)
        crm_first: list[pulumi.Resource] = []
        self.services = {}
        # Resource Manager first: the provider reads the project through it.
        for api in sorted(args.apis, key=lambda a: (a != CRM, a)):
            self.services[api] = gcp.projects.Service(
                f"{name}-{resource_name(api)}",
                gcp.projects.ServiceArgs(
                    project=args.project,
                    service=api,
                    disable_on_destroy=False,  # other stacks and people may rely on it
                    disable_dependent_services=False,
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(crm_first)),
            )
            if api == CRM:
                crm_first = [self.services[api]]
        self.register_outputs({"apis": list(self.services)})

    def needed_by(self, *types: str) -> list[pulumi.Resource]:
        """The Services the given resource types wait for."""
        return [self.services[api] for api in apis_for(types)]

    def of(self, *apis: str) -> list[pulumi.Resource]:
        return [self.services[api] for api in apis]
