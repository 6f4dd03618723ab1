"""The AWS components, synthesized from the shipped stacks under mocks: the exact resources
and the properties that make them secure and cheap."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprint.engine.model import ResourceGraph
from blueprint.engine.synth import SynthError, synthesize_stacks
from blueprint.errors import BlueprintError
from blueprint.loader import load_stack_file
from components.common.sdk import resource_parameters
from components.common.tagging import REQUIRED_TAG_KEYS
from tests.components.conftest import ROOT, of_type, parent_name, policy_doc

# Written out by hand from the stacks: a changed count is a changed deployment.
EXPECTED_DEV = {
    "aws:autoscaling/group:Group": 1,
    "aws:autoscaling/policy:Policy": 1,
    "aws:autoscaling/tag:Tag": 19,  # dev-gpu 7 labels + 1 taint + gpus; dev-a10g 8 labels + 1 taint + gpus
    "aws:budgets/budget:Budget": 1,
    "aws:cloudwatch/logGroup:LogGroup": 2,  # flow logs, EKS control plane
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,  # the VPC's own, emptied of its rules
    "aws:ec2/eip:Eip": 1,
    "aws:ec2/natGateway:NatGateway": 1,  # one NAT outside prod
    "aws:ec2/flowLog:FlowLog": 1,
    "aws:ec2/internetGateway:InternetGateway": 1,
    "aws:ec2/launchTemplate:LaunchTemplate": 4,  # system, two GPU pools, batch group
    "aws:ec2/routeTable:RouteTable": 3,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": 4,
    "aws:ec2/securityGroup:SecurityGroup": 1,
    "aws:ec2/subnet:Subnet": 4,
    "aws:ec2/vpc:Vpc": 1,
    "aws:ec2/vpcEndpoint:VpcEndpoint": 1,  # S3 gateway endpoint on the private route tables
    "aws:eks/addon:Addon": 5,  # Pod Identity agent, VPC CNI, node monitoring agent, EBS CSI, Mountpoint for S3
    "mlplat:aws:MountpointS3Driver": 1,
    "aws:eks/cluster:Cluster": 1,
    "aws:eks/nodeGroup:NodeGroup": 3,
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": 3,  # two workloads + the cluster autoscaler
    "aws:iam/instanceProfile:InstanceProfile": 1,
    # flow logs, nodes, cluster, batch group, two workloads, cluster autoscaler, VPC CNI, EBS CSI
    "aws:iam/role:Role": 9,
    # flow logs; cluster secrets key; notebook x2; trainer x2; autoscaler; EBS CSI key; batch-cpu
    "aws:iam/rolePolicy:RolePolicy": 9,
    # nodes x3 (no CNI policy), cluster, batch-cpu SSM, VPC CNI, EBS CSI
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 7,
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": 1,  # the mocks' account is fresh
    "aws:kms/alias:Alias": 1,
    "aws:kms/key:Key": 1,
    "aws:s3/bucket:Bucket": 3,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 3,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 3,
    "aws:s3/bucketPolicy:BucketPolicy": 3,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 3,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 3,
    "aws:s3/bucketVersioning:BucketVersioning": 3,
    "mlplat:aws:AutoscalingGroup": 1,
    "mlplat:aws:Budget": 1,
    "mlplat:aws:Cluster": 1,
    "mlplat:aws:EbsCsiDriver": 1,
    "mlplat:aws:EncryptionKey": 1,
    "mlplat:aws:GpuNodePool": 2,
    "mlplat:aws:Network": 1,
    "mlplat:aws:NodeRole": 1,
    "mlplat:aws:Platform": 1,
    "mlplat:aws:ServiceLinkedRoles": 1,
    "mlplat:aws:TieredBucket": 3,
    "mlplat:aws:WorkloadIdentity": 5,  # two workloads, cluster autoscaler, VPC CNI, EBS CSI
    # The cluster layer: the deployer's access entry for the Kubernetes provider, then in the
    # cluster the device plugin, Kueue and autoscaler releases, one namespace (both workloads
    # share `ml`), flavors per pool, a queue pair per workload, the CMEK StorageClass.
    "aws:eks/accessEntry:AccessEntry": 1,
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": 1,
    "kubernetes:core/v1:Namespace": 1,
    "kubernetes:core/v1:ResourceQuota": 1,
    "kubernetes:core/v1:ServiceAccount": 2,
    "kubernetes:helm.sh/v3:Release": 5,  # + KubeRay and JobSet (distributedEngine)
    "mlplat:kubernetes:DistributedEngine": 1,
    "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue": 2,
    "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue": 2,
    "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor": 2,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": 1,
    "kubernetes:storage.k8s.io/v1:StorageClass": 1,
    "mlplat:aws:ClusterAutoscaler": 1,
    "mlplat:kubernetes:ClusterLayer": 1,
    "mlplat:kubernetes:GpuQueues": 1,
    "mlplat:kubernetes:GpuRuntime": 1,
    "mlplat:kubernetes:Tenancy": 1,
    "pulumi:providers:kubernetes": 1,
    # the stack's notification channel: an encrypted topic, its policy, one email per contact
    "aws:sns/topic:Topic": 1,
    "aws:sns/topicPolicy:TopicPolicy": 1,
    "aws:sns/topicSubscription:TopicSubscription": 1,
    "mlplat:aws:NotificationChannel": 1,
}
EXPECTED_PROD = {
    **EXPECTED_DEV,
    # per pool: its labels (the blueprint's, 4 mlplat/*, 2 GPU runtime, the autoscaler's GPU
    # label) + taints + gpus: train 9, eval 9, serve 10
    "aws:autoscaling/tag:Tag": 28,
    "aws:ec2/eip:Eip": 3,
    "aws:ec2/natGateway:NatGateway": 3,  # one NAT per zone in prod
    "aws:ec2/routeTable:RouteTable": 4,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": 6,
    "aws:ec2/subnet:Subnet": 6,
    "aws:ec2/launchTemplate:LaunchTemplate": 5,
    "aws:eks/accessEntry:AccessEntry": 2,  # aws.clusterAdmins: one role; the deployer
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": 2,
    "aws:eks/nodeGroup:NodeGroup": 4,
    "kubernetes:core/v1:Namespace": 2,  # training, serving
    "kubernetes:core/v1:ResourceQuota": 2,
    "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor": 3,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": 2,
    # flow logs; cluster key; trainer x3; server read + key; autoscaler; EBS CSI key; data-prep
    "aws:iam/rolePolicy:RolePolicy": 10,
    "aws:s3/bucket:Bucket": 4,
    "aws:s3/bucketLogging:BucketLogging": 3,  # confidential: access logs
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 4,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 4,
    "aws:s3/bucketPolicy:BucketPolicy": 4,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 4,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 4,
    "aws:s3/bucketVersioning:BucketVersioning": 4,
    "mlplat:aws:GpuNodePool": 3,
    "mlplat:aws:TieredBucket": 4,
}


@pytest.mark.parametrize(("stack", "expected"), [("aws-dev", EXPECTED_DEV), ("aws-prod", EXPECTED_PROD)])
def test_exact_resource_counts(aws_graphs: dict[str, ResourceGraph], stack: str, expected: dict[str, int]) -> None:
    assert dict(Counter(r.type for r in aws_graphs[stack].resources)) == expected


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_every_child_has_a_component_parent(aws_graphs: dict[str, ResourceGraph], stack: str) -> None:
    graph = aws_graphs[stack]
    for r in graph.resources:
        if r.type != "mlplat:aws:Platform":
            assert r.parent is not None and graph.by_urn()[r.parent].type.startswith(
                ("mlplat:aws:", "mlplat:kubernetes:")
            ), r.urn


def _siblings(graph: ResourceGraph, component_urn: str) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    out: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for r in graph.resources:
        if r.parent == component_urn:
            out.setdefault(r.type.split(":")[-1], []).append(dict(r.inputs))
    return out


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_buckets_are_private_encrypted_versioned_tls_only_and_tiered(aws_graphs, aws_blueprints, stack) -> None:  # type: ignore[no-untyped-def]
    graph, bp = aws_graphs[stack], aws_blueprints[stack]
    key_arn = of_type(graph, "aws:kms/key:Key")[0].outputs["arn"]
    classes = {"infrequent": "STANDARD_IA", "cold": "GLACIER_IR", "archive": "DEEP_ARCHIVE"}
    components = {r.name: r for r in of_type(graph, "mlplat:aws:TieredBucket")}
    for spec in bp.buckets:
        kids = _siblings(graph, components[spec.name].urn)
        assert kids["BucketPublicAccessBlock"][0] | {"bucket": None} == {
            "bucket": None,
            "blockPublicAcls": True,
            "blockPublicPolicy": True,
            "ignorePublicAcls": True,
            "restrictPublicBuckets": True,
        }
        sse = kids["BucketServerSideEncryptionConfiguration"][0]["rules"][0]
        assert sse["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key_arn}
        assert sse["bucketKeyEnabled"] is True
        assert kids["BucketVersioning"][0]["versioningConfiguration"]["status"] == "Enabled"
        assert kids["BucketOwnershipControls"][0]["rule"]["objectOwnership"] == "BucketOwnerEnforced"
        policy = policy_doc(kids["BucketPolicy"][0]["policy"])
        deny = next(s for s in policy["Statement"] if s["Sid"] == "DenyInsecureTransport")
        assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        rule = kids["BucketLifecycleConfiguration"][0]["rules"][0]
        assert [(t["storageClass"], t["days"]) for t in rule["transitions"]] == [
            (classes[t.storage_class], t.after_days) for t in spec.tiers
        ]
        assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
        assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": spec.noncurrent_version_expire_days}
        assert rule.get("expiration", {}).get("days") == spec.expire_after_days
        bucket = kids["Bucket"][0]
        assert bucket["forceDestroy"] is False


def test_confidential_prod_buckets_log_access_to_the_sse_s3_log_bucket(aws_graphs) -> None:  # type: ignore[no-untyped-def]
    graph = aws_graphs["aws-prod"]
    log_component = next(r for r in of_type(graph, "mlplat:aws:TieredBucket") if r.name == "access-logs")
    log_bucket = next(r for r in graph.resources if r.parent == log_component.urn and r.type == "aws:s3/bucket:Bucket")
    loggings = of_type(graph, "aws:s3/bucketLogging:BucketLogging")
    assert {r.inputs["targetBucket"] for r in loggings} == {log_bucket.outputs["bucket"]}
    assert sorted(r.inputs["targetPrefix"] for r in loggings) == ["checkpoints/", "datasets/", "models/"]
    sse = next(r for r in graph.resources if r.parent == log_component.urn and "Encryption" in r.type)
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    assert not of_type(aws_graphs["aws-dev"], "aws:s3/bucketLogging:BucketLogging")  # internal data: none


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_launch_templates_require_imdsv2_and_encrypt_with_the_platform_key(aws_graphs, stack) -> None:  # type: ignore[no-untyped-def]
    graph = aws_graphs[stack]
    key_arn = of_type(graph, "aws:kms/key:Key")[0].outputs["arn"]
    for lt in of_type(graph, "aws:ec2/launchTemplate:LaunchTemplate"):
        meta = lt.inputs["metadataOptions"]
        assert meta["httpTokens"] == "required" and meta["httpPutResponseHopLimit"] == 1, lt.name
        for mapping in lt.inputs["blockDeviceMappings"]:
            ebs = mapping["ebs"]
            assert (ebs["encrypted"], ebs["kmsKeyId"], ebs["volumeType"]) == ("true", key_arn, "gp3"), lt.name
        for nic in lt.inputs.get("networkInterfaces", []):
            assert nic["associatePublicIpAddress"] == "false"


def test_gpu_pools_taint_label_capacity_and_scale_from_zero_tags(aws_graphs, aws_blueprints) -> None:  # type: ignore[no-untyped-def]
    graph, bp = aws_graphs["aws-prod"], aws_blueprints["aws-prod"]
    pools = {r.name: r for r in of_type(graph, "mlplat:aws:GpuNodePool")}
    for spec in bp.gpu_pools:
        ng = next(
            r for r in graph.resources if r.parent == pools[spec.name].urn and r.type == "aws:eks/nodeGroup:NodeGroup"
        )
        assert ng.inputs["capacityType"] == ("SPOT" if spec.capacity == "spot" else "ON_DEMAND")
        assert ng.inputs["amiType"] == "AL2023_x86_64_NVIDIA"
        assert ng.inputs["instanceTypes"] == [spec.instance_type]
        assert {"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"} in ng.inputs["taints"]
        assert ng.inputs["scalingConfig"]["minSize"] == spec.min_nodes
        assert ng.inputs["scalingConfig"]["maxSize"] == spec.max_nodes
        assert ng.ignore_changes == ("scalingConfig.desiredSize",)
        asg_name = ng.outputs["resources"][0]["autoscalingGroups"][0]["name"]
        tags = {
            t.inputs["tag"]["key"]: t.inputs["tag"]["value"]
            for t in graph.resources
            if t.parent == pools[spec.name].urn
            and t.type == "aws:autoscaling/tag:Tag"
            and t.inputs["autoscalingGroupName"] == asg_name
        }
        prefix = "k8s.io/cluster-autoscaler/node-template"
        assert tags[f"{prefix}/resources/nvidia.com/gpu"] == str(spec.accelerator_count)
        assert tags[f"{prefix}/taint/nvidia.com/gpu"] == "true:NoSchedule"
        assert tags[f"{prefix}/label/mlplat/pool"] == spec.name


def test_node_image_selects_the_accelerated_ami_and_its_root_device(aws_graphs) -> None:  # type: ignore[no-untyped-def]
    graph = aws_graphs["aws-dev"]  # dev-gpu: default al2023; dev-a10g: nodeImage bottlerocket
    for pool, ami, volumes in (
        ("dev-gpu", "AL2023_x86_64_NVIDIA", {"/dev/xvda": 100}),
        ("dev-a10g", "BOTTLEROCKET_x86_64_NVIDIA", {"/dev/xvda": 4, "/dev/xvdb": 200}),  # OS and data volumes
    ):
        ng = next(r for r in of_type(graph, "aws:eks/nodeGroup:NodeGroup") if r.name == f"{pool}-ng")
        lt = next(r for r in of_type(graph, "aws:ec2/launchTemplate:LaunchTemplate") if r.name == f"{pool}-lt")
        assert ng.inputs["amiType"] == ami
        assert {m["deviceName"]: m["ebs"]["volumeSize"] for m in lt.inputs["blockDeviceMappings"]} == volumes


def test_train_pool_uses_the_catalog_instance_for_8_a100_40gb(aws_graphs) -> None:  # type: ignore[no-untyped-def]
    graph = aws_graphs["aws-prod"]
    train = next(r for r in of_type(graph, "aws:eks/nodeGroup:NodeGroup") if r.name == "train-ng")
    assert train.inputs["instanceTypes"] == ["p4d.24xlarge"]  # a100-40gb x8: p4de is not sold in eu-west-1


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_every_taggable_resource_has_the_cost_tags(aws_graphs, aws_blueprints, stack) -> None:  # type: ignore[no-untyped-def]
    graph, bp = aws_graphs[stack], aws_blueprints[stack]
    taggable = [r for r in graph.resources if r.custom and "tags" in resource_parameters(r.type)]
    assert len(taggable) > 30  # a sanity floor: the type introspection found the taggable ones
    for r in taggable:
        tags = r.inputs["tags"]
        if isinstance(tags, list):  # autoscaling groups: [{key, value, propagateAtLaunch}]
            assert all(t["propagateAtLaunch"] for t in tags)
            tags = {t["key"]: t["value"] for t in tags}
        assert set(REQUIRED_TAG_KEYS) <= set(tags), r.urn
        assert tags["owner"] == bp.owner and tags["cost-center"] == bp.cost_center
        assert tags["environment"] == bp.environment
        for key, value in bp.tags.items():
            assert tags[key] == value


def test_resource_tags_win_over_defaults(aws_graphs) -> None:  # type: ignore[no-untyped-def]
    subnets = of_type(aws_graphs["aws-dev"], "aws:ec2/subnet:Subnet")
    assert {s.inputs["tags"]["subnet-tier"] for s in subnets} == {"public", "private"}
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)


def test_prod_buckets_and_keys_are_protected_dev_ones_are_not(aws_graphs) -> None:  # type: ignore[no-untyped-def]
    for stack, expected in (("aws-prod", True), ("aws-dev", False)):
        data = of_type(aws_graphs[stack], "aws:s3/bucket:Bucket") + of_type(aws_graphs[stack], "aws:kms/key:Key")
        assert data
        assert {(r.protect, r.retain_on_delete) for r in data} == {(expected, expected)}, stack


def test_key_rotates_with_maximum_deletion_window_and_no_wildcard_principal(aws_graphs, aws_blueprints) -> None:  # type: ignore[no-untyped-def]
    key = of_type(aws_graphs["aws-prod"], "aws:kms/key:Key")[0]
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["rotationPeriodInDays"] == aws_blueprints["aws-prod"].encryption.rotation_days
    assert key.inputs["deletionWindowInDays"] == 30
    policy = policy_doc(key.inputs["policy"])
    principals = [s["Principal"] for s in policy["Statement"]]
    assert "*" not in principals and all(p.get("AWS") != "*" for p in principals)
    through_s3 = next(s for s in policy["Statement"] if s["Sid"] == "WorkloadsThroughS3")
    workload_roles = {
        r.outputs["arn"]
        for r in of_type(aws_graphs["aws-prod"], "aws:iam/role:Role")
        if parent_name(aws_graphs["aws-prod"], r) in ("trainer", "server")
    }
    # Named, but no broader than the bucket grants: only through S3 in this region.
    assert set(through_s3["Principal"]["AWS"]) == workload_roles
    assert through_s3["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}
    assert "kms:Encrypt" not in through_s3["Action"]


def test_cluster_role_may_use_the_key_for_secrets_encryption(aws_graphs) -> None:  # type: ignore[no-untyped-def]
    graph = aws_graphs["aws-prod"]
    key_arn = of_type(graph, "aws:kms/key:Key")[0].outputs["arn"]
    grant = next(r for r in of_type(graph, "aws:iam/rolePolicy:RolePolicy") if r.name == "cluster-secrets-key")
    (stmt,) = policy_doc(grant.inputs["policy"])["Statement"]
    assert stmt["Resource"] == [key_arn]
    assert {"kms:Encrypt", "kms:Decrypt", "kms:CreateGrant"} <= set(stmt["Action"])
    eks = of_type(graph, "aws:eks/cluster:Cluster")[0]
    assert grant.urn in eks.dependencies  # the role can use the key before EKS tries to


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_only_listed_roles_and_the_deployer_administer_the_cluster(aws_graphs, aws_blueprints, stack: str) -> None:  # type: ignore[no-untyped-def]
    """The listed admins, and the IAM role behind the mocked credentials (an STS assumed-role
    session of `ci-deployer`): the cluster layer's Kubernetes provider authenticates as it.
    Access entries take the role's ARN; the session's ARN would be refused
    (https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html: "you can't
    specify an STS assumed role session")."""
    graph, bp = aws_graphs[stack], aws_blueprints[stack]
    eks = of_type(graph, "aws:eks/cluster:Cluster")[0]
    deployer = f"arn:aws:iam::{bp.aws_account_id or '123456789012'}:role/ci-deployer"
    # Never an unmanaged admin entry for whoever runs `pulumi up`: a managed one, as code.
    assert eks.inputs["accessConfig"] == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    entries = of_type(graph, "aws:eks/accessEntry:AccessEntry")
    associations = of_type(graph, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert sorted(e.inputs["principalArn"] for e in entries) == sorted({*bp.aws_cluster_admins, deployer})
    assert len(associations) == len(entries)
    cluster_component = next(r for r in graph.resources if r.type == "mlplat:aws:Cluster")
    for entry in entries:
        assert entry.parent == cluster_component.urn
        assert entry.inputs["clusterName"] == eks.outputs["name"]
        assert entry.inputs["type"] == "STANDARD"
        (assoc,) = [a for a in associations if a.inputs["principalArn"] == entry.inputs["principalArn"]]
        assert assoc.inputs == {
            "clusterName": eks.outputs["name"],
            "principalArn": entry.inputs["principalArn"],
            "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            "accessScope": {"type": "cluster"},
        }
        assert entry.urn in assoc.dependencies  # associated only once the entry exists


def test_the_prod_example_names_its_admin_role(aws_blueprints) -> None:  # type: ignore[no-untyped-def]
    assert aws_blueprints["aws-prod"].aws_cluster_admins == ("arn:aws:iam::123456789012:role/ml-platform-admins",)
    assert aws_blueprints["aws-dev"].aws_cluster_admins == ()


def test_a_pinned_account_refuses_other_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLBP_MOCK_AWS_ACCOUNT", "999999999999")
    (result,) = synthesize_stacks(ROOT, [ROOT / "stacks" / "Pulumi.aws-prod.yaml"], jobs=1)
    assert isinstance(result, SynthError)
    assert "$.aws.accountId is 123456789012 but the credentials are for account 999999999999" in str(result)


def test_workload_policies_are_scoped_to_their_buckets(aws_graphs, aws_blueprints) -> None:  # type: ignore[no-untyped-def]
    graph, bp = aws_graphs["aws-prod"], aws_blueprints["aws-prod"]
    bucket_arns = {parent_name(graph, r): r.outputs["arn"] for r in of_type(graph, "aws:s3/bucket:Bucket")}
    policies = {r.name: policy_doc(r.inputs["policy"]) for r in of_type(graph, "aws:iam/rolePolicy:RolePolicy")}
    for w in bp.workloads:
        for bucket, access in w.buckets.items():
            doc = policies[f"{w.name}-{bucket}-{access}"]
            resources = {res for s in doc["Statement"] if s["Sid"] != "Key" for res in s["Resource"]}
            assert resources == {bucket_arns[bucket], f"{bucket_arns[bucket]}/*"}
            actions = {a for s in doc["Statement"] for a in s["Action"]}
            assert ("s3:PutObject" in actions) == (access == "readwrite")
            assert all("*" not in a for a in actions)
    for doc in policies.values():
        for s in doc["Statement"]:
            if s["Resource"] == "*" or "*" in s["Resource"]:  # only reads, which take no resource scope
                assert all(a.split(":")[1].startswith(("Describe", "Get", "List")) for a in s["Action"]), s


def test_cluster_autoscaler_may_resize_only_this_clusters_node_groups(aws_graphs) -> None:  # type: ignore[no-untyped-def]
    graph = aws_graphs["aws-dev"]
    binding = next(
        r
        for r in of_type(graph, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
        if r.inputs["serviceAccount"] == "cluster-autoscaler"
    )
    assert binding.inputs["namespace"] == "kube-system"
    policy = policy_doc(
        next(
            r for r in of_type(graph, "aws:iam/rolePolicy:RolePolicy") if r.name == "cluster-autoscaler-scaling"
        ).inputs["policy"]
    )
    resize = next(s for s in policy["Statement"] if s["Sid"] == "ResizeOwnNodeGroups")
    assert resize["Resource"] == [
        "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/eks-*"
    ]
    assert resize["Condition"] == {
        "StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/ml-platform-aws-dev": "owned"}
    }


def test_pod_identity_binds_each_workload_to_its_service_account(aws_graphs, aws_blueprints) -> None:  # type: ignore[no-untyped-def]
    graph, bp = aws_graphs["aws-prod"], aws_blueprints["aws-prod"]
    bindings = {
        (r.inputs["namespace"], r.inputs["serviceAccount"]): r
        for r in of_type(graph, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
    }
    platform = {("kube-system", "cluster-autoscaler")}
    assert set(bindings) == {(w.namespace, w.service_account) for w in bp.workloads} | platform
    role_trust = next(
        policy_doc(r.inputs["assumeRolePolicy"])
        for r in of_type(graph, "aws:iam/role:Role")
        if parent_name(graph, r) == "trainer"
    )
    assert role_trust["Statement"][0]["Principal"] == {"Service": ["pods.eks.amazonaws.com"]}


def test_cluster_is_private_encrypted_and_logs_everything(aws_graphs) -> None:  # type: ignore[no-untyped-def]
    graph = aws_graphs["aws-prod"]
    eks = of_type(graph, "aws:eks/cluster:Cluster")[0]
    key_arn = of_type(graph, "aws:kms/key:Key")[0].outputs["arn"]
    assert eks.inputs["vpcConfig"]["endpointPublicAccess"] is False
    assert eks.inputs["vpcConfig"]["endpointPrivateAccess"] is True
    assert eks.inputs["encryptionConfig"] == {"provider": {"keyArn": key_arn}, "resources": ["secrets"]}
    assert sorted(eks.inputs["enabledClusterLogTypes"]) == [
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    ]
    assert eks.inputs["accessConfig"]["authenticationMode"] == "API"
    assert eks.inputs["deletionProtection"] is True
    log_group = next(r for r in of_type(graph, "aws:cloudwatch/logGroup:LogGroup") if r.name == "cluster-logs")
    assert log_group.inputs["name"] == f"/aws/eks/{eks.inputs['name']}/cluster"
    assert log_group.inputs["kmsKeyId"] == key_arn


def test_autoscaling_group_mixes_spot_and_tracks_cpu(aws_graphs, aws_blueprints) -> None:  # type: ignore[no-untyped-def]
    graph, spec = aws_graphs["aws-prod"], aws_blueprints["aws-prod"].autoscaling_groups[0]
    asg = of_type(graph, "aws:autoscaling/group:Group")[0]
    dist = asg.inputs["mixedInstancesPolicy"]["instancesDistribution"]
    assert dist["spotAllocationStrategy"] == "price-capacity-optimized"
    assert dist["onDemandPercentageAboveBaseCapacity"] == 100 - spec.spot_percentage
    overrides = asg.inputs["mixedInstancesPolicy"]["launchTemplate"]["overrides"]
    assert [o["instanceType"] for o in overrides] == list(spec.instance_types)
    assert asg.inputs["capacityRebalance"] is True
    policy = of_type(graph, "aws:autoscaling/policy:Policy")[0]
    assert policy.inputs["targetTrackingConfiguration"]["targetValue"] == spec.target_cpu_utilization
    sg = of_type(graph, "aws:ec2/securityGroup:SecurityGroup")[0]
    assert not sg.inputs.get("ingress")


WEB_OUT = [
    {
        "protocol": "tcp",
        "fromPort": 443,
        "toPort": 443,
        "cidrBlocks": ["0.0.0.0/0"],
        "description": "HTTPS: AWS APIs, S3, registries, package mirrors",
    },
    {
        "protocol": "tcp",
        "fromPort": 80,
        "toPort": 80,
        "cidrBlocks": ["0.0.0.0/0"],
        "description": "HTTP: package mirrors (their packages are signed)",
    },
]


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_batch_vms_reach_out_only_over_http_s_and_inside_the_vpc(aws_graphs, stack: str) -> None:  # type: ignore[no-untyped-def]
    graph = aws_graphs[stack]
    vpc = of_type(graph, "aws:ec2/vpc:Vpc")[0]
    (sg,) = of_type(graph, "aws:ec2/securityGroup:SecurityGroup")
    assert sg.inputs["egress"] == [
        *WEB_OUT,
        {
            "protocol": "-1",
            "fromPort": 0,
            "toPort": 0,
            "cidrBlocks": [vpc.inputs["cidrBlock"]],
            "description": "anything inside the VPC",
        },
    ]


def _variant(tmp_path: Path, stack: str, edit: Callable[[dict[str, Any]], None]) -> ResourceGraph:
    doc = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    edit(doc["config"]["ml-platform:blueprint"])
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(doc))
    (result,) = synthesize_stacks(ROOT, [path], jobs=1)
    assert not isinstance(result, SynthError), result
    return result


def test_egress_all_is_the_opt_out_and_an_existing_vpc_uses_its_own_range(tmp_path: Path) -> None:
    def edit(bp: dict[str, Any]) -> None:
        bp["network"] = {"existingNetworkId": "vpc-0abc", "existingSubnetIds": ["subnet-0a", "subnet-0b"]}
        bp["autoscalingGroups"].append({**bp["autoscalingGroups"][0], "name": "open", "egress": "all"})

    graph = _variant(tmp_path, "aws-dev", edit)
    groups = of_type(graph, "aws:ec2/securityGroup:SecurityGroup")
    egress = {parent_name(graph, sg): sg.inputs["egress"] for sg in groups}
    assert egress["open"] == [
        {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"], "description": "egress via NAT"}
    ]
    # The existing VPC's range as AWS reports it (the mocks: 10.64.0.0/16), not the blueprint's default.
    assert egress["batch-cpu"][2]["cidrBlocks"] == ["10.64.0.0/16"]
    assert egress["batch-cpu"][:2] == WEB_OUT


def test_budget_alerts_follow_the_blueprint(aws_graphs, aws_blueprints) -> None:  # type: ignore[no-untyped-def]
    bp = aws_blueprints["aws-prod"]
    budget = of_type(aws_graphs["aws-prod"], "aws:budgets/budget:Budget")[0]
    assert budget.inputs["limitAmount"] == f"{bp.budget.monthly_limit_usd:.2f}"
    assert budget.inputs["costFilters"] == [{"name": "TagKeyValue", "values": ["user:ml-platform-stack$aws-prod"]}]
    got = sorted((n["notificationType"], n["threshold"]) for n in budget.inputs["notifications"])
    want = sorted(("ACTUAL" if a.type == "actual" else "FORECASTED", a.threshold_percent) for a in bp.budget.alerts)
    assert got == want
    assert all(n["subscriberEmailAddresses"] == list(bp.budget.contacts) for n in budget.inputs["notifications"])


def test_nat_gateways_one_in_dev_one_per_zone_in_prod(aws_graphs) -> None:  # type: ignore[no-untyped-def]
    for stack, zones in (("aws-dev", 2), ("aws-prod", 3)):
        privates = [
            s
            for s in of_type(aws_graphs[stack], "aws:ec2/subnet:Subnet")
            if s.inputs["tags"]["subnet-tier"] == "private"
        ]
        assert len({s.inputs["availabilityZone"] for s in privates}) == zones


def test_s3_traffic_bypasses_the_nat_gateways(aws_graphs) -> None:  # type: ignore[no-untyped-def]
    for stack in ("aws-dev", "aws-prod"):
        graph = aws_graphs[stack]
        (endpoint,) = of_type(graph, "aws:ec2/vpcEndpoint:VpcEndpoint")
        assert endpoint.inputs["serviceName"] == "com.amazonaws.eu-west-1.s3"
        assert endpoint.inputs["vpcEndpointType"] == "Gateway"
        private_tables = {r.id for r in of_type(graph, "aws:ec2/routeTable:RouteTable") if "private" in r.name}
        assert set(endpoint.inputs["routeTableIds"]) == private_tables
        assert len(private_tables) == (3 if stack == "aws-prod" else 2)


def _live_variant(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stack: str,
    live: dict[str, Any],
    edit: Callable[[dict[str, Any]], None],
) -> ResourceGraph:
    """The stack synthesized against an account that already holds `live` (blueprint/engine/mocks/aws.py)."""
    monkeypatch.setenv("MLBP_MOCK_AWS_LIVE", json.dumps(live))
    return _variant(tmp_path, stack, edit)


def test_the_key_waits_for_the_auto_scaling_service_linked_role_it_names(aws_graphs) -> None:  # type: ignore[no-untyped-def]
    graph = aws_graphs["aws-prod"]
    (slr,) = of_type(graph, "aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert slr.inputs["awsServiceName"] == "autoscaling.amazonaws.com"
    assert (slr.retain_on_delete, slr.protect) == (True, False)
    assert parent_name(graph, slr) == "service-linked"
    key = of_type(graph, "aws:kms/key:Key")[0]
    assert slr.urn in key.dependencies
    arn = "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    assert slr.outputs["arn"] == arn
    named = {
        p
        for s in policy_doc(key.inputs["policy"])["Statement"]
        if s["Sid"].startswith("AutoScaling")
        for p in [s["Principal"]["AWS"]]
    }
    assert named == {arn}


def test_an_account_with_the_service_linked_role_does_not_create_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = _live_variant(
        tmp_path, monkeypatch, "aws-dev", {"serviceLinkedRoles": ["AWSServiceRoleForAutoScaling"]}, lambda bp: None
    )
    assert not of_type(graph, "aws:iam/serviceLinkedRole:ServiceLinkedRole")
    key = of_type(graph, "aws:kms/key:Key")[0]
    statement = next(s for s in policy_doc(key.inputs["policy"])["Statement"] if s["Sid"] == "AutoScalingVolumes")
    assert statement["Principal"]["AWS"].endswith("/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")


def test_ebs_csi_driver_addon_with_its_pod_identity_role_and_key_use(aws_graphs) -> None:  # type: ignore[no-untyped-def]
    graph = aws_graphs["aws-dev"]
    addon = next(a for a in of_type(graph, "aws:eks/addon:Addon") if a.inputs["addonName"] == "aws-ebs-csi-driver")
    assert parent_name(graph, addon) == "ebs-csi"
    assert "configurationValues" not in addon.inputs  # the add-on's unencrypted default class stays off
    role = next(
        r
        for r in of_type(graph, "aws:iam/role:Role")
        if r.outputs["arn"] == addon.inputs["podIdentityAssociations"][0]["roleArn"]
    )
    assert addon.inputs["podIdentityAssociations"] == [
        {"roleArn": role.outputs["arn"], "serviceAccount": "ebs-csi-controller-sa"}
    ]
    key_arn = of_type(graph, "aws:kms/key:Key")[0].outputs["arn"]
    key_use = next(r for r in of_type(graph, "aws:iam/rolePolicy:RolePolicy") if r.name == "ebs-csi-key")
    assert key_use.inputs["role"] == role.outputs["name"]
    grants, use = policy_doc(key_use.inputs["policy"])["Statement"]
    assert grants == {
        "Sid": "GrantsForVolumes",
        "Effect": "Allow",
        "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        "Resource": [key_arn],
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    }
    assert use["Action"] == sorted(
        ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
    )
    assert use["Resource"] == [key_arn]
    managed = {
        a.inputs["policyArn"]
        for a in of_type(graph, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.inputs["role"] == role.outputs["name"]
    }
    assert managed == {"arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"}
    system = next(n for n in of_type(graph, "aws:eks/nodeGroup:NodeGroup") if n.name == "cluster-system")
    assert system.urn in addon.dependencies and key_use.urn in addon.dependencies


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_the_default_storage_class_is_encrypted_gp3_with_the_platform_key(aws_graphs, stack: str) -> None:  # type: ignore[no-untyped-def]
    """Created in the cluster, after the EBS CSI add-on (its provisioner), as the only default."""
    graph = aws_graphs[stack]
    (sc,) = of_type(graph, "kubernetes:storage.k8s.io/v1:StorageClass")
    key_arn = of_type(graph, "aws:kms/key:Key")[0].outputs["arn"]
    assert sc.inputs["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert sc.inputs["provisioner"] == "ebs.csi.aws.com"
    assert sc.inputs["parameters"] == {"type": "gp3", "encrypted": "true", "kmsKeyId": key_arn}
    assert sc.inputs["volumeBindingMode"] == "WaitForFirstConsumer"
    ebs = next(a for a in of_type(graph, "aws:eks/addon:Addon") if a.inputs["addonName"] == "aws-ebs-csi-driver")
    assert ebs.urn in sc.dependencies


def test_vpc_cni_addon_adopts_aws_node_before_any_node_group(aws_graphs) -> None:  # type: ignore[no-untyped-def]
    graph = aws_graphs["aws-prod"]
    addons = {a.inputs["addonName"]: a for a in of_type(graph, "aws:eks/addon:Addon")}
    cni, agent = addons["vpc-cni"], addons["eks-pod-identity-agent"]
    assert cni.inputs["resolveConflictsOnCreate"] == "OVERWRITE"
    assert agent.urn in cni.dependencies
    roles = {r.outputs["arn"]: r for r in of_type(graph, "aws:iam/role:Role")}
    cni_role = roles[cni.inputs["podIdentityAssociations"][0]["roleArn"]]
    assert parent_name(graph, cni_role) == "cluster-vpc-cni"
    node_role = next(r for r in of_type(graph, "aws:iam/role:Role") if parent_name(graph, r) == "nodes")
    node_policies = {
        a.inputs["policyArn"].rsplit("/", 1)[-1]
        for a in of_type(graph, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.inputs["role"] == node_role.outputs["name"]
    }
    assert node_policies == {
        "AmazonEKSWorkerNodePolicy",
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonSSMManagedInstanceCore",
    }
    for group in of_type(graph, "aws:eks/nodeGroup:NodeGroup"):
        assert {cni.urn, agent.urn} <= set(group.dependencies), group.name
    assert of_type(graph, "aws:eks/cluster:Cluster")[0].urn in agent.dependencies


def test_the_default_security_group_is_emptied_and_an_existing_vpc_left_alone(aws_graphs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    graph = aws_graphs["aws-prod"]
    (sg,) = of_type(graph, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    vpc = of_type(graph, "aws:ec2/vpc:Vpc")[0]
    assert dict(sg.inputs) | {"tags": None, "tagsAll": None} == {
        "vpcId": vpc.id,
        "ingress": [],
        "egress": [],
        "tags": None,
        "tagsAll": None,
    }

    def existing(bp: dict[str, Any]) -> None:
        bp["network"] = {"existingNetworkId": "vpc-0abc", "existingSubnetIds": ["subnet-0a", "subnet-0b"]}

    assert not of_type(_variant(tmp_path, "aws-dev", existing), "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")


def test_vm_groups_refresh_on_a_new_template_version_and_read_their_buckets(aws_graphs, aws_blueprints) -> None:  # type: ignore[no-untyped-def]
    graph, spec = aws_graphs["aws-prod"], aws_blueprints["aws-prod"].autoscaling_groups[0]
    asg = of_type(graph, "aws:autoscaling/group:Group")[0]
    lt = next(t for t in of_type(graph, "aws:ec2/launchTemplate:LaunchTemplate") if t.name == "data-prep-lt")
    spec_lt = asg.inputs["mixedInstancesPolicy"]["launchTemplate"]["launchTemplateSpecification"]
    assert spec_lt == {"launchTemplateId": lt.id, "version": "1"}
    assert asg.inputs["minSize"] == spec.min_size == 1
    assert spec.buckets == {"datasets": "readwrite"}
    role = next(r for r in of_type(graph, "aws:iam/role:Role") if r.name == "data-prep-role")
    bucket_arns = {parent_name(graph, r): r.outputs["arn"] for r in of_type(graph, "aws:s3/bucket:Bucket")}
    grants = {
        r.name: policy_doc(r.inputs["policy"])
        for r in of_type(graph, "aws:iam/rolePolicy:RolePolicy")
        if r.inputs["role"] == role.id
    }
    assert set(grants) == {"data-prep-datasets-readwrite"}
    for bucket, access in spec.buckets.items():
        doc = grants[f"data-prep-{bucket}-{access}"]
        objects = next(s for s in doc["Statement"] if s["Sid"] == "Objects")
        assert objects["Resource"] == [f"{bucket_arns[bucket]}/*"]
        assert ("s3:PutObject" in objects["Action"]) == (access == "readwrite")


def test_pods_reach_node_metadata_is_the_named_opt_out(tmp_path: Path) -> None:
    def opt_out(bp: dict[str, Any]) -> None:
        bp["aws"] = {"podsReachNodeMetadata": True}

    graph = _variant(tmp_path, "aws-dev", opt_out)
    hops = {
        t.name: t.inputs["metadataOptions"]["httpPutResponseHopLimit"]
        for t in of_type(graph, "aws:ec2/launchTemplate:LaunchTemplate")
    }
    assert hops == {"cluster-system": 2, "dev-gpu-lt": 2, "dev-a10g-lt": 2, "batch-cpu-lt": 2}


def test_a_minimum_above_the_live_size_moves_the_desired_size_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def raise_minimums(bp: dict[str, Any]) -> None:
        bp["cluster"]["systemPool"] = {"minNodes": 3, "maxNodes": 5}
        serve = next(p for p in bp["gpuPools"] if p["name"] == "serve")
        serve["minNodes"], serve["maxNodes"], serve["expectedAverageNodes"] = 3, 6, 3

    # The autoscaler left system at 2, serve at 1, train at 2 (within its 0-4), and eval is new.
    live = {"nodeGroups": {"system": 2, "serve": 1, "train": 2}}
    graph = _live_variant(tmp_path, monkeypatch, "aws-prod", live, raise_minimums)
    groups = {n.inputs["labels"]["mlplat/pool"]: n for n in of_type(graph, "aws:eks/nodeGroup:NodeGroup")}
    sizes = {p: (g.inputs["scalingConfig"]["desiredSize"], g.ignore_changes) for p, g in groups.items()}
    assert sizes == {
        "system": (3, ()),  # raised to the new minimum in the same update
        "serve": (3, ()),
        "train": (2, ("scalingConfig.desiredSize",)),  # the autoscaler's size stays its own
        "eval": (0, ("scalingConfig.desiredSize",)),  # created at its minimum
    }


def test_aws_refuses_an_empty_vm_group_scaled_by_cpu(tmp_path: Path) -> None:

    doc = yaml.safe_load((ROOT / "stacks" / "Pulumi.aws-dev.yaml").read_text())
    doc["config"]["ml-platform:blueprint"]["autoscalingGroups"][0]["minSize"] = 0
    doc["config"]["ml-platform:blueprint"]["autoscalingGroups"][0]["expectedAverageSize"] = 0.5
    path = tmp_path / "Pulumi.aws-dev.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(BlueprintError) as err:
        load_stack_file(path)
    assert "$.autoscalingGroups[0].minSize: must be >= 1 on aws (got 0): CPU target tracking" in str(err.value)


def test_vm_group_buckets_must_exist(tmp_path: Path) -> None:

    doc = yaml.safe_load((ROOT / "stacks" / "Pulumi.aws-dev.yaml").read_text())
    doc["config"]["ml-platform:blueprint"]["autoscalingGroups"][0]["buckets"] = {"nope": "read"}
    path = tmp_path / "Pulumi.aws-dev.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(BlueprintError) as err:
        load_stack_file(path)
    assert "$.autoscalingGroups[0].buckets.nope: no bucket named 'nope'" in str(err.value)


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_network_policies_are_enforced_and_buckets_mount_with_pod_credentials(aws_graphs, stack: str) -> None:  # type: ignore[no-untyped-def]
    """The VPC CNI enforces NetworkPolicy only with `enableNetworkPolicy: "true"` (a string)
    (https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html); the
    Mountpoint for S3 add-on gets no role of its own: volumes mount with the pod's Pod Identity
    credentials (`authenticationSource: pod`, driver v2)."""
    graph = aws_graphs[stack]
    addons = {a.inputs["addonName"]: a for a in of_type(graph, "aws:eks/addon:Addon")}
    assert json.loads(addons["vpc-cni"].inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
    s3 = addons["aws-mountpoint-s3-csi-driver"]
    assert "podIdentityAssociations" not in s3.inputs and "serviceAccountRoleArn" not in s3.inputs
    system = next(n for n in of_type(graph, "aws:eks/nodeGroup:NodeGroup") if n.name == "cluster-system")
    assert system.urn in s3.dependencies


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_every_node_group_repairs_its_nodes_with_the_node_monitoring_agent(aws_graphs, stack: str) -> None:  # type: ignore[no-untyped-def]
    """Node auto repair is off by default in managed node groups; with it and the node
    monitoring agent, a node whose GPU fails (AcceleratedHardwareReady, NVIDIA XID errors) is
    rebooted or replaced after 10 minutes
    (https://docs.aws.amazon.com/eks/latest/userguide/node-repair.html)."""
    graph = aws_graphs[stack]
    groups = of_type(graph, "aws:eks/nodeGroup:NodeGroup")
    assert groups and all(g.inputs["nodeRepairConfig"] == {"enabled": True} for g in groups)
    (agent,) = [
        a for a in of_type(graph, "aws:eks/addon:Addon") if a.inputs["addonName"] == "eks-node-monitoring-agent"
    ]
    system = next(n for n in groups if n.name == "cluster-system")
    assert system.urn in agent.dependencies


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_one_notification_channel_encrypted_with_the_platform_key_that_alert_services_can_use(
    aws_graphs, aws_blueprints, stack: str
) -> None:  # type: ignore[no-untyped-def]
    """An SNS topic encrypted with the platform key, an email subscription per
    monitoring.contacts address, publishable by CloudWatch, Budgets and Cost Anomaly Detection
    for this account only and over TLS only. Each of those services must also be allowed to use
    the key, or its messages are dropped
    (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services)."""
    graph, bp = aws_graphs[stack], aws_blueprints[stack]
    key = of_type(graph, "aws:kms/key:Key")[0]
    (topic,) = of_type(graph, "aws:sns/topic:Topic")
    assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    subs = of_type(graph, "aws:sns/topicSubscription:TopicSubscription")
    assert sorted((s.inputs["protocol"], s.inputs["endpoint"]) for s in subs) == sorted(
        ("email", c) for c in bp.monitoring.contacts
    )
    assert all(s.inputs["topic"] == topic.outputs["arn"] for s in subs)
    (policy,) = of_type(graph, "aws:sns/topicPolicy:TopicPolicy")
    doc = policy_doc(policy.inputs["policy"])["Statement"]
    publishers = next(st for st in doc if st["Sid"] == "AlertPublishers")
    services = {"budgets.amazonaws.com", "cloudwatch.amazonaws.com", "costalerts.amazonaws.com"}
    assert set(publishers["Principal"]["Service"]) == services
    assert publishers["Resource"] == topic.outputs["arn"]
    assert publishers["Condition"] == {"StringEquals": {"aws:SourceAccount": key.outputs["arn"].split(":")[4]}}
    assert any(st["Effect"] == "Deny" and st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for st in doc)
    key_statements = policy_doc(key.inputs["policy"])["Statement"]
    use = next(st for st in key_statements if st["Sid"] == "AlertPublishers")
    assert set(use["Principal"]["Service"]) == services
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(use["Action"])


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_budget_alerts_reach_the_channel_after_its_policy_exists(aws_graphs, stack: str) -> None:  # type: ignore[no-untyped-def]
    """AWS Budgets checks that it may publish to the topic when the budget is created
    (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html):
    the budget waits for the topic's policy."""
    graph = aws_graphs[stack]
    (topic,) = of_type(graph, "aws:sns/topic:Topic")
    (policy,) = of_type(graph, "aws:sns/topicPolicy:TopicPolicy")
    (budget,) = of_type(graph, "aws:budgets/budget:Budget")
    for notification in budget.inputs["notifications"]:
        assert notification["subscriberSnsTopicArns"] == [topic.outputs["arn"]]
        assert notification["subscriberEmailAddresses"]
    assert policy.urn in budget.dependencies
