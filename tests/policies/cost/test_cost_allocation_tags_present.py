"""MLP-008 cost-allocation-tags-present on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.cost.cost_allocation_tags_present import RULE
from mlp_policies.resources import Resource

from tests.policies.shapes import (
    DELETE,
    LABELS,
    TAGS,
    U_OBJECT,
    U_STRING,
    aws_asg,
    aws_bucket,
    aws_cluster,
    aws_gpu_node_group,
    aws_launch_template,
    aws_lifecycle,
    azure_account,
    azure_gpu_agent_pool,
    azure_management_policy,
    changed,
    env_config,
    gcp_bucket,
    gcp_cluster,
    gcp_gpu_node_pool,
    res,
    verdict,
)

DEV = env_config("dev", RULE)
CHANNEL = res(
    "gcp:monitoring/notificationChannel:NotificationChannel",
    "budget-email",
    {
        "type": "email",
        "displayName": "ML platform budget gcp-dev: ml-platform@example.com",
        "labels": {"email_address": "ml-platform@example.com"},
        "userLabels": LABELS,
    },
)
NO_TAGS = {k: v for k, v in TAGS.items() if k not in ("owner", "cost-center", "environment")}


def with_provider(resource: Resource, provider: dict[str, Any]) -> Resource:
    return Resource(type=resource.type, name=resource.name, props=resource.props, urn=resource.urn, provider=provider)


CASES: dict[str, tuple[Any, dict[str, Any], set[str]]] = {
    "pass_aws_node_group": (aws_gpu_node_group(), DEV, set()),
    "pass_aws_asg_tag_list": (aws_asg(), DEV, set()),
    "pass_aws_launch_template_and_what_it_launches": (aws_launch_template(), DEV, set()),
    "pass_aws_provider_default_tags": (
        with_provider(changed(aws_cluster(), {"tags": DELETE}), {"region": "eu-west-1", "defaultTags": {"tags": TAGS}}),
        DEV,
        set(),
    ),
    "fail_aws_missing_cost_center": (
        changed(aws_gpu_node_group(), {"tags.cost-center": DELETE}),
        DEV,
        {"NodeGroup dev-gpu-ng is missing cost-allocation tags: cost-center"},
    ),
    "fail_aws_empty_owner_and_no_tags_at_all": (
        changed(aws_cluster(), {"tags": DELETE}),
        DEV,
        {"Cluster cluster-eks is missing cost-allocation tags: owner, cost-center, environment"},
    ),
    "fail_aws_blank_owner": (
        changed(aws_bucket(), {"tags.owner": "  "}),
        DEV,
        {"Bucket datasets-bucket is missing cost-allocation tags: owner"},
    ),
    "fail_aws_asg_tag_list_without_environment": (
        changed(
            aws_asg(),
            {
                "tags": [
                    {"key": k, "value": v, "propagateAtLaunch": True} for k, v in TAGS.items() if k != "environment"
                ]
            },
        ),
        DEV,
        {"Group batch-cpu-asg is missing cost-allocation tags: environment"},
    ),
    "fail_aws_launch_template_untagged_volumes": (
        changed(aws_launch_template(), {"tagSpecifications[1].tags": NO_TAGS}),
        DEV,
        {"LaunchTemplate dev-gpu-lt does not tag the volumes it launches with: owner, cost-center, environment"},
    ),
    "fail_aws_stricter_config": (
        changed(aws_gpu_node_group(), {"tags.data-classification": DELETE}),
        {**DEV, "requiredTags": ["owner", "cost-center", "environment", "data-classification"]},
        {"NodeGroup dev-gpu-ng is missing cost-allocation tags: data-classification"},
    ),
    "pass_gcp_bucket_labels": (gcp_bucket(), DEV, set()),
    "pass_gcp_cluster_resource_labels": (gcp_cluster(), DEV, set()),
    "pass_gcp_notification_channel_user_labels": (CHANNEL, DEV, set()),
    "fail_gcp_notification_channel_labels_in_its_configuration": (
        changed(CHANNEL, {"labels": {"email_address": "ml-platform@example.com", **LABELS}, "userLabels": DELETE}),
        DEV,
        {"NotificationChannel budget-email is missing cost-allocation labels: owner, cost-center, environment"},
    ),
    "fail_gcp_bucket_without_owner_label": (
        changed(gcp_bucket(), {"labels.owner": DELETE}),
        DEV,
        {"Bucket datasets-bucket is missing cost-allocation labels: owner"},
    ),
    "fail_gcp_cluster_without_resource_labels": (
        changed(gcp_cluster(), {"resourceLabels": DELETE}),
        DEV,
        {"Cluster cluster is missing cost-allocation labels: owner, cost-center, environment"},
    ),
    "pass_azure_storage_account": (azure_account(), DEV, set()),
    "fail_azure_agent_pool_without_cost_center": (
        changed(azure_gpu_agent_pool(), {"tags.cost-center": ""}),
        DEV,
        {"AgentPool gput4 is missing cost-allocation tags: cost-center"},
    ),
}


@pytest.mark.parametrize(("subject", "config", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(subject: Any, config: dict[str, Any], expected: set[str]) -> None:
    status, messages = verdict(RULE, subject, config)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


@pytest.mark.parametrize(
    "subject",
    [
        aws_lifecycle(aws_bucket()),  # configures a bucket, takes no tags
        gcp_gpu_node_pool(),  # NodePool takes no labels (its nodes' resourceLabels are not the pool's)
        azure_management_policy(azure_account()),
        Resource(type="mlplat:aws:TieredBucket", name="datasets"),  # a component
        Resource(type="pulumi:providers:aws", name="default"),
    ],
    ids=["aws_lifecycle", "gcp_node_pool", "azure_management_policy", "component", "provider"],
)
def test_resources_that_take_no_tags_are_not_applicable(subject: Any) -> None:
    assert verdict(RULE, subject, DEV)[0] == "not-applicable"


def test_exempt_types_are_not_applicable() -> None:
    subject = changed(aws_cluster(), {"tags": DELETE})
    assert verdict(RULE, subject, {**DEV, "exemptTypes": ["aws:eks/cluster:Cluster"]})[0] == "not-applicable"


@pytest.mark.parametrize(
    "subject",
    [changed(aws_gpu_node_group(), {"tags": U_OBJECT}), changed(azure_account(), {"tags.owner": U_STRING})],
    ids=["unknown_aws_tags", "unknown_azure_owner"],
)
def test_unknown_tags_are_not_a_failure(subject: Any) -> None:
    assert verdict(RULE, subject, DEV) == ("unknown", set())
