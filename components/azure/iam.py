"""Workload identities: one user-assigned managed identity per blueprint workload, federated
with the AKS OIDC issuer for exactly its namespace/service account (Entra Workload ID), so a
pod gets Entra tokens without any secret. Permissions come only from grants, as role
assignments at the narrowest scope (`TieredBucket.grant_read/grant_write` on one container,
`grant_key` on the one key, a custom role of only the data actions it needs): never Owner,
Contributor or a subscription-wide role."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import pulumi
from pulumi_azure_native import managedidentity

from components.azure import roles
from components.azure.encryption_key import EncryptionKey
from components.azure.placement import Placement
from components.azure.sdk import resource_kwargs

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"


@dataclass(frozen=True, kw_only=True)
class WorkloadIdentityArgs:
    placement: Placement
    namespace: str
    service_account: str


def service_account_subject(namespace: str, service_account: str) -> str:
    return f"system:serviceaccount:{namespace}:{service_account}"


class WorkloadIdentity(pulumi.ComponentResource):
    """A managed identity a pod uses through workload identity. Federate it with the cluster
    with `bind(issuer_url)` once the cluster exists; add permissions with grants. Pods opt in
    with the `azure.workload.identity/use: "true"` label and the service account annotation
    `azure.workload.identity/client-id: <client_id>`."""

    identity: managedidentity.UserAssignedIdentity
    client_id: pulumi.Output[str]
    principal_id: pulumi.Output[str]

    def __init__(self, name: str, args: WorkloadIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:azure:WorkloadIdentity", name, None, opts)
        self._name = name
        self._args = args
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            managedidentity.UserAssignedIdentityArgs(
                resource_group_name=args.placement.resource_group_name, location=args.placement.location
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.client_id = self.identity.client_id
        self.principal_id = self.identity.principal_id
        self.register_outputs({"clientId": self.client_id, "principalId": self.principal_id})

    def bind(self, issuer_url: pulumi.Input[str]) -> managedidentity.FederatedIdentityCredential:
        return managedidentity.FederatedIdentityCredential(
            f"{self._name}-federation",
            **resource_kwargs(
                managedidentity.FederatedIdentityCredentialArgs(
                    resource_group_name=self._args.placement.resource_group_name,
                    resource_name=self.identity.name,
                    issuer=issuer_url,
                    subject=service_account_subject(self._args.namespace, self._args.service_account),
                    audiences=[TOKEN_EXCHANGE_AUDIENCE],
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def add_role(
        self,
        suffix: str,
        role: roles.BuiltInRole | roles.CustomRole,
        scope: pulumi.Input[str],
        description: str,
        depends_on: Sequence[pulumi.Resource] = (),
    ) -> None:
        roles.assign_role(
            f"{self._name}-{suffix}",
            role=role,
            scope=scope,
            principal_id=self.principal_id,
            subscription_id=self._args.placement.subscription_id,
            description=f"{self._args.namespace}/{self._args.service_account}: {description}",
            parent=self,
            depends_on=depends_on,
        )


class RoleHolder(Protocol):
    """An identity buckets grant roles to: a workload's, or a VM group's."""

    def add_role(self, suffix: str, role: roles.BuiltInRole, scope: pulumi.Input[str], description: str) -> None: ...


def grant_key(identity: WorkloadIdentity, key: EncryptionKey, access: str) -> None:
    """Direct key use for application-level encryption (`keyAccess` in the blueprint): the
    key's custom role for that level (read plus decrypt/unwrap, and encrypt/wrap for
    `encrypt-decrypt`) on this key only, once Azure has replicated the role definition."""
    role, ready = key.use_role(access)
    identity.add_role("key", role, key.key_id, f"key use ({access})", depends_on=ready)
