"""The rule framework: reading wire values with unknowns, joins, suppressions, rule metadata
checks and the CrossGuard adapters."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pulumi
import pytest
from mlp_policies.adapters import SUPPRESSIONS_POLICY, plain, suppression_policy, to_policy
from mlp_policies.cost.gpu_types_allowed_in_environment import RULE as GPU_TYPES
from mlp_policies.cost.stack_has_budget_with_alerts import RULE as BUDGET
from mlp_policies.resources import Resource, Stack, cloud_of
from mlp_policies.rule import PASS, Outcome, ResourceRule, combine, fail, not_applicable, unknown
from mlp_policies.storage import access_log_buckets
from mlp_policies.tags import suppression
from mlp_policies.values import Unknown, as_bool, as_number, fmt, get, known, known_strings
from pulumi_policy import (
    EnforcementLevel,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from tests.policies.shapes import (
    TAGS,
    U_NUMBER,
    U_STRING,
    aws_asg,
    aws_bucket,
    aws_gpu_node_group,
    aws_lifecycle,
    changed,
    gcp_bucket,
    res,
)

# --- values ---------------------------------------------------------------------------------

PROPS = {"a": {"b": [{"c": 1.0}, {"c": U_NUMBER}]}, "s": U_STRING, "n": None, "flag": "true"}


def test_get_reads_paths_and_defaults() -> None:
    assert get(PROPS, "a", "b", 0, "c") == 1.0
    assert get(PROPS, "a", "missing", default="x") == "x"
    assert get(PROPS, "a", "b", 5, default=0) == 0
    assert get(PROPS, "n", default=[]) == []
    assert get(PROPS, "flag", "deeper") is None  # a string has no keys


@pytest.mark.parametrize(
    ("path", "where"),
    [
        (("s",), "s"),
        (("s", "x"), "s"),
        (("a", "b", 1, "c"), "a.b[1].c"),
        (("a",), "a.b[1].c"),
        (("a", "b"), "a.b[1].c"),
    ],
)
def test_get_raises_unknown_with_the_path(path: tuple[Any, ...], where: str) -> None:
    with pytest.raises(Unknown) as caught:
        get(PROPS, *path)
    assert caught.value.path == where


def test_known_and_conversions() -> None:
    assert known({"x": [1]}) == {"x": [1]}
    with pytest.raises(Unknown, match=r"^spec\.x\[0\] is not known during preview$"):
        known({"x": [U_STRING]}, "spec")
    assert (as_number("12"), as_number(2.0), as_number(True), as_number("x")) == (12.0, 2.0, None, None)
    assert (as_bool("True"), as_bool(False), as_bool("yes")) == (True, False, None)
    assert (fmt(2.0), fmt(2.5), fmt(None)) == ("2", "2.5", "unset")


def test_plain_unwraps_the_sdk_proxies_keeping_sentinels() -> None:
    proxied = unknown_checking_proxy({"tags": {"owner": U_STRING}, "list": [{"x": 1}], "v": 2})
    with pytest.raises(UnknownValueError):
        _ = proxied["tags"]["owner"]
    assert plain(proxied) == {"tags": {"owner": U_STRING}, "list": [{"x": 1}], "v": 2}


def _exact_types(value: Any) -> Any:
    """`value` with every container's exact type spelled out, to compare conversions strictly."""
    if isinstance(value, dict):
        return ("dict", {k: _exact_types(v) for k, v in value.items()})
    if isinstance(value, list):
        return ("list", [_exact_types(v) for v in value])
    return (type(value).__name__, value)


def test_plain_gives_plain_dicts_lists_and_the_very_scalars() -> None:
    asset = pulumi.StringAsset("x")
    wire = {
        "a": [[], {}, [{"b": [1.0, True, None, "s", U_NUMBER]}], {"c": {"d": {"e": []}}}],
        "asset": asset,
        "n": 0,
        "empty": {},
    }
    converted = plain(unknown_checking_proxy(wire))
    assert _exact_types(converted) == _exact_types(wire)
    assert converted["asset"] is asset


def test_plain_converts_other_mappings_and_sequences_too() -> None:
    assert plain(MappingProxyType({"a": (1, {"b": ("x",)})})) == {"a": [1, {"b": ["x"]}]}
    assert plain((1, "ab", b"cd")) == [1, "ab", b"cd"]


# --- resources and joins --------------------------------------------------------------------


def test_cloud_of() -> None:
    assert [cloud_of(t) for t in ("aws:s3/bucket:Bucket", "gcp:x:Y", "azure-native:a:B", "mlplat:aws:X")] == [
        "aws",
        "gcp",
        "azure",
        None,
    ]


def test_references_by_property_dependency_value_and_single_dependency() -> None:
    bucket, other = aws_bucket(), aws_bucket("models")
    by_dependency = aws_lifecycle(bucket)
    stack = Stack((bucket, other, by_dependency))
    assert stack.references(by_dependency, "bucket", [bucket, other]) == [bucket]
    by_value = Resource(type=by_dependency.type, name="v", props={"bucket": other.props["bucket"]})
    assert stack.references(by_value, "bucket", [bucket, other]) == [other]
    only = Resource(type=by_dependency.type, name="d", props={"bucket": U_STRING}, dependencies=(bucket.urn,))
    assert stack.references(only, "bucket", [bucket, other]) == [bucket]
    nothing = Resource(type=by_dependency.type, name="n", props={"bucket": U_STRING})
    assert stack.references(nothing, "bucket", [bucket, other]) == []


def test_known_strings_walks_values_and_drops_sentinels_and_empties() -> None:
    value = {"id": "lt-1", "version": ["", U_STRING, "sg-2", 3.0], "name": None}
    assert known_strings(value) == ["lt-1", "sg-2"]
    assert known_strings(U_STRING) == []


def test_aws_references_by_property_dependencies_and_ids_both_counted() -> None:
    sg = "aws:ec2/securityGroup:SecurityGroup"
    by_arn = res(sg, "a", {"arn": "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-a"})
    by_id = res(sg, "b", {"id": "sg-b"})
    by_urn = res(sg, "c", {"id": U_STRING})
    groups = [by_arn, by_id, by_urn]
    template = Resource(
        type="aws:ec2/launchTemplate:LaunchTemplate",
        name="lt",
        props={"vpcSecurityGroupIds": ["sg-b", U_STRING], "networkInterfaces": [{"securityGroups": ["sg-a"]}]},
        property_dependencies={"vpcSecurityGroupIds": (by_urn.urn,)},
        dependencies=(by_urn.urn,),
    )
    stack = Stack((*groups, template))
    # property dependencies first, then by id (the ARN's tail for a), each group once
    assert stack.aws_references(template, ("vpcSecurityGroupIds", "networkInterfaces"), groups) == [
        by_urn,
        by_id,
        by_arn,
    ]
    assert stack.aws_references(template, ("networkInterfaces",), groups) == [by_arn]
    # no fallback to the single dependency, unlike `references`
    unnamed = Resource(
        type=template.type, name="u", props={"vpcSecurityGroupIds": [U_STRING]}, dependencies=(by_urn.urn,)
    )
    assert stack.aws_references(unnamed, ("vpcSecurityGroupIds",), groups) == []


def test_access_log_buckets_are_the_logs_buckets_something_logs_into() -> None:
    logs = aws_bucket("access-logs", purpose="logs")
    unused_logs = aws_bucket("old-logs", purpose="logs")
    data = aws_bucket()
    logging = res(
        "aws:s3/bucketLogging:BucketLogging",
        "datasets-access-logs",
        {"bucket": data.props["bucket"], "targetBucket": logs.props["bucket"], "targetPrefix": "datasets/"},
    )
    assert access_log_buckets(Stack((logs, unused_logs, data, logging))) == {logs.urn}
    assert access_log_buckets(Stack((logs, data))) == set()


# --- suppressions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "policies", "reason"),
    [
        (
            changed(
                aws_gpu_node_group(),
                {
                    "tags.mlplat-suppress": "gpu-types-allowed-in-environment, stack-has-budget-with-alerts",
                    "tags.mlplat-suppress-reason": "FinOps ticket 42",
                },
            ),
            ("gpu-types-allowed-in-environment", "stack-has-budget-with-alerts"),
            "FinOps ticket 42",
        ),
        (
            changed(
                gcp_bucket(),
                {
                    "labels.mlplat-suppress": "buckets-in-cluster-region_gpu-pools-scale-to-zero",
                    "labels.mlplat-suppress-reason": "finops_ticket_42",
                },
            ),
            ("buckets-in-cluster-region", "gpu-pools-scale-to-zero"),
            "finops_ticket_42",
        ),
        (
            changed(aws_asg(), {"tags": [*aws_asg().props["tags"], {"key": "mlplat-suppress", "value": "x"}]}),
            ("x",),
            "",
        ),
    ],
    ids=["aws_tags", "gcp_labels", "asg_tag_list_without_reason"],
)
def test_suppressions_are_read_from_tags_and_labels(subject: Resource, policies: tuple[str, ...], reason: str) -> None:
    found = suppression(subject)
    assert found is not None
    assert (found.policies, found.reason) == (policies, reason)
    assert found.covers(policies[0]) == bool(reason)


def test_no_or_unknown_tags_suppress_nothing() -> None:
    assert suppression(aws_gpu_node_group()) is None
    assert suppression(changed(aws_gpu_node_group(), {"tags": U_STRING})) is None


# --- rules ----------------------------------------------------------------------------------


def _check(resource: Resource, config: Any) -> Outcome:
    return PASS


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "MLP-1"}, "id 'MLP-1' is not MLP-<three digits>"),
        ({"name": "Budget_Present"}, "name 'Budget_Present' is not kebab-case"),
        ({"remediation": ""}, "description and remediation are required"),
        ({"resource_types": frozenset()}, "resource_types is empty"),
        ({"config": {"limit": {"type": "integer"}}}, "config properties without a default: limit"),
    ],
)
def test_rule_metadata_is_checked(changes: dict[str, Any], message: str) -> None:
    fields: dict[str, Any] = {
        "id": "MLP-099",
        "name": "fixture-rule",
        "description": "A fixture.",
        "severity": "low",
        "resource_types": frozenset({"aws:s3/bucket:Bucket"}),
        "remediation": "Fix it.",
        "check": _check,
    }
    with pytest.raises(ValueError, match=message):
        ResourceRule(**{**fields, **changes})


def test_combine_prefers_failures_then_unknown_then_pass() -> None:
    assert combine([PASS, fail("a"), unknown("x"), fail("b")]) == fail("a", "b")
    assert combine([PASS, unknown("x")]).status == "unknown"
    assert combine([not_applicable("n"), PASS]) == PASS
    assert combine([]).status == "not-applicable"


def test_settings_overlay_defaults_and_drop_the_level() -> None:
    settings = GPU_TYPES.settings({"enforcementLevel": "mandatory", "allowedInstanceTypes": ["x"]})
    assert settings == {"allowedAccelerators": ["t4", "l4", "a10g", "v100"], "allowedInstanceTypes": ["x"]}


# --- adapters -------------------------------------------------------------------------------


def _args(resource: Resource) -> ResourceValidationArgs:
    opts = PolicyResourceOptions(False, [], False, [], None, [], None)
    return ResourceValidationArgs(
        resource.type, unknown_checking_proxy(dict(resource.props)), resource.urn, resource.name, opts, None, {}
    )


def _run(policy: ResourceValidationPolicy, resource: Resource) -> list[str]:
    reports: list[str] = []
    policy.validate(_args(resource), lambda message, urn=None: reports.append(message))
    return reports


def _not_applicable(policy: ResourceValidationPolicy, resource: Resource) -> str:
    with pytest.raises(_NotApplicableError) as caught:
        _run(policy, resource)
    return str(caught.value.reason)


def test_adapters_build_policies_with_the_rule_metadata() -> None:
    resource_policy, stack_policy = to_policy(GPU_TYPES), to_policy(BUDGET)
    assert isinstance(resource_policy, ResourceValidationPolicy)
    assert isinstance(stack_policy, StackValidationPolicy)
    assert resource_policy.name == "gpu-types-allowed-in-environment"
    assert resource_policy.enforcement_level == EnforcementLevel.MANDATORY
    assert resource_policy.description.startswith("MLP-001: ")
    assert resource_policy.remediation_steps == GPU_TYPES.remediation
    assert resource_policy.config_schema is not None
    assert set(resource_policy.config_schema.properties) == {"allowedAccelerators", "allowedInstanceTypes"}


H100 = changed(aws_gpu_node_group(), {"instanceTypes": ["p5.48xlarge"]})
SUPPRESSED = changed(
    H100, {"tags.mlplat-suppress": "gpu-types-allowed-in-environment", "tags.mlplat-suppress-reason": "load test"}
)


def test_resource_adapter_reports_failures_and_skips_suppressed_resources() -> None:
    policy = to_policy(GPU_TYPES)
    assert len(_run(policy, H100)) == 1
    assert _not_applicable(policy, SUPPRESSED) == "suppressed by mlplat-suppress: load test"
    assert _not_applicable(policy, aws_bucket()) == (
        "gpu-types-allowed-in-environment does not read aws:s3/bucket:Bucket"
    )


def test_resource_adapter_turns_unknown_values_into_the_sdks_preview_note() -> None:
    with pytest.raises(UnknownValueError) as caught:
        _run(to_policy(GPU_TYPES), changed(H100, {"instanceTypes": U_STRING}))
    assert caught.value.message == "NodeGroup dev-gpu-ng: instanceTypes is not known during preview"


def test_suppression_policy_notes_reasons_and_ignored_suppressions() -> None:
    policy = suppression_policy(["gpu-types-allowed-in-environment"])
    assert policy.name == SUPPRESSIONS_POLICY
    assert policy.enforcement_level == EnforcementLevel.ADVISORY
    assert _run(policy, SUPPRESSED) == ["suppresses gpu-types-allowed-in-environment: load test"]
    no_reason = changed(SUPPRESSED, {"tags.mlplat-suppress-reason": ""})
    assert _run(policy, no_reason) == [
        "mlplat-suppress (gpu-types-allowed-in-environment) is ignored: it needs a mlplat-suppress-reason tag"
    ]
    typo = changed(SUPPRESSED, {"tags.mlplat-suppress": "gpu-type-allowed"})
    assert _run(policy, typo) == ["mlplat-suppress names no policy of this pack: gpu-type-allowed"]
    bucket = res("aws:s3/bucket:Bucket", "b", {"tags": TAGS})
    assert _not_applicable(policy, bucket) == "no mlplat-suppress tag"
