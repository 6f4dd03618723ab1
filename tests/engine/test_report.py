"""Report formats of `mlbp check`, on small hand-built reports.

The Markdown output is compared with tests/fixtures/report/check.md. After an intended change,
regenerate it and review the diff:

    MLBP_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/engine/test_report.py
"""

from __future__ import annotations

import dataclasses
import json
import os
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from blueprint.engine.model import AnalysisResult, Diagnostic, Level, PolicyInfo
from blueprint.engine.reports import (
    FORMATS,
    CheckReport,
    CostSummary,
    StackResult,
    as_github,
    as_sarif,
    as_text,
    render,
)
from blueprint.engine.reports.base import resource_of

FIXTURES = Path(__file__).parent.parent / "fixtures"
SNAPSHOT = FIXTURES / "report" / "check.md"
PACK = "mlplat-policies"

BUCKET = "mlplat:aws:TieredBucket$aws:s3/bucketV2:BucketV2"
NODEGROUP = "mlplat:aws:GpuNodePool$aws:eks/nodeGroup:NodeGroup"
VMSS = "mlplat:azure:AutoscalingGroup$azure-native:compute:VirtualMachineScaleSet"


def urn(stack: str, type_: str, name: str) -> str:
    return f"urn:pulumi:{stack}::ml-platform::{type_}::{name}"


def policy(name: str, level: Level, severity: str) -> PolicyInfo:
    return PolicyInfo(
        name=name,
        display_name=f"Ensure {name.replace('-', ' ')}",
        description=f"Why {name} matters.",
        level=level,
        severity=severity,
        message=f"How to fix {name}.",
    )


def diagnostic(policy: str, level: Level, message: str, urn: str | None, severity: str = "") -> Diagnostic:
    return Diagnostic(
        policy=policy, pack=PACK, pack_version="0.1.0", level=level, message=message, urn=urn, severity=severity
    )


def analysis(
    policies: tuple[PolicyInfo, ...],
    diagnostics: tuple[Diagnostic, ...],
    evaluated: tuple[tuple[str, str | None], ...],
) -> AnalysisResult:
    return AnalysisResult(
        pack=PACK, pack_version="0.1.0", policies=policies, diagnostics=diagnostics, evaluated=evaluated
    )


# aws-prod: one mandatory and one advisory violation (message with a pipe and a newline).
AWS_DATA = urn("aws-prod", BUCKET, "prod-data")
AWS_LOGS = urn("aws-prod", BUCKET, "prod-logs")
AWS_GPU = urn("aws-prod", NODEGROUP, "prod-a100")
AWS_PROD = StackResult(
    stack="aws-prod",
    stack_file="stacks/Pulumi.aws-prod.yaml",
    cloud="aws",
    environment="prod",
    resources=45,
    analysis=analysis(
        (
            policy("bucket-cmk-encryption", "mandatory", "high"),
            policy("gpu-scale-to-zero", "advisory", "medium"),
            policy("stack-has-budget", "mandatory", "low"),
        ),
        (
            diagnostic("gpu-scale-to-zero", "advisory", "min size | 2\nshould be 0", AWS_GPU),
            diagnostic("bucket-cmk-encryption", "mandatory", "bucket uses an AWS-managed key", AWS_DATA),
        ),
        (
            ("bucket-cmk-encryption", AWS_DATA),
            ("bucket-cmk-encryption", AWS_LOGS),
            ("gpu-scale-to-zero", AWS_GPU),
            ("stack-has-budget", None),
        ),
    ),
    lines={AWS_DATA: 12, AWS_LOGS: 20, AWS_GPU: 30},
    cost=CostSummary(expected_usd=1234.5, high_usd=2000.0, budget_usd=1500.0),
)

# gcp-dev: clean.
GCP_DATA = urn("gcp-dev", "mlplat:gcp:TieredBucket$gcp:storage/bucket:Bucket", "dev-data")
GCP_DEV = StackResult(
    stack="gcp-dev",
    stack_file="stacks/Pulumi.gcp-dev.yaml",
    cloud="gcp",
    environment="dev",
    resources=30,
    analysis=analysis(
        (policy("bucket-cmk-encryption", "mandatory", "high"), policy("stack-has-budget", "mandatory", "low")),
        (),
        (("bucket-cmk-encryption", GCP_DATA), ("stack-has-budget", None)),
    ),
    lines={GCP_DATA: 8},
    cost=CostSummary(expected_usd=100.0, high_usd=150.25, budget_usd=None),
)

# azure-dev: advisories only; the budget policy is advisory here and its stack-level violation
# is missing from `evaluated`; the VMSS has no line mapping.
AZ_VMSS = urn("azure-dev", VMSS, "dev-t4")
AZURE_DEV = StackResult(
    stack="azure-dev",
    stack_file="stacks/Pulumi.azure-dev.yaml",
    cloud="azure",
    environment="dev",
    resources=45,
    analysis=analysis(
        (policy("gpu-scale-to-zero", "advisory", "medium"), policy("stack-has-budget", "advisory", "low")),
        (
            diagnostic("stack-has-budget", "advisory", "no budget configured", None),
            diagnostic("gpu-scale-to-zero", "advisory", "min size is 1", AZ_VMSS, severity="critical"),
        ),
        (("gpu-scale-to-zero", AZ_VMSS),),
    ),
    lines={},
)

# Deliberately not sorted: every format must sort.
REPORT = CheckReport(stacks=(GCP_DEV, AWS_PROD, AZURE_DEV))


def sarif(report: CheckReport = REPORT) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render(report, "sarif"))
    return document


def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator: jsonschema.protocols.Validator = validator_class(schema)
    return validator


# --- the model and dispatch ---------------------------------------------------------------


def test_exit_code_is_one_only_with_a_mandatory_violation() -> None:
    assert REPORT.exit_code() == 1
    assert CheckReport(stacks=(AZURE_DEV, GCP_DEV)).exit_code() == 0  # advisories never fail
    assert CheckReport(stacks=()).exit_code() == 0


def test_render_rejects_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown report format 'yaml'"):
        render(REPORT, "yaml")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_deterministic_whatever_the_stack_order(fmt: str) -> None:
    shuffled = CheckReport(stacks=(AZURE_DEV, AWS_PROD, GCP_DEV))
    assert render(REPORT, fmt) == render(shuffled, fmt)
    assert render(REPORT, fmt).endswith("\n")


def test_violations_list_mandatory_first_whatever_the_policy_name() -> None:
    stack = dataclasses.replace(
        GCP_DEV,
        analysis=analysis(
            (),
            (
                diagnostic("z-policy", "mandatory", "m", GCP_DATA),
                diagnostic("a-policy", "advisory", "m", GCP_DATA),
                diagnostic("a-policy", "mandatory", "m", None),
            ),
            (),
        ),
    )
    assert [(d.policy, d.level) for d in stack.violations()] == [
        ("a-policy", "mandatory"),
        ("z-policy", "mandatory"),
        ("a-policy", "advisory"),
    ]
    document = json.loads(render(CheckReport(stacks=(stack,)), "json"))
    assert [v["policy"] for v in document["stacks"][0]["violations"]] == ["a-policy", "z-policy", "a-policy"]


def test_resource_of_takes_the_last_type_and_a_name_that_contains_separators() -> None:
    assert resource_of(urn("s", "a:b:C$pkg:mod:Type", "x::y")) == ("pkg:mod:Type", "x::y")
    assert resource_of(None) == ("", "(stack)")
    assert resource_of("not-a-urn") == ("", "not-a-urn")


# --- text -------------------------------------------------------------------------------


def test_text_groups_by_stack_then_level_and_ends_with_totals() -> None:
    lines = render(REPORT, "text").splitlines()
    assert lines[-1] == "3 stacks, 120 resources: 1 mandatory, 3 advisory violations"
    headers = [line for line in lines if line and not line.startswith(" ")][:-1]
    assert headers == [
        "aws-prod (aws, prod): 45 resources, 1 mandatory, 1 advisory",
        "azure-dev (azure, dev): 45 resources, 0 mandatory, 2 advisory",
        "gcp-dev (gcp, dev): 30 resources, 0 mandatory, 0 advisory",
    ]
    aws = lines[: lines.index("")]
    assert aws[1:] == [
        "  cost per month: expected $1,234.50, high $2,000.00, budget $1,500.00",
        "  mandatory (1)",
        "    stacks/Pulumi.aws-prod.yaml:12: bucket-cmk-encryption: prod-data (aws:s3/bucketV2:BucketV2)",
        "      bucket uses an AWS-managed key",
        "  advisory (1)",
        "    stacks/Pulumi.aws-prod.yaml:30: gpu-scale-to-zero: prod-a100 (aws:eks/nodeGroup:NodeGroup)",
        "      min size | 2",
        "      should be 0",
    ]


def test_text_totals_use_singulars_and_show_rare_levels() -> None:
    remediated = dataclasses.replace(
        AZURE_DEV,
        resources=1,
        analysis=analysis((), (diagnostic("p", "remediate", "tags added", AZ_VMSS),), ()),
    )
    last = render(CheckReport(stacks=(remediated,)), "text").splitlines()[-1]
    assert last == "1 stack, 1 resource: 0 mandatory, 1 remediate, 0 advisory violations"


def test_text_has_colour_codes_only_when_asked() -> None:
    assert "\x1b[" not in render(REPORT, "text")
    coloured = as_text.render(REPORT, color=True)
    assert "\x1b[31m  mandatory (1)\x1b[0m" in coloured
    assert "\x1b[33m  advisory (1)\x1b[0m" in coloured


# --- json -------------------------------------------------------------------------------


def test_json_follows_the_contract() -> None:
    document = json.loads(render(REPORT, "json"))
    assert list(document) == ["stacks", "summary"]
    assert document["summary"] == {
        "stacks": 3,
        "resources": 120,
        "mandatory": 1,
        "remediate": 0,
        "advisory": 3,
        "disabled": 0,
    }
    assert [s["stack"] for s in document["stacks"]] == ["aws-prod", "azure-dev", "gcp-dev"]
    aws, azure, gcp = document["stacks"]
    assert set(aws) == {"stack", "cloud", "environment", "resources", "violations", "cost"}
    assert (aws["cloud"], aws["environment"], aws["resources"]) == ("aws", "prod", 45)
    assert aws["cost"] == {"expectedUsd": 1234.5, "highUsd": 2000.0, "budgetUsd": 1500.0}
    assert gcp["cost"] == {"expectedUsd": 100.0, "highUsd": 150.25, "budgetUsd": None}
    assert azure["cost"] is None
    assert aws["violations"][0] == {
        "policy": "bucket-cmk-encryption",
        "pack": PACK,
        "level": "mandatory",
        "severity": "high",  # from the policy: the diagnostic has none
        "urn": AWS_DATA,
        "message": "bucket uses an AWS-managed key",
    }
    assert [(v["severity"], v["urn"]) for v in azure["violations"]] == [("critical", AZ_VMSS), ("low", None)]


# --- sarif ------------------------------------------------------------------------------


def test_sarif_is_valid_against_the_official_schema() -> None:
    validator = sarif_validator()
    for report in (REPORT, CheckReport(stacks=())):
        errors = [f"$.{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(sarif(report))]
        assert errors == []


def test_sarif_schema_check_rejects_a_broken_log() -> None:
    # guards the test above: a validator that accepted anything would make it pass vacuously
    broken = sarif()
    broken["runs"][0]["results"][0]["level"] = "fatal"
    del broken["version"]
    assert len(list(sarif_validator().iter_errors(broken))) == 2


def test_sarif_has_one_rule_per_policy_with_github_properties() -> None:
    run = sarif()["runs"][0]
    assert run["invocations"] == [{"executionSuccessful": True}]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert list(rules) == ["bucket-cmk-encryption", "gpu-scale-to-zero", "stack-has-budget"]
    bucket = rules["bucket-cmk-encryption"]
    assert bucket["name"] == bucket["shortDescription"]["text"] == "Ensure bucket cmk encryption"
    assert bucket["fullDescription"]["text"] == "Why bucket-cmk-encryption matters."
    assert bucket["help"]["text"] == "How to fix bucket-cmk-encryption."
    assert bucket["properties"] == {"security-severity": "8.0", "tags": [PACK, "security"]}
    assert rules["gpu-scale-to-zero"]["properties"]["security-severity"] == "5.5"
    assert rules["stack-has-budget"]["properties"]["security-severity"] == "2.0"
    levels = {name: r["defaultConfiguration"]["level"] for name, r in rules.items()}
    # stack-has-budget is advisory in azure-dev but mandatory in aws-prod: the strictest wins
    assert levels == {"bucket-cmk-encryption": "error", "gpu-scale-to-zero": "warning", "stack-has-budget": "error"}


def test_sarif_rule_default_level_is_the_strictest_any_stack_configures() -> None:
    def configured(name: str, level: Level) -> StackResult:
        return dataclasses.replace(GCP_DEV, stack=name, analysis=analysis((policy("p", level, "low"),), (), ()))

    # the strict one in the middle: neither "first wins" nor "last wins" would pass
    stacks = (configured("a", "advisory"), configured("b", "mandatory"), configured("c", "advisory"))
    rules = sarif(CheckReport(stacks=stacks))["runs"][0]["tool"]["driver"]["rules"]
    assert [(r["id"], r["defaultConfiguration"]["level"]) for r in rules] == [("p", "error")]


def test_sarif_results_carry_level_location_and_message() -> None:
    run = sarif()["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    found = []
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        found.append(
            (
                result["ruleId"],
                result["level"],
                location["artifactLocation"]["uri"],
                location["region"]["startLine"],
            )
        )
    assert found == [
        ("bucket-cmk-encryption", "error", "stacks/Pulumi.aws-prod.yaml", 12),
        ("gpu-scale-to-zero", "warning", "stacks/Pulumi.aws-prod.yaml", 30),
        ("gpu-scale-to-zero", "warning", "stacks/Pulumi.azure-dev.yaml", 1),  # no line mapped
        ("stack-has-budget", "warning", "stacks/Pulumi.azure-dev.yaml", 1),  # stack-level
    ]
    first = run["results"][0]["message"]["text"]
    assert first == f"bucket uses an AWS-managed key (stack aws-prod, resource {AWS_DATA})"


def test_sarif_fingerprints_are_stable_and_ignore_the_message() -> None:
    def fingerprints(report: CheckReport) -> list[str]:
        return [r["partialFingerprints"][as_sarif.FINGERPRINT_KEY] for r in sarif(report)["runs"][0]["results"]]

    before = fingerprints(REPORT)
    assert len(set(before)) == 4
    # pinned: a new algorithm would re-open every alert in code scanning, so it must be deliberate
    assert before[0] == "66f7dc8fa1619618c6e9c2d5646d044b192f556fb6a8d9fbf3e4c792c033a3db"
    reworded = dataclasses.replace(
        AWS_PROD,
        analysis=dataclasses.replace(
            AWS_PROD.analysis,
            diagnostics=tuple(dataclasses.replace(d, message="reworded") for d in AWS_PROD.analysis.diagnostics),
        ),
    )
    assert fingerprints(CheckReport(stacks=(GCP_DEV, reworded, AZURE_DEV))) == before
    # the same policy and resource name in another stack is another alert
    assert as_sarif.fingerprint("aws-dev", "bucket-cmk-encryption", AWS_DATA) != before[0]


def test_sarif_describes_a_policy_the_pack_did_not_list() -> None:
    legacy = dataclasses.replace(diagnostic("legacy", "mandatory", "m", None), description="Old.")
    stray = dataclasses.replace(GCP_DEV, analysis=analysis((), (legacy,), ()))
    run = sarif(CheckReport(stacks=(stray,)))["runs"][0]
    assert [(r["id"], r["fullDescription"]["text"]) for r in run["tool"]["driver"]["rules"]] == [("legacy", "Old.")]
    assert run["results"][0]["ruleIndex"] == 0
    # a stack sorted later that does describe the policy wins over the guess
    described = dataclasses.replace(stray, stack="z", analysis=analysis((policy("legacy", "advisory", ""),), (), ()))
    rules = sarif(CheckReport(stacks=(stray, described)))["runs"][0]["tool"]["driver"]["rules"]
    assert [r["fullDescription"]["text"] for r in rules] == ["Why legacy matters."]


# --- junit ------------------------------------------------------------------------------


def test_junit_has_one_testcase_per_evaluated_pair_and_fails_only_mandatory() -> None:
    root = ET.fromstring(render(REPORT, "junit"))
    assert (root.tag, root.get("tests"), root.get("failures"), root.get("errors")) == ("testsuites", "8", "1", "0")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["aws-prod", "azure-dev", "gcp-dev"]
    counts = {name: (s.get("tests"), s.get("failures"), len(s.findall("testcase"))) for name, s in suites.items()}
    # azure-dev: the stack-level violation was not in `evaluated` but still gets its testcase
    assert counts == {"aws-prod": ("4", "1", 4), "azure-dev": ("2", "0", 2), "gcp-dev": ("2", "0", 2)}
    failures = [(c.get("classname"), c.get("name"), c.find("failure")) for c in root.iter("testcase")]
    failed = [(cls, name, f.get("message")) for cls, name, f in failures if f is not None]
    assert failed == [("aws-prod.bucket-cmk-encryption", AWS_DATA, "bucket uses an AWS-managed key")]


def test_junit_notes_advisories_in_system_out() -> None:
    root = ET.fromstring(render(REPORT, "junit"))
    gpu = next(c for c in root.iter("testcase") if c.get("name") == AWS_GPU)
    assert gpu.find("failure") is None
    assert gpu.findtext("system-out") == "advisory: min size | 2\nshould be 0 (stacks/Pulumi.aws-prod.yaml:30)"


def test_junit_stays_parsable_with_control_characters() -> None:
    noisy = dataclasses.replace(
        AZURE_DEV,
        analysis=analysis((), (diagnostic("p", "mandatory", 'bad \x1b[31m "quoted" <tag> & \x00', AZ_VMSS),), ()),
    )
    failure = ET.fromstring(render(CheckReport(stacks=(noisy,)), "junit")).find(".//failure")
    assert failure is not None
    assert failure.get("message") == 'bad \ufffd[31m "quoted" <tag> & \ufffd'


# --- markdown ---------------------------------------------------------------------------


def test_markdown_matches_the_snapshot() -> None:
    rendered = render(REPORT, "markdown")
    if os.environ.get("MLBP_UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(rendered, encoding="utf-8")
        pytest.skip(f"snapshot regenerated: {SNAPSHOT}")
    assert rendered == SNAPSHOT.read_text(encoding="utf-8")


def test_markdown_starts_with_the_marker_and_escapes_cells() -> None:
    lines = render(REPORT, "markdown").splitlines()
    assert lines[0] == "<!-- mlbp-check -->"
    assert lines[1] == "### ❌ mlbp check: 3 stacks, 120 resources: 1 mandatory, 3 advisory violations"
    assert "| advisory | `gpu-scale-to-zero` | `prod-a100` | min size \\| 2<br>should be 0 |" in lines


def test_markdown_passes_without_mandatory_and_drops_cost_columns_without_cost() -> None:
    lines = render(CheckReport(stacks=(AZURE_DEV,)), "markdown").splitlines()
    assert lines[1] == "### ✅ mlbp check: 1 stack, 45 resources: 0 mandatory, 2 advisory violations"
    assert lines[3] == "| Stack | Cloud | Env | Resources | Mandatory | Advisory |"
    assert lines[5] == "| azure-dev | azure | dev | 45 | 0 | 2 |"


# --- github -----------------------------------------------------------------------------


def test_github_annotations_are_only_commands() -> None:
    lines = render(REPORT, "github").splitlines()
    kinds = [line.split(" ", 1)[0] for line in lines]
    assert kinds == ["::error", "::warning", "::warning", "::warning", "::notice", "::notice"]
    # then one cost notice per stack with an estimate
    assert lines[4] == (
        "::notice file=stacks/Pulumi.aws-prod.yaml,title=cost (aws-prod)"
        "::expected $1,234.50/month, high $2,000.00, budget $1,500.00"
    )
    assert lines[5].endswith("::expected $100.00/month, high $150.25, budget none")
    assert lines[0] == (
        "::error file=stacks/Pulumi.aws-prod.yaml,line=12,title=bucket-cmk-encryption (aws-prod)"
        f"::bucket uses an AWS-managed key (stack aws-prod, resource {AWS_DATA})"
    )
    assert render(CheckReport(stacks=(replace(GCP_DEV, cost=None),)), "github") == ""


def test_github_escapes_data_and_properties() -> None:
    odd = StackResult(
        stack="s",
        stack_file="stacks/a,b:c%.yaml",
        cloud="aws",
        environment="dev",
        resources=1,
        analysis=analysis((), (diagnostic("mlp:aws,001", "advisory", "100% sure\r\nnext: a, b", None),), ()),
        lines={},
    )
    assert render(CheckReport(stacks=(odd,)), "github") == (
        "::warning file=stacks/a%2Cb%3Ac%25.yaml,line=1,title=mlp%3Aaws%2C001 (s)"
        "::100%25 sure%0D%0Anext: a, b (stack s)\n"
    )
    assert as_github.escape_data("%0A") == "%250A"  # already-escaped text is not trusted


def test_machine_formats_carry_each_stacks_cost() -> None:
    sarif = json.loads(render(REPORT, "sarif"))
    assert sarif["runs"][0]["properties"]["mlbpCosts"]["aws-prod"] == {
        "expectedUsd": 1234.5,
        "highUsd": 2000.0,
        "budgetUsd": 1500.0,
    }
    suites = {s.get("name"): s for s in ET.fromstring(render(REPORT, "junit")).iter("testsuite")}
    props = {p.get("name"): p.get("value") for p in suites["aws-prod"].iter("property")}
    assert (props["cost.expectedUsd"], props["cost.highUsd"], props["cost.budgetUsd"]) == (
        "1234.50",
        "2000.00",
        "1500.00",
    )
    gcp = {p.get("name"): p.get("value") for p in suites["gcp-dev"].iter("property")}
    assert gcp["cost.budgetUsd"] == ""  # no budget
