"""Mocks that answer like the clouds do: each resource gets the computed outputs its provider
would return (ids, ARNs, auto-generated names, self-links, endpoints), so policy documents,
key policies and cross-references render as in a real preview.

Values are deterministic (derived from the stack and resource name), so plans and reports
are stable across runs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

MOCK_ACCOUNT = "123456789012"
MOCK_AZURE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
State = dict[str, Any]


def _hex(*parts: str, n: int = 8) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def _uuid(*parts: str) -> str:
    h = _hex(*parts, n=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class PlatformMocks(Mocks):
    def __init__(self, *, project: str, stack: str, config: Mapping[str, Any]) -> None:
        self.project, self.stack = project, stack
        self.region = str(
            config.get("aws:region") or config.get("gcp:region") or config.get("azure-native:location") or "us-east-1"
        )
        bp = config.get("ml-platform:blueprint")
        aws_block = bp.get("aws", {}) if isinstance(bp, dict) else {}
        self.account = str(aws_block.get("accountId") or MOCK_ACCOUNT) if isinstance(aws_block, dict) else MOCK_ACCOUNT
        self.gcp_project = str(config.get("gcp:project") or "mock-project")
        self.subscription = str(config.get("azure-native:subscriptionId") or MOCK_AZURE_SUBSCRIPTION)

    # -- invokes -------------------------------------------------------------------------
    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]  # the runtime accepts a plain dict
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            arn = f"arn:aws:sts::{self.account}:assumed-role/ci-deployer/session"
            return {"accountId": self.account, "arn": arn, "userId": "AROAMOCK:session", "id": self.account}
        if token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region, "id": self.region}
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        if token == "gcp:organizations/getProject:getProject":
            return {"projectId": self.gcp_project, "number": "123456789012", "name": self.gcp_project}
        if token == "azure-native:authorization:getClientConfig":
            return {
                "subscriptionId": self.subscription,
                "tenantId": "11111111-1111-1111-1111-111111111111",
                "clientId": "22222222-2222-2222-2222-222222222222",
                "objectId": "33333333-3333-3333-3333-333333333333",
            }
        return {}

    # -- resources -----------------------------------------------------------------------
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        name = args.name
        auto = f"{name}-{_hex(self.stack, args.typ, name, n=7)}"
        state: State = dict(args.inputs)
        rid = auto
        handler = _AWS.get(args.typ)
        if handler is not None:
            rid, extra = handler(self, state, auto)
            state.update({k: v for k, v in extra.items() if k not in state or k in _ALWAYS_COMPUTED})
        elif args.typ.startswith("aws:") and "arn" not in state:
            service = args.typ.split(":")[1].split("/")[0]
            state["arn"] = f"arn:aws:{service}:{self.region}:{self.account}:{args.typ.split(':')[2].lower()}/{auto}"
        if args.typ.startswith("aws:") and isinstance(state.get("tags"), dict):
            state["tagsAll"] = dict(state["tags"])
        return rid, state

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account if account else ''}:{resource}"


_ALWAYS_COMPUTED = {"arn", "id"}
Handler = Callable[[PlatformMocks, State, str], tuple[str, State]]


def _bucket(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
    name = s.get("bucket") or (s.get("bucketPrefix", "") + _hex(auto, n=12) if s.get("bucketPrefix") else auto)
    return name, {
        "bucket": name,
        "arn": f"arn:aws:s3:::{name}",
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{m.region}.amazonaws.com",
        "region": m.region,
    }


def _kms_key(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
    kid = _uuid(auto)
    return kid, {"keyId": kid, "arn": m.arn("kms", f"key/{kid}")}


def _kms_alias(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
    name = s.get("name") or f"{s.get('namePrefix', 'alias/')}{_hex(auto, n=26)}"
    return name, {
        "name": name,
        "arn": m.arn("kms", name),
        "targetKeyArn": m.arn("kms", f"key/{s.get('targetKeyId', '')}"),
    }


def _iam_role(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
    name = s.get("name") or (s["namePrefix"] + _hex(auto, n=26) if s.get("namePrefix") else auto)
    return name, {
        "name": name,
        "arn": m.arn("iam", f"role{s.get('path', '/')}{name}", region=False),
        "uniqueId": "AROA" + _hex(auto, n=17).upper(),
    }


def _iam_named(kind: str) -> Handler:
    def handler(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
        name = s.get("name") or auto
        return name, {"name": name, "arn": m.arn("iam", f"{kind}/{name}", region=False)}

    return handler


def _role_policy(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
    name = s.get("name") or auto
    return f"{s.get('role')}:{name}", {"name": name}


def _eks_cluster(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
    name = s.get("name") or auto
    host = _hex(auto, n=32).upper()
    return name, {
        "name": name,
        "arn": m.arn("eks", f"cluster/{name}"),
        "endpoint": f"https://{host}.gr7.{m.region}.eks.amazonaws.com",
        "certificateAuthority": {
            "data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1PQ0sKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
        },
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{m.region}.amazonaws.com/id/{host}"}]}],
        "platformVersion": "eks.1",
        "status": "ACTIVE",
        "vpcConfig": {
            **s.get("vpcConfig", {}),
            "clusterSecurityGroupId": f"sg-{_hex(auto, 'sg', n=17)}",
            "vpcId": f"vpc-{_hex(auto, 'vpc', n=17)}",
        },
    }


def _node_group(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
    name = s.get("nodeGroupName") or auto
    cluster = s.get("clusterName", "cluster")
    uid = _uuid(auto)
    return f"{cluster}:{name}", {
        "nodeGroupName": name,
        "arn": m.arn("eks", f"nodegroup/{cluster}/{name}/{uid}"),
        "status": "ACTIVE",
        "resources": [{"autoscalingGroups": [{"name": f"eks-{name}-{uid}"}], "remoteAccessSecurityGroupId": ""}],
    }


def _ec2(prefix: str, service_kind: str | None = None) -> Handler:
    def handler(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
        rid = f"{prefix}-{_hex(auto, n=17)}"
        extra: State = {}
        if service_kind:
            extra["arn"] = m.arn("ec2", f"{service_kind}/{rid}")
        return rid, extra

    return handler


def _launch_template(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
    rid = f"lt-{_hex(auto, n=17)}"
    return rid, {
        "arn": m.arn("ec2", f"launch-template/{rid}"),
        "latestVersion": 1,
        "defaultVersion": 1,
        "name": s.get("name") or (s.get("namePrefix", "") + _hex(auto, n=26)),
    }


def _asg(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
    name = s.get("name") or (s.get("namePrefix", "") + _hex(auto, n=26))
    return name, {
        "name": name,
        "arn": m.arn("autoscaling", f"autoScalingGroup:{_hex(auto, n=8)}:autoScalingGroupName/{name}"),
    }


def _log_group(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
    name = s.get("name") or auto
    return name, {"name": name, "arn": m.arn("logs", f"log-group:{name}")}


def _budget(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
    name = s.get("name") or auto
    return f"{m.account}:{name}", {
        "name": name,
        "accountId": m.account,
        "arn": m.arn("budgets", f"budget/{name}", region=False),
    }


def _pod_identity(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
    aid = f"a-{_hex(auto, n=17)}"
    return f"{s.get('clusterName')},{aid}", {
        "associationId": aid,
        "associationArn": m.arn("eks", f"podidentityassociation/{s.get('clusterName')}/{aid}"),
    }


def _passthrough(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
    return auto, {}


def _bucket_child(m: PlatformMocks, s: State, auto: str) -> tuple[str, State]:
    return str(s.get("bucket", auto)), {}


_AWS: dict[str, Handler] = {
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _bucket_child,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _bucket_child,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _bucket_child,
    "aws:s3/bucketVersioning:BucketVersioning": _bucket_child,
    "aws:s3/bucketPolicy:BucketPolicy": _bucket_child,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _bucket_child,
    "aws:s3/bucketLogging:BucketLogging": _bucket_child,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/instanceProfile:InstanceProfile": _iam_named("instance-profile"),
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _passthrough,
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "aws:eks/addon:Addon": _passthrough,
    "aws:eks/accessEntry:AccessEntry": _passthrough,
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": _pod_identity,
    "aws:ec2/vpc:Vpc": _ec2("vpc", "vpc"),
    "aws:ec2/subnet:Subnet": _ec2("subnet", "subnet"),
    "aws:ec2/internetGateway:InternetGateway": _ec2("igw", "internet-gateway"),
    "aws:ec2/eip:Eip": _ec2("eipalloc", "elastic-ip"),
    "aws:ec2/natGateway:NatGateway": _ec2("nat"),
    "aws:ec2/routeTable:RouteTable": _ec2("rtb", "route-table"),
    "aws:ec2/route:Route": _ec2("r"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _ec2("rtbassoc"),
    "aws:ec2/securityGroup:SecurityGroup": _ec2("sg", "security-group"),
    "aws:ec2/flowLog:FlowLog": _ec2("fl", "vpc-flow-log"),
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
    "aws:autoscaling/group:Group": _asg,
    "aws:autoscaling/policy:Policy": _passthrough,
    "aws:autoscaling/tag:Tag": _passthrough,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:budgets/budget:Budget": _budget,
}
