"""Hostile input, names the clouds refuse: every value that becomes a tag (owner, costCenter,
tags) or a Kubernetes node label/taint is checked against what the target accepts, at
`mlbp validate` time, instead of failing at deploy (or, worse, being accepted with a line
break in it: `owner: "team\\nevil"`)."""

from __future__ import annotations

from typing import Any

import pytest

from blueprint.catalog import CLOUDS, Cloud
from blueprint.errors import BlueprintError
from blueprint.loader import parse_blueprint
from tests.unit.blueprints import minimal


def problems(bp: dict[str, Any]) -> list[str]:
    try:
        parse_blueprint(bp, "b")
    except BlueprintError as exc:
        return [line.removeprefix("b: ") for line in exc.problems]
    return []


def with_pool(cloud: Cloud, **pool: Any) -> dict[str, Any]:
    base = {"name": "gpu", "accelerator": "t4", "maxNodes": 1}
    return minimal(cloud, gpuPools=[{**base, **pool}])


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("text", ["team\nevil", "team\revil", "a\x1b[31mred", "nul\x00", "bel\x07", "rtl\u202eevil"])
def test_control_characters_are_refused_in_every_tag_on_every_cloud(cloud: Cloud, text: str) -> None:
    """No cloud documents a control character as allowed in a tag, and GCP's label mapping would
    silently turn one into `_`; a tag value is one line of printable text (our rule)."""
    for field in ("owner", "costCenter"):
        found = problems(minimal(cloud, **{field: text}))
        assert len(found) == 1 and found[0].startswith(f"$.{field}: must be one line of printable text"), found
    found = problems(minimal(cloud, tags={"team": text}))
    assert len(found) == 1 and found[0].startswith("$.tags.team: must be one line of printable text"), found


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("ml-platform@example.com", True),
        ("Data Science: Team/EU +1 = ok_", True),
        ("équipe données 東京 42", True),  # Unicode letters, numbers and spaces
        ("team#1", False),
        ("50%", False),
        ("a,b", False),
        ("<script>", False),
        ("AWS:reserved", False),
    ],
)
def test_aws_tag_value_characters(value: str, ok: bool) -> None:
    """AWS tag keys and values: letters, numbers and spaces representable in UTF-8 and
    `_ . : / = + - @` (pattern `^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$`); values may not start with
    `aws:` in any case. Sources: https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_Tag.html,
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ecs-service-tag.html
    ("Do not use aws:, AWS:, or any upper or lowercase combination of such as a prefix")."""
    for bp, where in ((minimal("aws", owner=value), "$.owner"), (minimal("aws", tags={"team": value}), "$.tags.team")):
        found = problems(bp)
        assert (found == []) == ok, found
        if not ok:
            assert len(found) == 1 and found[0].startswith(f"{where}: "), found


def test_aws_tag_keys_may_not_use_the_reserved_prefix() -> None:
    """Source: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ecs-service-tag.html"""
    assert problems(minimal("aws", tags={"aws:team": "x"})) == [
        "$.tags[\"aws:team\"]: must not start with 'aws:' (reserved by AWS)"
    ]


def test_aws_tag_values_of_256_characters_pass_and_longer_fail() -> None:
    """AWS: "Maximum value length - 256 Unicode characters in UTF-8".
    Source: https://docs.aws.amazon.com/batch/latest/userguide/tag-restrictions.html"""
    assert problems(minimal("aws", tags={"team": "a" * 256})) == []
    assert problems(minimal("aws", tags={"team": "a" * 257})) == ["$.tags.team: must be at most 256 characters long"]


def test_azure_tag_names_cannot_contain_the_reserved_characters() -> None:
    """Azure Resource Manager: "Keys cannot contain < > % & \\ ? /" (values may).
    Sources: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/tag-resources#limitations,
    https://learn.microsoft.com/en-us/javascript/api/@azure/arm-billing/proxyresourcewithtags"""
    assert problems(minimal("azure", tags={"team/sub": "x"})) == [
        '$.tags["team/sub"]: an Azure tag name cannot contain /'
    ]
    assert problems(minimal("azure", tags={"team": "50% <ok> & fine?"})) == []
    assert problems(minimal("aws", tags={"team/sub": "x"})) == []  # AWS allows '/'


def test_gcp_tag_values_are_mapped_to_label_syntax_not_refused() -> None:
    """GCP label values allow only lowercase letters, digits, `_` and `-` (at most 63); the
    platform maps every tag to that syntax (components/common/tagging.gcp_label), so printable
    values pass. Source: https://cloud.google.com/resource-manager/docs/labels-overview#requirements"""
    from components.common.tagging import gcp_label

    assert problems(minimal("gcp", owner="Data Science <ds@example.com>", tags={"team": "50%"})) == []
    assert gcp_label("Data Science <ds@example.com>") == "data_science__ds_example_com_"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("research", True),
        ("", True),
        ("a.b_c-d", True),
        ("A1", True),
        ("-lead", False),
        ("trail.", False),
        ("has space", False),
        ("x" * 63, True),
        ("x" * 64, False),
        ("a/b", False),
    ],
)
def test_gpu_pool_labels_and_taint_values_follow_kubernetes_label_syntax(value: str, ok: bool) -> None:
    """Kubernetes label values (and taint values): 63 characters or less, empty or beginning and
    ending with an alphanumeric character, with dashes, underscores, dots and alphanumerics
    between. Sources: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set,
    https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/"""
    for cloud in CLOUDS:
        found = problems(with_pool(cloud, labels={"team": value}))
        assert (found == []) == ok or (len(value) > 63 and found), found
        if not ok:
            assert any(f.startswith("$.gpuPools[0].labels.team: ") for f in found), found
        taint = {"key": "gpu", "value": value, "effect": "NoSchedule"}
        found = problems(with_pool(cloud, taints=[taint]))
        assert (found == []) == ok or (len(value) > 63 and found), found


@pytest.mark.parametrize(
    ("key", "ok"),
    [("team", True), ("example.com/team", True), ("a/b/c", False), ("-x", False), ("Example.com/x", False)],
)
def test_gpu_pool_label_keys_follow_kubernetes_label_syntax(key: str, ok: bool) -> None:
    """Label keys: an optional DNS-subdomain prefix and `/`, then a name like a value (1-63).
    Source: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set"""
    found = problems(with_pool("aws", labels={key: "x"}))
    assert (found == []) == ok, found
