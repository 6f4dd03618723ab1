"""MLP-021 no-public-ips-on-nodes on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.resources import Resource
from mlp_policies.security.no_public_ips_on_nodes import RULE

from tests.policies.security.security_shapes import (
    SUBNET_IDS,
    aks_cluster,
    aws_batch_launch_template,
    aws_subnet,
    azure_batch_vmss,
    gke_cluster,
)
from tests.policies.shapes import (
    DELETE,
    U_STRING,
    aws_asg,
    aws_gpu_node_group,
    azure_gpu_agent_pool,
    changed,
    env_config,
    gcp_gpu_node_pool,
    gcp_instance_template,
    linked,
    stack_verdict,
)

DEV = env_config("dev", RULE)
PRIVATE_A = aws_subnet("network-private-a", SUBNET_IDS[0])
PRIVATE_B = aws_subnet("network-private-b", SUBNET_IDS[1])
PUBLIC_A = aws_subnet("network-public-a", "subnet-4a1ad19e435dfcdfb", public=True)
GROUP = aws_gpu_node_group()  # subnetIds: SUBNET_IDS (joined by id)
TEMPLATE = aws_batch_launch_template()
GKE = gke_cluster()
POOL = linked(gcp_gpu_node_pool(), cluster=GKE)
PUBLIC_IP_CONFIG = {"name": "batch-cpu-public", "idleTimeoutInMinutes": 4}


def in_subnet(resource: Resource, subnet: Resource, prop: str) -> Resource:
    return linked(resource, **{prop: subnet})


CASES: dict[str, tuple[list[Any], set[tuple[str | None, str]]]] = {
    "pass_aws_nodes_in_private_subnets": ([PRIVATE_A, PRIVATE_B, PUBLIC_A, GROUP, TEMPLATE, aws_asg()], set()),
    "fail_aws_node_group_in_public_ip_subnet": (
        [changed(PRIVATE_A, {"mapPublicIpOnLaunch": True}), PRIVATE_B, GROUP],
        {
            (
                "network-private-a",
                "subnet network-private-a gives every instance a public IP (mapPublicIpOnLaunch), and dev-gpu-ng "
                "launch into it",
            )
        },
    ),
    "fail_aws_asg_in_public_subnet_by_dependency": (
        [PUBLIC_A, in_subnet(aws_asg(), PUBLIC_A, "vpcZoneIdentifiers")],
        {
            (
                "network-public-a",
                "subnet network-public-a gives every instance a public IP (mapPublicIpOnLaunch), and batch-cpu-asg "
                "launch into it",
            )
        },
    ),
    "fail_aws_template_public_interface": (
        [changed(TEMPLATE, {"networkInterfaces[0].associatePublicIpAddress": "true"})],
        {
            (
                "batch-cpu-lt",
                "LaunchTemplate batch-cpu-lt gives instances a public IP (network interface 0 "
                "associatePublicIpAddress)",
            )
        },
    ),
    "pass_gcp_private_pool_and_template": ([GKE, POOL, gcp_instance_template()], set()),
    "pass_gcp_pool_private_by_its_own_network_config": (
        [
            changed(GKE, {"privateClusterConfig.enablePrivateNodes": False}),
            changed(POOL, {"networkConfig": {"enablePrivateNodes": True}}),
        ],
        set(),
    ),
    "fail_gcp_public_nodes": (
        [changed(GKE, {"privateClusterConfig": DELETE}), POOL],
        {("dev-l4", "node pool dev-l4 has public nodes (private nodes are off for the pool and its cluster)")},
    ),
    "fail_gcp_template_external_ip": (
        [changed(gcp_instance_template(), {"networkInterfaces[0].accessConfigs": [{"networkTier": "PREMIUM"}]})],
        {
            (
                "batch-cpu-template",
                "InstanceTemplate batch-cpu-template gives instances an external IP (network interface 0 "
                "accessConfigs)",
            )
        },
    ),
    "pass_azure_private_nodes_and_scale_set": ([aks_cluster(), azure_gpu_agent_pool(), azure_batch_vmss()], set()),
    "fail_azure_agent_pool_public_ip": (
        [changed(azure_gpu_agent_pool(), {"enableNodePublicIP": True})],
        {("gput4", "AgentPool gput4 gives nodes public IPs (enableNodePublicIP on pool gput4)")},
    ),
    "fail_azure_system_pool_public_ip": (
        [changed(aks_cluster(), {"agentPoolProfiles[0].enableNodePublicIP": True})],
        {("cluster-aks", "ManagedCluster cluster-aks gives nodes public IPs (enableNodePublicIP on pool system)")},
    ),
    "fail_azure_scale_set_public_ip": (
        [
            changed(
                azure_batch_vmss(),
                {
                    "virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].ipConfigurations[0]"
                    ".publicIPAddressConfiguration": PUBLIC_IP_CONFIG
                },
            )
        ],
        {
            (
                "batch-cpu-vmss",
                "VirtualMachineScaleSet batch-cpu-vmss gives instances public IPs (publicIPAddressConfiguration on "
                "batch-cpu-ip)",
            )
        },
    ),
}


@pytest.mark.parametrize(("resources", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resources: list[Any], expected: set[tuple[str | None, str]]) -> None:
    statuses, failures, unknowns = stack_verdict(RULE, resources, DEV)
    assert failures == expected
    assert unknowns == set()
    assert ("fail" in statuses) == bool(expected)


def test_subnets_no_node_uses_may_map_public_ips() -> None:
    statuses, failures, _ = stack_verdict(RULE, [PUBLIC_A, PRIVATE_A, GROUP], DEV)
    assert failures == set()
    assert statuses == {"pass", "not-applicable"}


def test_a_pool_whose_cluster_is_elsewhere_is_not_applicable() -> None:
    assert stack_verdict(RULE, [gcp_gpu_node_pool()], DEV) == ({"not-applicable"}, set(), set())


def test_no_nodes_is_not_applicable() -> None:
    assert stack_verdict(RULE, [], DEV) == ({"not-applicable"}, set(), set())


def test_unknown_interfaces_are_not_a_failure() -> None:
    resources = [changed(TEMPLATE, {"networkInterfaces[0].associatePublicIpAddress": U_STRING})]
    assert stack_verdict(RULE, resources, DEV) == ({"unknown"}, set(), {"batch-cpu-lt"})
