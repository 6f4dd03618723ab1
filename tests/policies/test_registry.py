"""The registry and the per-environment configs: every rule is well described, tested on
every cloud it covers, and configured in every environment with values its schema accepts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from mlp_policies.adapters import SUPPRESSIONS_POLICY
from mlp_policies.cost.cost_allocation_tags_present import COST_TAGS
from mlp_policies.registry import THEMES, all_rules, rule_named, theme_of
from mlp_policies.rule import Rule

from blueprint.catalog import load_catalog
from components.common.tagging import REQUIRED_TAG_KEYS

TESTS = Path(__file__).resolve().parent
CONFIG_DIR = TESTS.parents[1] / "policies" / "config"
ENVIRONMENTS = ("dev", "staging", "prod")
RULES = all_rules()
LEVELS = {"advisory", "mandatory", "remediate", "disabled"}
TYPE_TOKEN = re.compile(r"^(\*|[a-z-]+:[A-Za-z0-9/.-]+:[A-Za-z0-9]+)$")  # kubernetes:helm.sh/v3:Release has dots


def _config(env: str) -> dict[str, Any]:
    return dict(json.loads((CONFIG_DIR / f"{env}.json").read_text()))


def _schema(rule: Rule) -> dict[str, Any]:
    return {"type": "object", "properties": dict(rule.config), "additionalProperties": False}


def test_the_cost_rules_are_registered_in_order() -> None:
    cost = [r for r in RULES if theme_of(r) == "cost"]
    # The ten of the policy issue, then the budget and cost-increase rules of the cost model.
    assert [r.id for r in cost] == [f"MLP-{n:03d}" for n in range(1, 11)] + ["MLP-040", "MLP-041", "MLP-050"]
    assert [r.id for r in RULES] == sorted(r.id for r in RULES)
    assert rule_named("stack-has-budget-with-alerts").id == "MLP-007"
    assert set(THEMES) == {"cost", "security", "data", "compliance", "cluster"}
    cluster = [r.id for r in RULES if theme_of(r) == "cluster"]
    assert cluster == [f"MLP-{n:03d}" for n in range(42, 47)]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_metadata(rule: Rule) -> None:
    assert rule.severity in {"low", "medium", "high", "critical"}
    assert rule.enforcement in LEVELS - {"remediate"}
    assert all(TYPE_TOKEN.match(t) for t in rule.resource_types), sorted(rule.resource_types)
    assert rule.description.endswith(".") and rule.remediation.endswith(".")
    assert rule.name != SUPPRESSIONS_POLICY
    Draft7Validator.check_schema(_schema(rule))
    assert list(Draft7Validator(_schema(rule)).iter_errors(rule.defaults())) == []


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_has_pass_fail_and_unknown_cases_per_cloud(rule: Rule) -> None:
    module = rule.name.replace("-", "_")
    path = TESTS / theme_of(rule) / f"test_{module}.py"
    assert path.is_file(), f"{rule.id} needs tests in {path.relative_to(TESTS.parents[1])}"
    text = path.read_text()
    missing = [
        f"{kind}_{cloud}"
        for cloud in sorted(rule.clouds)
        for kind in ("pass", "fail")
        if f'"{kind}_{cloud}' not in text
    ]
    assert missing == [], f"{path.name} lacks cases named {missing}"
    assert "unknown" in text


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_env_config_configures_every_policy_with_valid_values(env: str) -> None:
    config = _config(env)
    assert set(config) == {r.name for r in RULES} | {SUPPRESSIONS_POLICY}
    for rule in RULES:
        entry = config[rule.name]
        if isinstance(entry, str):
            assert entry in LEVELS
            continue
        assert entry["enforcementLevel"] in LEVELS
        properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
        errors = [e.message for e in Draft7Validator(_schema(rule)).iter_errors(properties)]
        assert errors == [], f"{env}.json {rule.name}: {errors}"


def _level(env: str, name: str) -> str:
    entry = _config(env)[name]
    return entry if isinstance(entry, str) else entry["enforcementLevel"]


def test_dev_forbids_premium_gpus_and_requires_scale_to_zero_and_spot() -> None:
    allowed = set(_config("dev")["gpu-types-allowed-in-environment"]["allowedAccelerators"])
    assert allowed.isdisjoint({"a100-40gb", "a100-80gb", "h100"})
    for env in ("dev", "staging"):
        assert _level(env, "gpu-pools-scale-to-zero") == "mandatory"
        assert _level(env, "gpu-pools-and-batch-groups-use-spot") == "mandatory"


def test_prod_allows_every_catalog_gpu_and_does_not_require_spot() -> None:
    allowed = set(_config("prod")["gpu-types-allowed-in-environment"]["allowedAccelerators"])
    assert allowed == set(load_catalog().accelerators)
    assert _level("prod", "gpu-pools-and-batch-groups-use-spot") == "disabled"
    assert _level("prod", "gpu-pools-scale-to-zero") == "disabled"


def test_every_rule_is_mandatory_somewhere_and_suppressions_stay_advisory() -> None:
    for rule in RULES:
        if rule.enforcement == "advisory":  # advisory by default; an environment may tighten it
            continue
        assert any(_level(env, rule.name) == "mandatory" for env in ENVIRONMENTS), rule.name
    assert {_level(env, SUPPRESSIONS_POLICY) for env in ENVIRONMENTS} == {"advisory"}


def test_cost_tags_are_tags_the_transform_applies() -> None:
    assert set(COST_TAGS) <= set(REQUIRED_TAG_KEYS)
