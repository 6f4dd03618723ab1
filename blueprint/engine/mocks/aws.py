"""AWS mocks: ARNs, ids and auto-names as the AWS provider computes them.

Lookups of live state answer as a fresh account does (no service-linked roles, no cluster
yet) unless a test describes the account in `MLBP_MOCK_AWS_LIVE`, a JSON object:
`{"serviceLinkedRoles": ["AWSServiceRoleForAutoScaling"], "nodeGroups": {"<pool>": <desired size>}}`
(node groups of this stack's cluster, by their `mlplat/pool` label)."""

from __future__ import annotations

import json
import os
from typing import Any

from blueprint.engine.mocks.common import Handler, MockContext, State, hex_id, uuid_id


def call(m: MockContext, token: str, args: dict[str, Any]) -> dict[str, Any] | None:
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        arn_ = f"arn:aws:sts::{m.aws_account}:assumed-role/ci-deployer/session"
        return {"accountId": m.aws_account, "arn": arn_, "userId": "AROAMOCK:session", "id": m.aws_account}
    if token == "aws:iam/getSessionContext:getSessionContext":  # sts assumed-role session -> its IAM role
        parts = str(args.get("arn", "")).split(":")
        account, resource = (parts[4], parts[5]) if len(parts) == 6 else (m.aws_account, "")
        kind, _, rest = resource.partition("/")
        role, _, session = rest.partition("/")
        if kind != "assumed-role":
            return {"arn": args.get("arn"), "issuerArn": args.get("arn"), "id": args.get("arn")}
        issuer = f"arn:aws:iam::{account}:role/{role}"
        return {"arn": args["arn"], "issuerArn": issuer, "issuerName": role, "sessionName": session, "id": args["arn"]}
    if token == "aws:ec2/getVpc:getVpc":  # an existing VPC: some range other than the blueprint's default
        vpc = str(args.get("id") or "vpc-0mock")
        return {
            "id": vpc,
            "cidrBlock": EXISTING_VPC_CIDR,
            "arn": arn(m, "ec2", f"vpc/{vpc}"),
            "state": "available",
            "ownerId": m.aws_account,
        }
    if token == "aws:index/getRegion:getRegion":
        return {"name": m.region, "region": m.region, "id": m.region}
    if token == "aws:index/getPartition:getPartition":
        return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
    if token == "aws:iam/getRoles:getRoles":
        return _roles(m, args)
    if token.startswith("aws:eks/getClusters:") or token.startswith("aws:eks/getNodeGroup"):
        return _eks_lookup(m, token, args)
    return None


def _live() -> dict[str, Any]:
    text = os.environ.get("MLBP_MOCK_AWS_LIVE")
    return dict(json.loads(text)) if text else {}


def _roles(m: MockContext, args: dict[str, Any]) -> dict[str, Any]:
    """iam:ListRoles under a path: the service-linked roles the account already has."""
    prefix = str(args.get("pathPrefix") or "/")
    service = prefix.strip("/").split("/")[-1]
    names = [
        n
        for n in _live().get("serviceLinkedRoles", [])
        if prefix.startswith("/aws-service-role/") and SERVICE_LINKED_ROLES.get(n) == service
    ]
    return {
        "names": names,
        "arns": [arn(m, "iam", f"role{prefix}{n}", region=False) for n in names],
        "pathPrefix": prefix,
        "id": m.region,
    }


# Service-linked role name -> the service it is linked to (the path under /aws-service-role/).
SERVICE_LINKED_ROLES = {
    "AWSServiceRoleForAutoScaling": "autoscaling.amazonaws.com",
    "AWSServiceRoleForAmazonEKS": "eks.amazonaws.com",
    "AWSServiceRoleForAmazonEKSNodegroup": "eks-nodegroup.amazonaws.com",
    "AWSServiceRoleForEC2Spot": "spot.amazonaws.com",
}


def _eks_lookup(m: MockContext, token: str, args: dict[str, Any]) -> dict[str, Any]:
    groups: dict[str, int] = _live().get("nodeGroups", {})
    cluster = f"{m.project}-{m.stack}"[:100]
    if token == "aws:eks/getClusters:getClusters":
        return {"names": [cluster] if groups else [], "id": m.region}
    if token == "aws:eks/getNodeGroups:getNodeGroups":
        return {
            "clusterName": args.get("clusterName"),
            "names": [f"{p}-ng-{hex_id(p, n=7)}" for p in groups],
            "id": cluster,
        }
    name = str(args.get("nodeGroupName"))
    pool = name.rsplit("-ng-", 1)[0]
    desired = groups[pool]
    return {
        "clusterName": args.get("clusterName"),
        "nodeGroupName": name,
        "arn": arn(m, "eks", f"nodegroup/{cluster}/{name}/{uuid_id(name)}"),
        "labels": {"mlplat/pool": pool},
        "scalingConfigs": [{"desiredSize": desired, "minSize": 0, "maxSize": max(desired, 1)}],
        "status": "ACTIVE",
        "id": f"{cluster}:{name}",
    }


def resource(m: MockContext, typ: str, state: State, auto: str) -> tuple[str, State]:
    handler = _HANDLERS.get(typ)
    if handler is not None:
        rid, extra = handler(m, state, auto)
    else:  # any other AWS type still gets an ARN of the usual shape
        service, kind = typ.split(":")[1].split("/", maxsplit=1)[0], typ.split(":")[2].lower()
        rid, extra = auto, {"arn": arn(m, service, f"{kind}/{auto}")}
    if isinstance(state.get("tags"), dict):
        extra["tagsAll"] = dict(state["tags"])
    return rid, extra


def arn(m: MockContext, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
    return f"arn:aws:{service}:{m.region if region else ''}:{m.aws_account if account else ''}:{resource}"


EXISTING_VPC_CIDR = "10.64.0.0/16"


def _bucket(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = s.get("bucket") or (s.get("bucketPrefix", "") + hex_id(auto, n=12) if s.get("bucketPrefix") else auto)
    return name, {
        "bucket": name,
        "arn": f"arn:aws:s3:::{name}",
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{m.region}.amazonaws.com",
        "region": m.region,
    }


def _kms_key(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    kid = uuid_id(auto)
    return kid, {"keyId": kid, "arn": arn(m, "kms", f"key/{kid}")}


def _kms_alias(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = s.get("name") or f"{s.get('namePrefix', 'alias/')}{hex_id(auto, n=26)}"
    return name, {
        "name": name,
        "arn": arn(m, "kms", name),
        "targetKeyArn": arn(m, "kms", f"key/{s.get('targetKeyId', '')}"),
    }


def _iam_role(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = s.get("name") or (s["namePrefix"] + hex_id(auto, n=26) if s.get("namePrefix") else auto)
    return name, {
        "name": name,
        "arn": arn(m, "iam", f"role{s.get('path', '/')}{name}", region=False),
        "uniqueId": "AROA" + hex_id(auto, n=17).upper(),
    }


def _iam_named(kind: str) -> Handler:
    def handler(m: MockContext, s: State, auto: str) -> tuple[str, State]:
        name = s.get("name") or auto
        return name, {"name": name, "arn": arn(m, "iam", f"{kind}/{name}", region=False)}

    return handler


def _role_policy(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = s.get("name") or auto
    return f"{s.get('role')}:{name}", {"name": name}


def _eks_cluster(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = s.get("name") or auto
    host = hex_id(auto, n=32).upper()
    return name, {
        "name": name,
        "arn": arn(m, "eks", f"cluster/{name}"),
        "endpoint": f"https://{host}.gr7.{m.region}.eks.amazonaws.com",
        "certificateAuthority": {
            "data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1PQ0sKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
        },
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{m.region}.amazonaws.com/id/{host}"}]}],
        "platformVersion": "eks.1",
        "status": "ACTIVE",
        "vpcConfig": {
            **s.get("vpcConfig", {}),
            "clusterSecurityGroupId": f"sg-{hex_id(auto, 'sg', n=17)}",
            "vpcId": f"vpc-{hex_id(auto, 'vpc', n=17)}",
        },
    }


def _node_group(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = s.get("nodeGroupName") or auto
    cluster = s.get("clusterName", "cluster")
    uid = uuid_id(auto)
    return f"{cluster}:{name}", {
        "nodeGroupName": name,
        "arn": arn(m, "eks", f"nodegroup/{cluster}/{name}/{uid}"),
        "status": "ACTIVE",
        "resources": [{"autoscalingGroups": [{"name": f"eks-{name}-{uid}"}], "remoteAccessSecurityGroupId": ""}],
    }


def _ec2(prefix: str, service_kind: str | None = None) -> Handler:
    def handler(m: MockContext, s: State, auto: str) -> tuple[str, State]:
        rid = f"{prefix}-{hex_id(auto, n=17)}"
        extra: State = {}
        if service_kind:
            extra["arn"] = arn(m, "ec2", f"{service_kind}/{rid}")
        return rid, extra

    return handler


def _launch_template(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    rid = f"lt-{hex_id(auto, n=17)}"
    return rid, {
        "arn": arn(m, "ec2", f"launch-template/{rid}"),
        "latestVersion": 1,
        "defaultVersion": 1,
        "name": s.get("name") or (s.get("namePrefix", "") + hex_id(auto, n=26)),
    }


def _asg(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = s.get("name") or (s.get("namePrefix", "") + hex_id(auto, n=26))
    return name, {
        "name": name,
        "arn": arn(m, "autoscaling", f"autoScalingGroup:{hex_id(auto, n=8)}:autoScalingGroupName/{name}"),
    }


def _log_group(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = s.get("name") or auto
    return name, {"name": name, "arn": arn(m, "logs", f"log-group:{name}")}


def _budget(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = s.get("name") or auto
    return f"{m.aws_account}:{name}", {
        "name": name,
        "accountId": m.aws_account,
        "arn": arn(m, "budgets", f"budget/{name}", region=False),
    }


def _pod_identity(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    aid = f"a-{hex_id(auto, n=17)}"
    return f"{s.get('clusterName')},{aid}", {
        "associationId": aid,
        "associationArn": arn(m, "eks", f"podidentityassociation/{s.get('clusterName')}/{aid}"),
    }


def _access_entry(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    cluster, principal = s.get("clusterName"), str(s.get("principalArn", ""))
    account, role = (
        principal.split(":")[4] if principal.count(":") >= 5 else m.aws_account,
        principal.rsplit("/", maxsplit=1)[-1],
    )
    return f"{cluster}:{principal}", {
        "accessEntryArn": arn(m, "eks", f"access-entry/{cluster}/role/{account}/{role}/{uuid_id(auto)}"),
        "type": s.get("type") or "STANDARD",
        "userName": f"arn:aws:sts::{account}:assumed-role/{role}/{{{{SessionName}}}}",
    }


def _access_policy_association(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    return f"{s.get('clusterName')}#{s.get('principalArn')}#{s.get('policyArn')}", {
        "associatedAt": "2026-01-01T00:00:00Z",
        "modifiedAt": "2026-01-01T00:00:00Z",
    }


def _addon(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    cluster, name = s.get("clusterName"), s.get("addonName")
    return f"{cluster}:{name}", {
        "arn": arn(m, "eks", f"addon/{cluster}/{name}/{uuid_id(auto)}"),
        "addonVersion": s.get("addonVersion") or "v1.0.0-eksbuild.1",
        "createdAt": "2026-01-01T00:00:00Z",
    }


def _service_linked_role(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    service = str(s.get("awsServiceName", ""))
    role = next((n for n, svc in SERVICE_LINKED_ROLES.items() if svc == service), f"AWSServiceRoleFor{auto}")
    role_arn = arn(m, "iam", f"role/aws-service-role/{service}/{role}", region=False)
    return role_arn, {
        "arn": role_arn,
        "name": role,
        "path": f"/aws-service-role/{service}/",
        "uniqueId": "AROA" + hex_id(auto, n=17).upper(),
    }


def _passthrough(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    return auto, {}


def _bucket_child(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    return str(s.get("bucket", auto)), {}


def _sns_topic(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    name = str(s.get("name") or auto)
    topic_arn = arn(m, "sns", name)
    return topic_arn, {"name": name, "arn": topic_arn, "owner": m.aws_account}


def _sns_subscription(m: MockContext, s: State, auto: str) -> tuple[str, State]:
    """An email subscription is pending until its address confirms it: SNS gives no ARN yet."""
    topic = str(s.get("topic") or arn(m, "sns", "topic"))
    pending = s.get("protocol") in ("email", "email-json")
    sub_arn = "pending confirmation" if pending else f"{topic}:{uuid_id(m.stack, topic, auto)}"
    return f"{topic}:{uuid_id(m.stack, topic, auto)}", {"arn": sub_arn, "pendingConfirmation": pending}


_HANDLERS: dict[str, Handler] = {
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
    "aws:eks/addon:Addon": _addon,
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": _service_linked_role,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _ec2("sg", "security-group"),
    "aws:eks/accessEntry:AccessEntry": _access_entry,
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": _access_policy_association,
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
    "aws:ec2/vpcEndpoint:VpcEndpoint": _ec2("vpce", "vpc-endpoint"),
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
    "aws:autoscaling/group:Group": _asg,
    "aws:autoscaling/policy:Policy": _passthrough,
    "aws:autoscaling/tag:Tag": _passthrough,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:sns/topic:Topic": _sns_topic,
    "aws:sns/topicPolicy:TopicPolicy": _passthrough,
    "aws:sns/topicSubscription:TopicSubscription": _sns_subscription,
    "aws:budgets/budget:Budget": _budget,
}
