"""Azure mocks: ARM resource ids, names and the computed fields azure-native returns.

Add a handler to `_HANDLERS` for a type whose computed outputs a component or policy reads;
every other type gets a generic ARM `id` and `name`.

Some computed fields live inside an object the program also sets (a vault's
`properties.vaultUri`, a cluster's `oidcIssuerProfile.issuerURL`, a disk encryption set's
`identity.principalId`). `PlatformMocks` keeps the program's value of a property over a
computed one, so handlers merge such objects into `state` themselves (`_merge`)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from blueprint.engine.mocks.common import MOCK_AZURE_TENANT, Handler, MockContext, State, hex_id, uuid_id

# API server address per cluster id, for the credentials the cluster hands out later (one
# stack per process, so module state is the stack's).
_SERVERS: dict[str, str] = {}
CREATED = "2026-01-01T00:00:00.0000000Z"


def call(m: MockContext, token: str, args: dict[str, Any]) -> dict[str, Any] | None:
    if token == "azure-native:authorization:getClientConfig":
        return {
            "subscriptionId": m.azure_subscription,
            "tenantId": MOCK_AZURE_TENANT,
            "clientId": uuid_id(m.stack, "client"),
            "objectId": uuid_id(m.stack, "object"),
        }
    if token == "azure-native:containerservice:listManagedClusterUserCredentials":
        return {"kubeconfigs": [{"name": "clusterUser", "value": _kubeconfig(m, args)}]}
    return None


def resource(m: MockContext, typ: str, state: State, auto: str) -> tuple[str, State]:
    _user_assigned_identities(m, state)
    handler = _HANDLERS.get(typ)
    if handler is not None:
        return handler(m, state, auto)
    module, kind = typ.split(":")[1], typ.split(":")[2]
    name = str(state.get(f"{kind[0].lower()}{kind[1:]}Name") or state.get("name") or auto)
    rid = f"{_group_id(m, state)}/providers/Microsoft.{module.capitalize()}/{kind}s/{name}"
    return rid, {"name": name, "id": rid}


def _group_id(m: MockContext, state: State) -> str:
    return f"/subscriptions/{m.azure_subscription}/resourceGroups/{state.get('resourceGroupName') or 'rg'}"


def _merge(state: State, key: str, computed: State) -> None:
    """Computed fields inside an object the program set: merged into `state` in place."""
    current = state.get(key)
    state[key] = {**(current if isinstance(current, dict) else {}), **computed}


def _user_assigned_identities(m: MockContext, state: State) -> None:
    """The program names user-assigned identities as a list of ids; Azure answers with a map
    from id to the identity's principal and client ids."""
    identity = state.get("identity")
    if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
        ids = identity["userAssignedIdentities"]
        _merge(
            state,
            "identity",
            {
                "userAssignedIdentities": {
                    i: {
                        "principalId": uuid_id(m.stack, str(i), "principal"),
                        "clientId": uuid_id(m.stack, str(i), "client"),
                    }
                    for i in ids
                }
            },
        )


def _common(rid: str, name: str, state: State, **extra: Any) -> tuple[str, State]:
    out: State = {"id": rid, "name": name, "provisioningState": "Succeeded", **extra}
    if "location" in state:
        out["location"] = state["location"]
    return rid, out


def _in_group(provider: str, kind: str, name_key: str, **computed: Callable[[MockContext, State, str], Any]) -> Handler:
    """A resource directly in a resource group: .../providers/<provider>/<kind>/<name>."""

    def handler(m: MockContext, s: State, auto: str) -> tuple[str, State]:
        name = str(s.get(name_key) or auto)
        rid = f"{_group_id(m, s)}/providers/{provider}/{kind}/{name}"
        return _common(rid, name, s, **{k: f(m, s, name) for k, f in computed.items()})

    return handler


def _extension(provider: str, kind: str, scope_key: str, name_key: str) -> Handler:
    """An extension resource on another resource: <scope>/providers/<provider>/<kind>/<name>."""

    def handler(m: MockContext, s: State, auto: str) -> tuple[str, State]:
        name = str(s.get(name_key) or auto)
        rid = f"{s.get(scope_key) or _group_id(m, s)}/providers/{provider}/{kind}/{name}"
        return _common(rid, name, s)

    return handler


def _resource_group(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("resourceGroupName") or auto)
    return _common(f"/subscriptions/{m.azure_subscription}/resourceGroups/{name}", name, s)


def _subnet(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("subnetName") or auto)
    vnet = f"{_group_id(m, s)}/providers/Microsoft.Network/virtualNetworks/{s.get('virtualNetworkName')}"
    return _common(f"{vnet}/subnets/{name}", name, s)


# Every network security group comes with these, below any rule of its own: name, priority,
# access, direction, source, destination, description (as Azure returns them).
_DEFAULT_SECURITY_RULES = (
    (
        "AllowVnetInBound",
        65000,
        "Allow",
        "Inbound",
        "VirtualNetwork",
        "VirtualNetwork",
        "Allow inbound traffic from all VMs in VNET",
    ),
    (
        "AllowAzureLoadBalancerInBound",
        65001,
        "Allow",
        "Inbound",
        "AzureLoadBalancer",
        "*",
        "Allow inbound traffic from azure load balancer",
    ),
    ("DenyAllInBound", 65500, "Deny", "Inbound", "*", "*", "Deny all inbound traffic"),
    (
        "AllowVnetOutBound",
        65000,
        "Allow",
        "Outbound",
        "VirtualNetwork",
        "VirtualNetwork",
        "Allow outbound traffic from all VMs to all VMs in VNET",
    ),
    (
        "AllowInternetOutBound",
        65001,
        "Allow",
        "Outbound",
        "*",
        "Internet",
        "Allow outbound traffic from all VMs to Internet",
    ),
    ("DenyAllOutBound", 65500, "Deny", "Outbound", "*", "*", "Deny all outbound traffic"),
)


def _network_security_group(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    """The group's own rules come back with ids and etags; Azure's default rules are computed."""
    name = str(s.get("networkSecurityGroupName") or auto)
    rid = f"{_group_id(m, s)}/providers/Microsoft.Network/networkSecurityGroups/{name}"
    etag = f'W/"{uuid_id(m.stack, rid, "etag")}"'

    def rule(kind: str, props: State) -> State:
        rule_id = f"{rid}/{kind}/{props['name']}"
        return {
            **props,
            "id": rule_id,
            "etag": etag,
            "provisioningState": "Succeeded",
            "type": f"Microsoft.Network/networkSecurityGroups/{kind}",
        }

    if isinstance(s.get("securityRules"), list):
        s["securityRules"] = [rule("securityRules", dict(r)) for r in s["securityRules"]]
    defaults = [
        rule(
            "defaultSecurityRules",
            {
                "name": rule_name,
                "description": description,
                "priority": priority,
                "access": access,
                "direction": direction,
                "protocol": "*",
                "sourceAddressPrefix": source,
                "sourcePortRange": "*",
                "destinationAddressPrefix": destination,
                "destinationPortRange": "*",
            },
        )
        for rule_name, priority, access, direction, source, destination, description in _DEFAULT_SECURITY_RULES
    ]
    return _common(rid, name, s, etag=etag, resourceGuid=uuid_id(m.stack, rid, "guid"), defaultSecurityRules=defaults)


def _public_ip(m: MockContext, s: State, name: str) -> str:
    h = bytes.fromhex(hex_id(m.stack, name, n=6))
    return f"20.{h[0]}.{h[1]}.{h[2]}"


def _identity(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("resourceName") or auto)
    rid = f"{_group_id(m, s)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    return _common(
        rid,
        name,
        s,
        principalId=uuid_id(m.stack, rid, "principal"),
        clientId=uuid_id(m.stack, rid, "client"),
        tenantId=MOCK_AZURE_TENANT,
    )


def _federated_credential(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("federatedIdentityCredentialResourceName") or auto)
    identity = f"{_group_id(m, s)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{s.get('resourceName')}"
    return _common(f"{identity}/federatedIdentityCredentials/{name}", name, s)


def _role_assignment(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("roleAssignmentName") or uuid_id(m.stack, auto))
    rid = f"{s.get('scope')}/providers/Microsoft.Authorization/roleAssignments/{name}"
    return _common(rid, name, s, principalType=s.get("principalType") or "User")


def _role_definition(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    """A custom role: its GUID (the program's `roleDefinitionId`) under the scope it is defined at."""
    name = str(s.get("roleDefinitionId") or uuid_id(m.stack, auto))
    rid = f"{s.get('scope')}/providers/Microsoft.Authorization/roleDefinitions/{name}"
    return _common(
        rid, name, s, type="Microsoft.Authorization/roleDefinitions", roleType=s.get("roleType") or "CustomRole"
    )


def _maintenance_configuration(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    """AKS answers with the window it stored: without a `startDate` it takes the creation date."""
    name = str(s.get("configName") or auto)
    cluster = f"{_group_id(m, s)}/providers/Microsoft.ContainerService/managedClusters/{s.get('resourceName')}"
    if isinstance(s.get("maintenanceWindow"), dict) and "startDate" not in s["maintenanceWindow"]:
        _merge(s, "maintenanceWindow", {"startDate": CREATED[:10]})
    return _common(
        f"{cluster}/maintenanceConfigurations/{name}",
        name,
        s,
        type="Microsoft.ContainerService/managedClusters/maintenanceConfigurations",
        systemData={"createdAt": CREATED, "createdByType": "Application"},
    )


def _vault(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("vaultName") or auto)[:24]
    _merge(s, "properties", {"vaultUri": f"https://{name}.vault.azure.net/", "provisioningState": "Succeeded"})
    return _common(f"{_group_id(m, s)}/providers/Microsoft.KeyVault/vaults/{name}", name, s)


def _key(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("keyName") or auto)
    vault = s.get("vaultName")
    uri = f"https://{vault}.vault.azure.net/keys/{name}"
    rid = f"{_group_id(m, s)}/providers/Microsoft.KeyVault/vaults/{vault}/keys/{name}"
    return _common(rid, name, s, keyUri=uri, keyUriWithVersion=f"{uri}/{hex_id(m.stack, rid, n=32)}")


def _disk_encryption_set(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("diskEncryptionSetName") or auto)
    rid = f"{_group_id(m, s)}/providers/Microsoft.Compute/diskEncryptionSets/{name}"
    _merge(s, "identity", {"principalId": uuid_id(m.stack, rid, "principal"), "tenantId": MOCK_AZURE_TENANT})
    return _common(rid, name, s)


def _managed_cluster(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("resourceName") or auto)
    rid = f"{_group_id(m, s)}/providers/Microsoft.ContainerService/managedClusters/{name}"
    host = f"{s.get('dnsPrefix') or name}-{hex_id(m.stack, rid, n=8)}"
    private = bool((s.get("apiServerAccessProfile") or {}).get("enablePrivateCluster"))
    _merge(
        s,
        "oidcIssuerProfile",
        {"issuerURL": f"https://{m.region}.oic.prod-aks.azure.com/{MOCK_AZURE_TENANT}/{uuid_id(m.stack, rid)}/"},
    )
    kubelet = f"/subscriptions/{m.azure_subscription}/resourceGroups/{s.get('nodeResourceGroup')}"
    extra: State = {
        "fqdn": f"{host}.hcp.{m.region}.azmk8s.io",
        "azurePortalFQDN": f"{host}.portal.hcp.{m.region}.azmk8s.io",
        "currentKubernetesVersion": f"{s.get('kubernetesVersion', '1.35')}.2",
        "powerState": {"code": "Running"},
        "maxAgentPools": 100,
        "resourceUID": hex_id(m.stack, rid, "uid", n=24),
        "identityProfile": {
            "kubeletidentity": {
                "clientId": uuid_id(m.stack, rid, "kubelet-client"),
                "objectId": uuid_id(m.stack, rid, "kubelet-object"),
                "resourceId": f"{kubelet}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}-agentpool",
            }
        },
    }
    if private:
        extra["privateFQDN"] = f"{host}.{uuid_id(m.stack, rid, 'dns')}.privatelink.{m.region}.azmk8s.io"
    _SERVERS[rid] = f"https://{extra['privateFQDN'] if private else extra['fqdn']}:443"
    return _common(rid, name, s, **extra)


def _agent_pool(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("agentPoolName") or auto)
    cluster = f"{_group_id(m, s)}/providers/Microsoft.ContainerService/managedClusters/{s.get('resourceName')}"
    return _common(f"{cluster}/agentPools/{name}", name, s, nodeImageVersion="AKSUbuntu-2204gen2containerd-202601.01.0")


def _storage_account(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("accountName") or auto)
    endpoints = {
        kind: f"https://{name}.{kind}.core.windows.net/" for kind in ("blob", "dfs", "file", "queue", "table", "web")
    }
    return _common(
        f"{_group_id(m, s)}/providers/Microsoft.Storage/storageAccounts/{name}",
        name,
        s,
        primaryEndpoints=endpoints,
        primaryLocation=s.get("location") or m.region,
        statusOfPrimary="available",
        creationTime=CREATED,
    )


def _account_child(path: str, name_key: str, fixed: str | None = None) -> Handler:
    def handler(m: MockContext, s: State, auto: str) -> tuple[str, State]:
        name = str(fixed or s.get(name_key) or auto)
        account = f"{_group_id(m, s)}/providers/Microsoft.Storage/storageAccounts/{s.get('accountName')}"
        return _common(f"{account}/{path}/{name}", name, s)

    return handler


def _workspace(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("workspaceName") or auto)
    rid = f"{_group_id(m, s)}/providers/Microsoft.OperationalInsights/workspaces/{name}"
    return _common(rid, name, s, customerId=uuid_id(m.stack, rid), createdDate=CREATED)


def _data_collection_rule(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("dataCollectionRuleName") or auto)
    rid = f"{_group_id(m, s)}/providers/Microsoft.Insights/dataCollectionRules/{name}"
    return _common(rid, name, s, immutableId=f"dcr-{hex_id(m.stack, rid, n=32)}")


def _budget(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("budgetName") or auto)
    rid = f"{s.get('scope')}/providers/Microsoft.Consumption/budgets/{name}"
    return _common(rid, name, s, eTag=f'"{hex_id(m.stack, rid, n=16)}"')


def _kubeconfig(m: MockContext, args: dict[str, Any]) -> str:
    """What AKS returns for format=exec: a kubelogin exec plugin, no static credential."""
    name = str(args.get("resourceName") or "cluster")
    rid = f"{_group_id(m, args)}/providers/Microsoft.ContainerService/managedClusters/{name}"
    server = _SERVERS.get(rid, f"https://{name}-{hex_id(m.stack, rid, n=8)}.hcp.{m.region}.azmk8s.io:443")
    text = f"""apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: TU9DSw==
    server: {server}
  name: {name}
contexts:
- context:
    cluster: {name}
    user: clusterUser_{args.get("resourceGroupName")}_{name}
  name: {name}
current-context: {name}
users:
- name: clusterUser_{args.get("resourceGroupName")}_{name}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --login, devicecode, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]
"""
    return base64.b64encode(text.encode()).decode()


_HANDLERS: dict[str, Handler] = {
    "azure-native:resources:ResourceGroup": _resource_group,
    "azure-native:network:VirtualNetwork": _in_group(
        "Microsoft.Network", "virtualNetworks", "virtualNetworkName", resourceGuid=lambda m, s, n: uuid_id(m.stack, n)
    ),
    "azure-native:network:Subnet": _subnet,
    "azure-native:network:NetworkSecurityGroup": _network_security_group,
    "azure-native:network:PublicIPAddress": _in_group(
        "Microsoft.Network", "publicIPAddresses", "publicIpAddressName", ipAddress=_public_ip
    ),
    "azure-native:network:NatGateway": _in_group(
        "Microsoft.Network", "natGateways", "natGatewayName", resourceGuid=lambda m, s, n: uuid_id(m.stack, n)
    ),
    "azure-native:managedidentity:UserAssignedIdentity": _identity,
    "azure-native:managedidentity:FederatedIdentityCredential": _federated_credential,
    "azure-native:authorization:RoleAssignment": _role_assignment,
    "azure-native:authorization:RoleDefinition": _role_definition,
    "azure-native:authorization:ManagementLockByScope": _extension(
        "Microsoft.Authorization", "locks", "scope", "lockName"
    ),
    "azure-native:keyvault:Vault": _vault,
    "azure-native:keyvault:Key": _key,
    "azure-native:compute:DiskEncryptionSet": _disk_encryption_set,
    "azure-native:compute:VirtualMachineScaleSet": _in_group(
        "Microsoft.Compute",
        "virtualMachineScaleSets",
        "vmScaleSetName",
        uniqueId=lambda m, s, n: uuid_id(m.stack, n, "vmss"),
        timeCreated=lambda m, s, n: CREATED,
    ),
    "azure-native:containerservice:ManagedCluster": _managed_cluster,
    "azure-native:containerservice:AgentPool": _agent_pool,
    "azure-native:containerservice:MaintenanceConfiguration": _maintenance_configuration,
    "azure-native:storage:StorageAccount": _storage_account,
    "azure-native:storage:BlobServiceProperties": _account_child("blobServices", "blobServicesName", "default"),
    "azure-native:storage:BlobContainer": _account_child("blobServices/default/containers", "containerName"),
    "azure-native:storage:ManagementPolicy": _account_child("managementPolicies", "managementPolicyName", "default"),
    "azure-native:operationalinsights:Workspace": _workspace,
    "azure-native:monitor:DataCollectionRule": _data_collection_rule,
    "azure-native:monitor:DataCollectionRuleAssociation": _extension(
        "Microsoft.Insights", "dataCollectionRuleAssociations", "resourceUri", "associationName"
    ),
    "azure-native:monitor:DiagnosticSetting": _extension(
        "Microsoft.Insights", "diagnosticSettings", "resourceUri", "name"
    ),
    "azure-native:monitor:AutoscaleSetting": _in_group(
        "Microsoft.Insights", "autoscalesettings", "autoscaleSettingName"
    ),
    "azure-native:monitor:ActionGroup": _in_group("Microsoft.Insights", "actionGroups", "actionGroupName"),
    "azure-native:consumption:Budget": _budget,
}
