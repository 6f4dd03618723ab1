"""The offline analyzer client against real CrossGuard packs (tests/fixtures/packs).

The `basic` pack (Python) and its `node-basic` twin have known verdicts on the graph below; the
fail-closed packs each break in one way and must raise PackError quickly with a useful message.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from blueprint.engine import packs
from blueprint.engine.analyzer import PackError, analyze, analyze_stream
from blueprint.engine.model import (
    SECRET_SIG_KEY,
    SECRET_SIG_VALUE,
    UNKNOWN,
    AnalysisResult,
    ResourceGraph,
    ResourceRecord,
)

PACKS = Path(__file__).resolve().parents[1] / "fixtures" / "packs"
BASIC = PACKS / "basic"
NODE_BASIC = PACKS / "node-basic"

P = "urn:pulumi:dev::ml-platform::"
STACK = P + "pulumi:pulumi:Stack::ml-platform-dev"
PROVIDER = P + "pulumi:providers:test::eu"
STORE = P + "mlplat:test:Storage::store"
LOGS = P + "mlplat:test:Storage$test:index:Bucket::store-logs"
DATA = P + "mlplat:test:Storage$test:index:Bucket::store-data"
ARCHIVE = P + "mlplat:test:Storage$test:index:Bucket::store-archive"
BIG = P + "test:index:Disk::big"
SMALL = P + "test:index:Disk::small"
LATEST = P + "test:index:Image::latest"
PINNED = P + "test:index:Image::pinned"
API = P + "test:index:Service::api"
WEB = P + "test:index:Service::web"
PROBE = P + "test:index:Probe::probe"
BUDGET = P + "test:index:Budget::budget"


def _record(urn: str, *, custom: bool = True, parent: str | None = STACK, **kwargs: Any) -> ResourceRecord:
    qualified, name = urn.split("::")[2:4]
    return ResourceRecord(
        urn=urn,
        type=qualified.rsplit("$", 1)[-1],
        name=name,
        parent=parent,
        custom=custom,
        inputs=kwargs.pop("inputs", {}),
        **kwargs,
    )


def _bucket(urn: str, **kwargs: Any) -> ResourceRecord:
    return _record(urn, parent=STORE, **kwargs)


PASSWORD = {SECRET_SIG_KEY: SECRET_SIG_VALUE, "value": "hunter2"}

RESOURCES = (
    _record(STACK, custom=False, parent=None),
    _record(PROVIDER, inputs={"region": "eu-west-1"}),
    _record(STORE, custom=False),
    _bucket(LOGS, inputs={"acl": "public-read", "versioning": False, "tags": {"purpose": "logs"}}),
    _bucket(DATA, inputs={"acl": "private", "versioning": True, "tags": {"purpose": "data"}}),
    _bucket(ARCHIVE, inputs={"versioning": True, "tags": {"purpose": "data"}}, protect=True),
    _record(BIG, inputs={"sizeGb": 250}),
    _record(SMALL, inputs={"sizeGb": 50}),
    _record(LATEST, inputs={"tag": "latest"}),
    _record(PINNED, inputs={"tag": "1.4.2"}),
    _record(API, inputs={"endpoint": UNKNOWN}),
    _record(WEB, inputs={"endpoint": "http://web.example.com"}),
    _record(
        PROBE,
        parent=LOGS,
        inputs={"password": PASSWORD, "labels": {"team": "ml"}},
        outputs={"state": "ready", "password": PASSWORD},
        provider=f"{PROVIDER}::4f1c2b9e",
        protect=True,
        ignore_changes=("labels",),
        delete_before_replace=True,
        dependencies=(DATA, BIG),
        property_dependencies={"labels": (DATA,), "password": ()},
    ),
)
GRAPH = ResourceGraph(project="ml-platform", stack="dev", resources=RESOURCES)
ALL_URNS = [r.urn for r in RESOURCES]

PROBE_SEEN = {
    "name": "probe",
    "urn": PROBE,
    "password": "hunter2",  # secrets reach the policy unwrapped, as in the engine
    "labels": {"team": "ml"},
    "protect": True,
    "ignoreChanges": ["labels"],
    "deleteBeforeReplace": True,
    "parent": LOGS,
    "provider": {"type": "pulumi:providers:test", "urn": PROVIDER, "name": "eu", "region": "eu-west-1"},
}
STACK_PROBE_SEEN = {
    "parent": LOGS,
    "dependencies": sorted([DATA, BIG]),
    "propertyDependencies": {"labels": [DATA]},  # properties without dependencies are dropped
    "protect": True,
    "state": "ready",  # AnalyzeStack sees outputs, not inputs
}
CANT_RUN = (
    "can't run policy 'endpoint-https' from policy pack 'basic-fixture@v0.0.1' during preview: "
    "string value at .endpoint can't be known during preview"
)

# (policy, level, urn) of every diagnostic the basic pack gives on GRAPH with no config.
DEFAULT_VERDICTS = {
    ("bucket-versioning", "advisory", LOGS),
    ("bucket-no-public-acl", "mandatory", LOGS),
    ("disk-max-size", "advisory", BIG),
    ("image-no-latest", "advisory", LATEST),
    ("endpoint-https", "advisory", API),  # unknown at preview: advisory "can't run", not a pass
    ("endpoint-https", "mandatory", WEB),
    ("probe-resource", "advisory", PROBE),
    ("stack-budget-present", "mandatory", None),
    ("stack-data-buckets-protected", "advisory", DATA),
    ("stack-probe", "advisory", PROBE),
}


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def verdicts(result: AnalysisResult) -> set[tuple[str, str, str | None]]:
    return {(d.policy, d.level, d.urn) for d in result.diagnostics}


def details(result: AnalysisResult) -> set[tuple[str, str, str, str, str | None, str, str, str]]:
    return {
        (d.policy, d.pack, d.pack_version, d.level, d.urn, d.severity, d.description, d.message)
        for d in result.diagnostics
    }


def _config(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((BASIC / "config" / name).read_text())
    return loaded


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Every process the client starts; after each test none may be left running or unreaped."""
    started: list[subprocess.Popen[bytes]] = []

    class Spy(subprocess.Popen[bytes]):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(subprocess, "Popen", Spy)
    yield started
    for proc in started:
        assert proc.returncode is not None, f"pack process {proc.args!r} was left running or unreaped"
        with pytest.raises(ProcessLookupError):
            os.killpg(proc.pid, 0)  # no process of its group is left either


@pytest.fixture(scope="module")
def basic_default() -> AnalysisResult:
    return analyze(BASIC, GRAPH)


# --- verdicts ---------------------------------------------------------------------------------


DESCRIPTIONS = {
    "bucket-versioning": "Buckets keep old versions.",
    "bucket-no-public-acl": "Buckets are never public.",
    "disk-max-size": "Disks stay under a size limit.",
    "image-no-latest": "Images are pinned.",
    "endpoint-https": "Service endpoints use TLS.",
    "probe-resource": "Echoes what the pack saw.",
    "stack-budget-present": "Every stack has a budget.",
    "stack-data-buckets-protected": "Data buckets are protected.",
    "stack-probe": "Echoes what the stack policy saw.",
}


def test_default_config_gives_exact_diagnostics(basic_default: AnalysisResult) -> None:
    def d(policy: str, level: str, urn: str | None, severity: str, message: str) -> tuple[Any, ...]:
        description = DESCRIPTIONS[policy]
        return (policy, "basic-fixture", "1.2.3", level, urn, severity, description, f"{description}\n{message}")

    expected = {
        d("bucket-versioning", "advisory", LOGS, "medium", "versioning is off"),
        d("bucket-no-public-acl", "mandatory", LOGS, "high", "acl is public-read"),
        d("disk-max-size", "advisory", BIG, "", "sizeGb 250 exceeds maxSize 100"),
        d("image-no-latest", "advisory", LATEST, "low", "tag 'latest' is not reproducible"),
        d("endpoint-https", "mandatory", WEB, "", "endpoint is not https"),
        # the SDK's own note, without the description prefix
        ("endpoint-https", "basic-fixture", "1.2.3", "advisory", API, "", DESCRIPTIONS["endpoint-https"], CANT_RUN),
        d("probe-resource", "advisory", PROBE, "", _canonical(PROBE_SEEN)),
        d("stack-budget-present", "mandatory", None, "critical", "the stack has no test:index:Budget"),
        d("stack-data-buckets-protected", "advisory", DATA, "", "data bucket store-data is not protected"),
        d("stack-probe", "advisory", PROBE, "", _canonical(STACK_PROBE_SEEN)),
    }
    assert details(basic_default) == expected
    assert len(basic_default.diagnostics) == len(expected)  # no duplicates hidden by the set
    assert verdicts(basic_default) == DEFAULT_VERDICTS


def test_evaluated_pairs_skip_not_applicable_and_cover_stack_policies(basic_default: AnalysisResult) -> None:
    buckets = [LOGS, DATA, ARCHIVE]
    expected = (
        {("bucket-versioning", u) for u in buckets}
        | {("bucket-no-public-acl", u) for u in buckets}
        | {("disk-max-size", u) for u in (BIG, SMALL)}
        | {("endpoint-https", u) for u in (API, WEB)}
        # no not_applicable: it counts for every resource, components and the stack included
        | {("image-no-latest", u) for u in ALL_URNS}
        | {("probe-resource", PROBE)}
        # probe-owner-label only remediates: not applicable to Analyze
        | {("stack-budget-present", None), ("stack-data-buckets-protected", None), ("stack-probe", None)}
    )
    assert set(basic_default.evaluated) == expected
    assert len(basic_default.evaluated) == len(expected)


def test_pack_metadata_uses_pulumipolicy_yaml_version(basic_default: AnalysisResult) -> None:
    assert (basic_default.pack, basic_default.pack_version) == ("basic-fixture", "1.2.3")
    levels = {p.name: (p.level, p.severity) for p in basic_default.policies}
    assert levels == {
        "bucket-no-public-acl": ("mandatory", "high"),
        "bucket-versioning": ("advisory", "medium"),
        "disk-max-size": ("advisory", ""),
        "endpoint-https": ("mandatory", ""),
        "image-no-latest": ("advisory", "low"),
        "probe-owner-label": ("advisory", ""),
        "probe-resource": ("advisory", ""),
        "stack-budget-present": ("mandatory", "critical"),
        "stack-data-buckets-protected": ("advisory", ""),
        "stack-probe": ("advisory", ""),
    }
    schema = next(p.config_schema for p in basic_default.policies if p.name == "disk-max-size")
    assert schema == {"properties": {"maxSize": {"type": "integer", "default": 100, "minimum": 1}}}
    assert basic_default.remediated == ()


def test_compliant_stack_is_clean_and_unmatched_stack_policy_not_applicable() -> None:
    graph = ResourceGraph(
        project="ml-platform",
        stack="dev",
        resources=(
            _record(STACK, custom=False, parent=None),
            _record(ARCHIVE, inputs={"versioning": True, "tags": {"purpose": "data"}}, protect=True),
            _record(BUDGET, inputs={"limitUsd": 500}),
        ),
    )
    result = analyze(BASIC, graph)
    assert result.diagnostics == ()
    stack_pairs = {p for p in result.evaluated if p[1] is None}
    assert stack_pairs == {("stack-budget-present", None), ("stack-data-buckets-protected", None)}


# --- policy config ----------------------------------------------------------------------------


def test_config_fixture_disables_a_policy_and_overrides_a_default() -> None:
    result = analyze(BASIC, GRAPH, policy_config=_config("disabled.json"))
    # image-no-latest is disabled; maxSize 500 lets the 250 GB disk pass.
    assert verdicts(result) == DEFAULT_VERDICTS - {
        ("image-no-latest", "advisory", LATEST),
        ("disk-max-size", "advisory", BIG),
    }
    assert not any(policy == "image-no-latest" for policy, _ in result.evaluated)
    assert ("disk-max-size", BIG) in result.evaluated
    assert {p.name: p.level for p in result.policies}["image-no-latest"] == "disabled"


def test_all_key_sets_every_level_and_per_policy_entries_win() -> None:
    result = analyze(BASIC, GRAPH, policy_config=_config("all-mandatory.json"))
    expected = {
        (policy, "mandatory" if policy != "bucket-versioning" else "advisory", urn)
        for policy, _, urn in DEFAULT_VERDICTS
    }
    # An unknown value still only yields an advisory "can't run" note (the SDK's rule).
    expected = (expected - {("endpoint-https", "mandatory", API)}) | {("endpoint-https", "advisory", API)}
    assert verdicts(result) == expected
    assert {p.level for p in result.policies if p.name != "bucket-versioning"} == {"mandatory"}


def test_explicit_level_and_property_override_in_one_entry() -> None:
    config = {"disk-max-size": {"enforcementLevel": "mandatory", "maxSize": 200}, "stack-probe": "disabled"}
    result = analyze(BASIC, GRAPH, policy_config=config)
    assert verdicts(result) == (
        DEFAULT_VERDICTS - {("disk-max-size", "advisory", BIG), ("stack-probe", "advisory", PROBE)}
    ) | {("disk-max-size", "mandatory", BIG)}
    disk = next(d for d in result.diagnostics if d.policy == "disk-max-size")
    assert disk.message.endswith("sizeGb 250 exceeds maxSize 200")
    assert ("stack-probe", None) not in result.evaluated


def test_raising_the_limit_above_the_disk_size_clears_it() -> None:
    result = analyze(BASIC, GRAPH, policy_config={"disk-max-size": {"maxSize": 300}})
    assert verdicts(result) == DEFAULT_VERDICTS - {("disk-max-size", "advisory", BIG)}


def test_unknown_policy_name_with_a_level_is_ignored_like_the_engine() -> None:
    result = analyze(BASIC, GRAPH, policy_config={"no-such-policy": "mandatory"})
    assert verdicts(result) == DEFAULT_VERDICTS


def test_config_failing_the_policy_schema_raises() -> None:
    with pytest.raises(PackError) as caught:
        analyze(BASIC, GRAPH, policy_config=_config("invalid.json"))
    assert str(caught.value) == (
        f"policy pack {BASIC}: invalid policy config:\n  disk-max-size: $.maxSize: 'big' is not of type 'integer'"
    )


def test_config_below_the_schema_minimum_raises() -> None:
    with pytest.raises(PackError, match=r"disk-max-size: \$\.maxSize: 0 is less than the minimum of 1"):
        analyze(BASIC, GRAPH, policy_config={"disk-max-size": {"maxSize": 0}})


def test_properties_for_a_policy_the_pack_lacks_raise() -> None:
    with pytest.raises(PackError, match="'no-such-policy' sets properties but no enforcementLevel"):
        analyze(BASIC, GRAPH, policy_config={"no-such-policy": {"maxSize": 3}})


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"disk-max-size": "sometimes"}, "'sometimes' is not a valid enforcement level"),
        ({"disk-max-size": {"enforcementLevel": "loud"}}, "'loud' is not a valid enforcement level"),
        ({"disk-max-size": 3}, "3 is not a valid value; must be an enforcement level or an object"),
    ],
)
def test_malformed_config_is_rejected_before_the_pack_starts(
    config: dict[str, Any], message: str, launched: list[subprocess.Popen[bytes]]
) -> None:
    with pytest.raises(PackError, match=message):
        analyze(BASIC, GRAPH, policy_config=config)
    assert launched == []


# --- marshalling --------------------------------------------------------------------------------


def test_provider_missing_from_graph_is_described_from_its_urn() -> None:
    default_provider = P + "pulumi:providers:test::default_1_0_0"
    probe = _record(PROBE, inputs={"password": "x", "labels": {}}, provider=f"{default_provider}::{UNKNOWN}")
    result = analyze(BASIC, ResourceGraph(project="ml-platform", stack="dev", resources=(probe,)))
    seen = json.loads(next(d for d in result.diagnostics if d.policy == "probe-resource").message.split("\n", 1)[1])
    assert seen["provider"] == {
        "type": "pulumi:providers:test",
        "urn": default_provider,
        "name": "default_1_0_0",
        "region": None,
    }
    assert (seen["protect"], seen["ignoreChanges"], seen["deleteBeforeReplace"]) == (False, [], False)


def test_remediate_level_rewrites_inputs_before_analysis() -> None:
    result = analyze(BASIC, GRAPH, policy_config={"probe-owner-label": "remediate"})
    assert result.remediated == (("probe-owner-label", PROBE),)
    probe = next(d for d in result.diagnostics if d.policy == "probe-resource")
    seen = json.loads(probe.message.split("\n", 1)[1])
    assert seen == {**PROBE_SEEN, "labels": {"team": "ml", "owner": "platform"}}
    assert verdicts(result) == DEFAULT_VERDICTS


def test_values_that_are_not_wire_json_are_rejected(launched: list[subprocess.Popen[bytes]]) -> None:
    bad = _record(BIG, inputs={"sizeGb": {1, 2}})
    with pytest.raises(TypeError, match=r"\.inputs\.sizeGb: set is not a JSON value"):
        analyze(BASIC, ResourceGraph(project="p", stack="s", resources=(bad,)))
    assert len(launched) == 1  # started, and (checked by the fixture) killed again


# --- fail closed ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pack", "fragments"),
    [
        ("exits-at-once", ["exited with code 3 before printing its port", "cannot load rules"]),
        (
            "prints-garbage",
            ["printed 'Loading policies... done' instead of its port", "printing a banner instead of the port"],
        ),
        ("sleeps-forever", ["did not print its port within 1.5s", "(nothing on stderr)"]),
        ("raises-in-analyze", [f"failed in Analyze({STACK})", "fixture: policy bug while checking"]),
        ("hangs-in-analyze", [f"did not finish Analyze({STACK}) within the 1.5s deadline"]),
        ("crashes-in-analyze", [f"exited with code 7 during Analyze({STACK})", "fixture: crashing while"]),
    ],
)
def test_broken_packs_raise_pack_error_quickly(
    pack: str, fragments: list[str], launched: list[subprocess.Popen[bytes]]
) -> None:
    started = time.monotonic()
    with pytest.raises(PackError) as caught:
        analyze(PACKS / pack, GRAPH, timeout=1.5)
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert message.startswith(f"policy pack {PACKS / pack} ")
    for fragment in fragments:
        assert fragment in message
    assert elapsed < 5.0
    assert len(launched) == 1


def test_missing_pulumipolicy_yaml_raises(tmp_path: Path) -> None:
    with pytest.raises(PackError, match=r"no PulumiPolicy\.yaml"):
        analyze(tmp_path, GRAPH)


def test_unsupported_runtime_raises(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: go\n")
    with pytest.raises(PackError, match="runtime 'go' is not supported offline"):
        analyze(tmp_path, GRAPH)


def test_node_pack_without_node_on_path_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _: None)
    with pytest.raises(PackError, match="needs node, which is not on PATH"):
        analyze(NODE_BASIC, GRAPH)


def test_virtualenv_runtime_option_picks_that_interpreter(
    tmp_path: Path, launched: list[subprocess.Popen[bytes]]
) -> None:
    pack = Path(shutil.copytree(BASIC, tmp_path / "pack"))
    (pack / "PulumiPolicy.yaml").write_text("runtime:\n  name: python\n  options:\n    virtualenv: venv\n")
    analyze(pack, GRAPH)  # no venv yet: the interpreter running us, as offline CI installs it
    (pack / "venv" / "bin").mkdir(parents=True)
    wrapper = pack / "venv" / "bin" / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    result = analyze(pack, GRAPH)
    assert [proc.args[0] for proc in launched] == [sys.executable, str(wrapper)]
    assert result.pack_version == "0.0.1"  # no version in PulumiPolicy.yaml: the pack's own
    assert verdicts(result) == DEFAULT_VERDICTS


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="timeout must be positive"):
        analyze(BASIC, GRAPH, timeout=0)


def test_clean_run_leaves_no_process(launched: list[subprocess.Popen[bytes]]) -> None:
    analyze(BASIC, GRAPH)
    assert len(launched) == 1
    assert launched[0].args == [sys.executable, "-u", "-m", "pulumi.policy", packs.ENGINE_ADDRESS_PLACEHOLDER, "."]


# --- streaming ---------------------------------------------------------------------------------


def test_streamed_resources_get_the_same_verdict_as_a_whole_graph(basic_default: AnalysisResult) -> None:
    arrived: list[str] = []

    def one_by_one() -> Iterator[ResourceRecord]:
        for record in GRAPH.resources:
            arrived.append(record.urn)
            yield record

    result = analyze_stream(BASIC, project=GRAPH.project, stack=GRAPH.stack, records=one_by_one())
    assert arrived == [r.urn for r in GRAPH.resources]
    assert details(result) == details(basic_default)
    assert set(result.evaluated) == set(basic_default.evaluated)


def test_a_synthesis_failing_mid_stream_propagates_and_closes_the_pack(
    launched: list[subprocess.Popen[bytes]],
) -> None:
    class Broken(Exception):
        pass

    def fails_after_two() -> Iterator[ResourceRecord]:
        yield from GRAPH.resources[:2]
        raise Broken("the program failed")

    with pytest.raises(Broken, match="the program failed"):
        analyze_stream(BASIC, project=GRAPH.project, stack=GRAPH.stack, records=fails_after_two())
    assert len(launched) == 1  # the fixture then checks it was killed and reaped


# --- Node parity --------------------------------------------------------------------------------


def _copy_node_pack(destination: Path) -> Path:
    return Path(shutil.copytree(NODE_BASIC, destination, ignore=shutil.ignore_patterns("node_modules")))


@pytest.fixture(scope="module")
def node_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to install the Node fixture pack")
    pack = _copy_node_pack(tmp_path_factory.mktemp("node") / "node-basic")
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
        cwd=pack,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"npm ci failed in the Node fixture pack:\n{done.stderr[-2000:]}")
    return pack


@pytest.mark.parametrize("config", [None, {"probe-owner-label": "remediate", "all": "mandatory"}])
def test_node_pack_gives_the_same_verdicts(node_pack: Path, config: dict[str, Any] | None) -> None:
    python = analyze(BASIC, GRAPH, policy_config=config)
    node = analyze(node_pack, GRAPH, policy_config=config)
    assert details(node) == details(python)
    assert set(node.evaluated) == set(python.evaluated)
    assert node.remediated == python.remediated
    assert [(p.name, p.level, p.severity) for p in node.policies] == [
        (p.name, p.level, p.severity) for p in python.policies
    ]


def test_node_pack_without_dependencies_raises(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is needed to run the Node fixture pack")
    pack = _copy_node_pack(tmp_path / "node-basic")
    with pytest.raises(PackError, match="dependencies are not installed; run `npm install`"):
        analyze(pack, GRAPH)
