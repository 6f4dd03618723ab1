"""MLP-019 imdsv2-required on AWS fixture properties (the only cloud with IMDSv1)."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.security.imdsv2_required import RULE

from tests.policies.security.security_shapes import aws_batch_launch_template
from tests.policies.shapes import (
    DELETE,
    U_STRING,
    aws_gpu_node_group,
    aws_launch_template,
    changed,
    env_config,
    res,
    verdict,
)

DEV = env_config("dev", RULE)
PROD = env_config("prod", RULE)  # maxHopLimit 1: pods other than host-network ones never reach IMDS
LT = "LaunchTemplate dev-gpu-lt"
INSTANCE = res(
    "aws:ec2/instance:Instance",
    "bastion",
    {"instanceType": "m6i.large", "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1}},
)

CASES: dict[str, tuple[Any, set[str]]] = {
    "pass_aws_gpu_template_imdsv2_hop_2": (aws_launch_template(), set()),
    "pass_aws_batch_template": (aws_batch_launch_template(), set()),
    "pass_aws_metadata_service_off": (
        changed(aws_launch_template(), {"metadataOptions": {"httpEndpoint": "disabled"}}),
        set(),
    ),
    "pass_aws_instance": (INSTANCE, set()),
    "fail_aws_imdsv1_optional": (
        changed(aws_launch_template(), {"metadataOptions.httpTokens": "optional"}),
        {f"{LT} allows IMDSv1 (metadataOptions.httpTokens is optional, not required)"},
    ),
    "fail_aws_no_metadata_options": (
        changed(aws_launch_template(), {"metadataOptions": DELETE}),
        {f"{LT} allows IMDSv1 (metadataOptions.httpTokens is optional (unset), not required)"},
    ),
    "fail_aws_hop_limit_3": (
        changed(aws_launch_template(), {"metadataOptions.httpPutResponseHopLimit": 3.0}),
        {f"{LT} lets metadata responses travel 3 hops, more than 2"},
    ),
    "fail_aws_instance_imdsv1": (
        changed(INSTANCE, {"metadataOptions.httpTokens": DELETE}),
        {"Instance bastion allows IMDSv1 (metadataOptions.httpTokens is optional (unset), not required)"},
    ),
}


@pytest.mark.parametrize(("subject", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(subject: Any, expected: set[str]) -> None:
    status, messages = verdict(RULE, subject, DEV)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


def test_node_groups_are_not_read() -> None:
    assert verdict(RULE, aws_gpu_node_group(), DEV)[0] == "not-applicable"


def test_unknown_tokens_setting_is_not_a_failure() -> None:
    subject = changed(aws_launch_template(), {"metadataOptions.httpTokens": U_STRING})
    assert verdict(RULE, subject, DEV) == ("unknown", set())


PROD_CASES: dict[str, tuple[Any, set[str]]] = {
    "pass_prod_hop_1": (changed(aws_launch_template(), {"metadataOptions.httpPutResponseHopLimit": 1}), set()),
    "pass_prod_metadata_service_off": (
        changed(aws_launch_template(), {"metadataOptions": {"httpEndpoint": "disabled"}}),
        set(),
    ),
    "fail_prod_hop_2": (
        changed(aws_launch_template(), {"metadataOptions.httpPutResponseHopLimit": 2}),
        {f"{LT} lets metadata responses travel 2 hops, more than 1"},
    ),
}


@pytest.mark.parametrize(("subject", "expected"), PROD_CASES.values(), ids=PROD_CASES.keys())
def test_prod_allows_one_hop(subject: Any, expected: set[str]) -> None:
    """EKS best practices (security, "Restrict access to the instance profile assigned to the
    worker node"): hop limit 1 keeps pods off the node role's credentials."""
    status, messages = verdict(RULE, subject, PROD)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


def test_unknown_hop_limit_is_not_a_failure_in_prod() -> None:
    subject = changed(aws_launch_template(), {"metadataOptions.httpPutResponseHopLimit": U_STRING})
    assert verdict(RULE, subject, PROD) == ("unknown", set())
