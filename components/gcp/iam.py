"""IAM: the node service account (GKE's default node role and image pulls, never the Compute
Engine default account) and one Google service account per workload, bound to its Kubernetes
service account with Workload Identity (`roles/iam.workloadIdentityUser` on the Google
service account, for `<project>.svc.id.goog[<namespace>/<ksa>]` only). Workload
permissions come only from grants (`TieredBucket.grant_read/grant_write`, `grant_key`),
which are bucket- and key-level bindings: no workload gets a project-level role, and no one
gets a basic role (owner, editor, viewer)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import pulumi
import pulumi_gcp as gcp

from components.gcp.encryption_key import DECRYPTER, ENCRYPTER_DECRYPTER, EncryptionKey

# GKE's least-privilege node role (logs, metrics, resource metadata), plus pulling images from
# Artifact Registry. https://cloud.google.com/kubernetes-engine/docs/how-to/service-accounts
# names roles/container.defaultNodeServiceAccount in place of the older set of four roles.
NODE_ROLES = (
    "roles/container.defaultNodeServiceAccount",
    "roles/artifactregistry.reader",
)
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"


class BucketPrincipal(Protocol):
    """A service account buckets grant to: a workload's, or a VM group's. `grantee` names the
    grant resources (unique among a bucket's grantees); `member` is the IAM member string."""

    @property
    def grantee(self) -> str: ...

    @property
    def member(self) -> pulumi.Output[str]: ...


def member(email: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.from_input(email).apply(lambda e: f"serviceAccount:{e}")


def project_roles(
    owner: pulumi.Resource,
    name: str,
    project: str,
    email: pulumi.Input[str],
    roles: tuple[str, ...],
    *,
    depends_on: Sequence[pulumi.Resource] = (),
) -> None:
    """Project-level predefined roles for a platform service account (never a workload's)."""
    for role in roles:
        gcp.projects.IAMMember(
            f"{name}-{role.removeprefix('roles/').replace('.', '-')}",
            gcp.projects.IAMMemberArgs(project=project, role=role, member=member(email)),
            opts=pulumi.ResourceOptions(parent=owner, depends_on=list(depends_on)),
        )


@dataclass(frozen=True, kw_only=True)
class NodeServiceAccountArgs:
    project: str
    account_id: str
    depends_on: Sequence[pulumi.Resource] = ()  # the IAM and Resource Manager APIs


class NodeServiceAccount(pulumi.ComponentResource):
    account: gcp.serviceaccount.Account
    email: pulumi.Output[str]

    def __init__(self, name: str, args: NodeServiceAccountArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:gcp:NodeServiceAccount", name, None, opts)
        self.account = gcp.serviceaccount.Account(
            f"{name}-sa",
            gcp.serviceaccount.AccountArgs(
                account_id=args.account_id,
                display_name="ML platform GKE nodes",
                description="Node service account: logs, metrics and image pulls only",
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        self.email = self.account.email
        project_roles(self, name, args.project, self.email, NODE_ROLES, depends_on=args.depends_on)
        self.register_outputs({"email": self.email})


@dataclass(frozen=True, kw_only=True)
class WorkloadIdentityArgs:
    account_id: str
    namespace: str
    service_account: str  # the Kubernetes service account
    depends_on: Sequence[pulumi.Resource] = ()  # the IAM API


class WorkloadIdentity(pulumi.ComponentResource):
    """A Google service account a pod acts as through GKE Workload Identity. Bind it with
    `bind(project, depends_on=[cluster])` once the cluster (and so the identity pool) exists;
    add permissions with grants. Annotate the Kubernetes service account with
    `iam.gke.io/gcp-service-account: <email>`."""

    account: gcp.serviceaccount.Account
    email: pulumi.Output[str]
    member: pulumi.Output[str]

    def __init__(self, name: str, args: WorkloadIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:gcp:WorkloadIdentity", name, None, opts)
        self.workload = name
        self.grantee = name
        self._args = args
        self.account = gcp.serviceaccount.Account(
            f"{name}-sa",
            gcp.serviceaccount.AccountArgs(
                account_id=args.account_id,
                display_name=f"ML platform workload {name}",
                description=f"Workload Identity for {args.namespace}/{args.service_account}",
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        self.email = self.account.email
        self.member = member(self.email)
        self.register_outputs({"email": self.email})

    def bind(self, project: str, depends_on: list[pulumi.Resource]) -> gcp.serviceaccount.IAMMember:
        """Only this namespace/service account in this project's identity pool may act as us."""
        ksa = f"serviceAccount:{project}.svc.id.goog[{self._args.namespace}/{self._args.service_account}]"
        return gcp.serviceaccount.IAMMember(
            f"{self.workload}-binding",
            gcp.serviceaccount.IAMMemberArgs(
                service_account_id=self.account.name, role=WORKLOAD_IDENTITY_USER, member=ksa
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*self._args.depends_on, *depends_on]),
        )


def grant_key(identity: WorkloadIdentity, key: EncryptionKey, access: str) -> None:
    """Direct key use for application-level encryption (`keyAccess` in the blueprint)."""
    role = ENCRYPTER_DECRYPTER if access == "encrypt-decrypt" else DECRYPTER
    key.grant(f"{identity.workload}-key", identity.member, role, parent=identity)
