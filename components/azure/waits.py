"""Waits for Azure's eventual consistency, in one place.

A role assignment (or a custom role definition) exists in ARM as soon as it is created, but
the services that check it see it only after it has propagated. A resource that uses a grant
at creation time (a storage account wrapping its key, a disk encryption set's first disk, an
AKS cluster checking its identity's access) fails when it is created seconds after the grant.
So the consumer depends on a `time.Sleep` (pulumiverse-time) that depends on the grants:
consumer -> sleep -> role assignment. The sleep runs only when it is created, or when one of
its grants is replaced (the grants' ids are its triggers); later `pulumi up`s do not wait.

Durations are the documented upper bounds (read 2026-12-03):
- Key Vault data-plane RBAC: "Role assignments latency: at current expected performance, it
  will take up to 10 minutes (600 seconds) after role assignments is changed for role to be
  applied" (https://learn.microsoft.com/azure/key-vault/general/rbac-guide, "Known limits and
  performance").
- The AKS cluster identity: "It may take up to 60 minutes for the permissions granted to your
  cluster's managed identity to populate"
  (https://learn.microsoft.com/azure/aks/use-managed-identity, bring your own control plane
  identity).
- Azure RBAC for Kubernetes authorization: "Role assignments can take up to five minutes to
  propagate" before the API server honours them
  (https://learn.microsoft.com/azure/aks/manage-azure-rbac, create role assignments): the
  cluster layer's Kubernetes provider, authenticating as the deployer, waits for them.
- Custom role definitions are eventually consistent; an assignment made right after the
  definition can fail with RoleDefinitionDoesNotExist. No Microsoft page gives a bound; the
  providers' maintainers observed about five minutes
  (https://github.com/hashicorp/terraform-provider-azurerm/issues/5038,
  https://github.com/pulumi/pulumi-azure/issues/840,
  https://github.com/openshift/cloud-credential-operator/pull/556)."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumiverse_time as time

KEY_VAULT_RBAC = "10m"
CLUSTER_IDENTITY = "60m"
CUSTOM_ROLE_DEFINITION = "5m"
AKS_AZURE_RBAC = "5m"


def after(name: str, grants: Sequence[pulumi.CustomResource], duration: str, *, parent: pulumi.Resource) -> time.Sleep:
    """A sleep of `duration` that starts once every one of `grants` exists; make the consumer
    depend on it."""
    if not grants:
        raise ValueError(f"{name}: a wait needs the grants it waits for")
    return time.Sleep(
        name,
        time.SleepArgs(
            create_duration=duration,
            triggers={f"grant{i}": g.id for i, g in enumerate(grants)},
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(grants)),
    )
