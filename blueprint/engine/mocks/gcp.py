"""GCP mocks: self-links, ids and names as the Google provider computes them.

Add a handler to `_HANDLERS` for a type whose computed outputs a component or policy reads;
every other type gets the generic `id`/`name`/`selfLink`."""

from __future__ import annotations

import ipaddress
from typing import Any

from blueprint.engine.mocks.common import Handler, MockContext, State, hex_id, uuid_id

API = "https://www.googleapis.com/compute/v1"
MOCK_PROJECT_NUMBER = "123456789012"
# A syntactically valid PEM certificate, base64-encoded as GKE returns it.
MOCK_CA = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1PQ0sKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
ZONES = ("a", "b", "c")
CREATED = "2026-01-01T00:00:00.000-08:00"  # creationTimestamp as Compute Engine writes it
# An existing subnetwork (`network.existingSubnetIds`) as getSubnetwork describes it: a node
# range with GKE's customary pods and services ranges, in a network of its own.
EXISTING_NETWORK = "shared-vpc"
EXISTING_RANGES = {"": "10.128.0.0/20", "pods": "10.4.0.0/14", "services": "10.8.0.0/20"}


def call(m: MockContext, token: str, args: dict[str, Any]) -> dict[str, Any] | None:
    project = str(args.get("projectId") or args.get("project") or m.gcp_project)
    if token == "gcp:organizations/getProject:getProject":
        return {"projectId": project, "number": MOCK_PROJECT_NUMBER, "name": project, "id": f"projects/{project}"}
    if token == "gcp:storage/getProjectServiceAccount:getProjectServiceAccount":
        email = f"service-{MOCK_PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com"
        return {"emailAddress": email, "member": f"serviceAccount:{email}", "project": project, "id": email}
    if token == "gcp:organizations/getClientConfig:getClientConfig":
        return {"project": project, "region": m.region, "zone": f"{m.region}-a", "accessToken": "mock-token"}
    if token == "gcp:compute/getSubnetwork:getSubnetwork":
        return _existing_subnetwork(m, args, project)
    return None


def _existing_subnetwork(m: MockContext, args: dict[str, Any], project: str) -> dict[str, Any]:
    """getSubnetwork by name (with region and project) or by full self link."""
    link = str(args.get("selfLink") or "")
    if link:
        parts = link.split("/")  # .../projects/<p>/regions/<r>/subnetworks/<n>
        project, region, name = parts[-5], parts[-3], parts[-1]
    else:
        name, region = str(args.get("name")), str(args.get("region") or m.region)
    rid = f"projects/{project}/regions/{region}/subnetworks/{name}"
    nodes = EXISTING_RANGES[""]
    return {
        "id": rid,
        "name": name,
        "project": project,
        "region": region,
        "selfLink": f"{API}/{rid}",
        "network": f"{API}/projects/{project}/global/networks/{EXISTING_NETWORK}",
        "ipCidrRange": nodes,
        "gatewayAddress": str(next(ipaddress.IPv4Network(nodes).hosts())),
        "secondaryIpRanges": [{"rangeName": k, "ipCidrRange": v} for k, v in EXISTING_RANGES.items() if k],
        "privateIpGoogleAccess": True,
        "stackType": "IPV4_ONLY",
        "ipv6AccessType": "",
        "internalIpv6Prefix": "",
        "externalIpv6Prefix": "",
        "description": "",
        "subnetworkId": int(_numeric(rid, "subnetwork", digits=15)),  # exact in a JSON number
    }


def resource(m: MockContext, typ: str, state: State, auto: str) -> tuple[str, State]:
    handler = _HANDLERS.get(typ)
    if handler is not None:
        return handler(m, state, auto)
    name = str(state.get("name") or auto)
    kind = typ.split(":")[2][0].lower() + typ.split(":")[2][1:] + "s"
    rid = f"projects/{m.gcp_project}/{kind}/{name}"
    return rid, {"name": name, "selfLink": f"{API}/{rid}", "project": state.get("project") or m.gcp_project}


def _project(m: MockContext, s: State) -> str:
    return str(s.get("project") or m.gcp_project)


def _numeric(*parts: str, digits: int = 19) -> str:
    return str(int(hex_id(*parts, n=16), 16) % 10**digits).rjust(digits, "1")


def _compute(scope: str, collection: str) -> Handler:
    """Compute Engine resources: id `projects/<p>/<scope>/<collection>/<name>` and a selfLink."""

    def handler(m: MockContext, s: State, auto: str) -> tuple[str, State]:
        name = str(s.get("name") or auto)
        where = "global" if scope == "global" else f"regions/{s.get('region') or m.region}"
        rid = f"projects/{_project(m, s)}/{where}/{collection}/{name}"
        extra: State = {"name": name, "selfLink": f"{API}/{rid}", "project": _project(m, s)}
        if scope != "global":
            extra["region"] = s.get("region") or m.region
        return rid, extra

    return handler


def _subnetwork(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    rid, extra = _compute("regional", "subnetworks")(m, s, auto)
    cidr = s.get("ipCidrRange")
    if isinstance(cidr, str):
        extra["gatewayAddress"] = str(next(ipaddress.IPv4Network(cidr).hosts()))
    extra["fingerprint"] = hex_id(auto, "fp", n=12)
    return rid, extra


def _router_nat(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("name") or auto)
    region = s.get("region") or m.region
    return f"{_project(m, s)}/{region}/{s.get('router')}/{name}", {"name": name, "region": region}


def _firewall(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    rid, extra = _compute("global", "firewalls")(m, s, auto)
    extra["creationTimestamp"] = CREATED
    return rid, extra


def _instance_template(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    rid, extra = _compute("global", "instanceTemplates")(m, s, auto)
    uid = _numeric(auto, "template")
    extra.update({"selfLinkUnique": f"{extra['selfLink']}?uniqueId={uid}", "numericId": uid})
    extra.update({"metadataFingerprint": hex_id(auto, "meta", n=12), "tagsFingerprint": hex_id(auto, "tags", n=12)})
    return rid, extra


def _instance_group_manager(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    rid, extra = _compute("regional", "instanceGroupManagers")(m, s, auto)
    extra["instanceGroup"] = extra["selfLink"].replace("instanceGroupManagers", "instanceGroups")
    extra.update({"fingerprint": hex_id(auto, "fp", n=12), "instanceGroupManagerId": _numeric(auto, "igm")})
    return rid, extra


def _cluster(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("name") or auto)
    location = s.get("location") or m.region
    rid = f"projects/{_project(m, s)}/locations/{location}/clusters/{name}"
    private = dict(s.get("privateClusterConfig") or {})
    master = ipaddress.IPv4Network(private.get("masterIpv4CidrBlock") or "172.16.0.0/28")
    private_ip = str(master.network_address + 2)
    public_ip = f"34.90.{int(hex_id(auto, n=2), 16)}.{int(hex_id(auto, 'ip', n=2), 16)}"
    private.update(
        {"privateEndpoint": private_ip, "publicEndpoint": public_ip, "peeringName": f"gke-n{hex_id(auto, n=18)}-peer"}
    )
    auth = dict(s.get("masterAuth") or {})
    auth["clusterCaCertificate"] = MOCK_CA
    endpoints = dict(s.get("controlPlaneEndpointsConfig") or {})
    dns = dict(endpoints.get("dnsEndpointConfig") or {})
    if dns:  # the DNS-based endpoint: gke-<id>-<project number>.<region>.gke.goog
        dns["endpoint"] = f"gke-{hex_id(auto, 'dns', n=32)}-{MOCK_PROJECT_NUMBER}.{location}.gke.goog"
        endpoints["dnsEndpointConfig"] = dns
        s["controlPlaneEndpointsConfig"] = endpoints  # computed inside an input object: merged in place
    return rid, {
        "name": name,
        "location": location,
        "project": _project(m, s),
        "selfLink": f"https://container.googleapis.com/v1/{rid}",
        "endpoint": private_ip if private.get("enablePrivateEndpoint") else public_ip,
        "masterAuth": auth,
        "privateClusterConfig": private,
        "controlPlaneEndpointsConfig": endpoints,
        "masterVersion": f"{s.get('minMasterVersion') or '1.35'}.7-gke.1222000",
        "labelFingerprint": hex_id(auto, "labels", n=8),
        "servicesIpv4Cidr": "10.0.64.0/19",
        "operation": None,
    }


def _node_pool(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("name") or auto)
    cluster_ref = str(s.get("cluster") or "cluster")
    cluster = cluster_ref.rsplit("/", 1)[-1]
    location = s.get("location") or m.region
    rid = f"projects/{_project(m, s)}/locations/{location}/clusters/{cluster}/nodePools/{name}"
    group = f"gke-{cluster[:14]}-{name[:15]}-{hex_id(auto, n=8)}-grp"
    zones = [f"{location}-{z}" for z in ZONES]
    return rid, {
        "name": name,
        "location": location,
        "project": _project(m, s),
        "instanceGroupUrls": [
            f"{API}/projects/{_project(m, s)}/zones/{z}/instanceGroupManagers/{group}" for z in zones
        ],
        "managedInstanceGroupUrls": [
            f"{API}/projects/{_project(m, s)}/zones/{z}/instanceGroups/{group}" for z in zones
        ],
        "nodeLocations": zones,
        "version": "1.35.7-gke.1222000",  # a GKE Regular default of 2026-08
    }


def _bucket(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("name") or auto)
    return name, {
        "name": name,
        "url": f"gs://{name}",
        "selfLink": f"https://www.googleapis.com/storage/v1/b/{name}",
        "project": _project(m, s),
        "projectNumber": MOCK_PROJECT_NUMBER,
        "timeCreated": "2025-01-01T00:00:00.000Z",
    }


def _iam_member(parent_key: str, fmt: str) -> Handler:
    """IAM members: the provider's id `<resource> <role> <member>` (or `/`-separated) and an etag."""

    def handler(m: MockContext, s: State, auto: str) -> tuple[str, State]:
        target = s.get(parent_key) or _project(m, s)
        sep = " " if fmt == "space" else "/"
        target = f"b/{target}" if parent_key == "bucket" else target
        return sep.join([str(target), str(s.get("role")), str(s.get("member"))]), {"etag": f"BwY{hex_id(auto, n=9)}="}

    return handler


def _key_ring(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("name") or auto)
    location = s.get("location") or m.region
    return f"projects/{_project(m, s)}/locations/{location}/keyRings/{name}", {"name": name, "project": _project(m, s)}


def _crypto_key(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("name") or auto)
    rid = f"{s.get('keyRing')}/cryptoKeys/{name}"
    return rid, {"name": name, "primaries": [{"name": f"{rid}/cryptoKeyVersions/1", "state": "ENABLED"}]}


def _service_account(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    account_id = str(s.get("accountId") or auto[:30])
    email = f"{account_id}@{_project(m, s)}.iam.gserviceaccount.com"
    rid = f"projects/{_project(m, s)}/serviceAccounts/{email}"
    return rid, {
        "accountId": account_id,
        "email": email,
        "name": rid,
        "member": f"serviceAccount:{email}",
        "uniqueId": _numeric(auto, "sa", digits=21),
        "project": _project(m, s),
    }


def _notification_channel(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    rid = f"projects/{_project(m, s)}/notificationChannels/{_numeric(auto, 'channel')}"
    return rid, {"name": rid, "verificationStatus": "VERIFIED", "project": _project(m, s)}


def _budget(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    rid = f"billingAccounts/{s.get('billingAccount')}/budgets/{uuid_id(auto)}"
    return rid, {"name": rid}


def _service(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    """An enabled API: the provider's id is `<project>/<service>`."""
    return f"{_project(m, s)}/{s.get('service')}", {"project": _project(m, s)}


def _audit_config(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    """A project's audit config for one service: id `<project>/audit/<service>` and the policy etag."""
    return f"{_project(m, s)}/audit/{s.get('service')}", {"etag": f"BwY{hex_id(auto, n=9)}=", "project": _project(m, s)}


_HANDLERS: dict[str, Handler] = {
    "gcp:projects/service:Service": _service,
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": _audit_config,
    "gcp:compute/network:Network": _compute("global", "networks"),
    "gcp:compute/subnetwork:Subnetwork": _subnetwork,
    "gcp:compute/router:Router": _compute("regional", "routers"),
    "gcp:compute/routerNat:RouterNat": _router_nat,
    "gcp:compute/firewall:Firewall": _firewall,
    "gcp:compute/instanceTemplate:InstanceTemplate": _instance_template,
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": _instance_group_manager,
    "gcp:compute/regionAutoscaler:RegionAutoscaler": _compute("regional", "autoscalers"),
    "gcp:container/cluster:Cluster": _cluster,
    "gcp:container/nodePool:NodePool": _node_pool,
    "gcp:storage/bucket:Bucket": _bucket,
    "gcp:storage/bucketIAMMember:BucketIAMMember": _iam_member("bucket", "space"),
    "gcp:kms/keyRing:KeyRing": _key_ring,
    "gcp:kms/cryptoKey:CryptoKey": _crypto_key,
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": _iam_member("cryptoKeyId", "slash"),
    "gcp:serviceaccount/account:Account": _service_account,
    "gcp:serviceaccount/iAMMember:IAMMember": _iam_member("serviceAccountId", "slash"),
    "gcp:projects/iAMMember:IAMMember": _iam_member("project", "slash"),
    "gcp:monitoring/notificationChannel:NotificationChannel": _notification_channel,
    "gcp:billing/budget:Budget": _budget,
}
