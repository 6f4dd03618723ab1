"""Offline analyzer client: drive a CrossGuard policy pack over Pulumi's Analyzer gRPC protocol.

The call sequence and payloads follow the Pulumi engine (pulumi/pulumi):

- `pkg/resource/plugin/analyzer_plugin.go`: Handshake and ConfigureStack (both optional),
  GetAnalyzerInfo (the PulumiPolicy.yaml version wins over the pack's), Configure, Analyze,
  Remediate and AnalyzeStack marshalling, diagnostics conversion (severity falls back to the
  policy's);
- `pkg/resource/analyzer/config.go`: the policy-pack config file format, `ReconcilePolicyPackConfig`
  (schema defaults, then the pack's initial config, then the file; `all` sets every level; every
  policy gets an explicit level) and its JSON-schema validation;
- `pkg/resource/deploy/step_generator.go` and `analyze.go`: every registered resource is analyzed
  with its inputs (after remediations), AnalyzeStack gets every resource with its outputs,
  parents and dependencies, remediate-level diagnostics are reported as mandatory.

Any failure of the pack (start, port, crash, hang, gRPC error, bad config) raises PackError:
the check fails closed and never returns a clean result it did not get.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from jsonschema import Draft7Validator
from jsonschema.exceptions import SchemaError
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from blueprint.engine.model import (
    AnalysisResult,
    Diagnostic,
    Level,
    PolicyInfo,
    ResourceGraph,
    ResourceRecord,
    urn_type_and_name,
)
from blueprint.engine.packs import (
    ENGINE_ADDRESS_PLACEHOLDER,
    Deadline,
    PackError,
    PackSpec,
    RunningPack,
    read_pack_spec,
    start_pack,
)
from blueprint.errors import format_path, printable

__all__ = ["PackError", "analyze"]

_MAX_MESSAGE_BYTES = 400 * 1024 * 1024  # what the SDKs' servers allow
_EXIT_GRACE_SECONDS = 0.5  # after a failed call, how long a dying pack gets to report its exit
_LEVELS: dict[analyzer_pb2.EnforcementLevel.ValueType, Level] = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
_LEVEL_CODES = {name: code for code, name in _LEVELS.items()}
_SEVERITIES: dict[analyzer_pb2.PolicySeverity.ValueType, str] = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
# The engine injects this into every policy's config schema before validating.
_LEVEL_SCHEMA = {"type": "string", "enum": list(_LEVEL_CODES)}

PolicyKind = Literal["resource", "stack"]


@dataclass
class LaunchedPack:
    """A pack started ahead of its analysis (while the stack is still being synthesized), so
    its start-up overlaps synthesis. Hand it to `analyze(..., launched=...)`, or `close()` it."""

    spec: PackSpec
    running: RunningPack
    deadline: Deadline
    stack: str

    def close(self) -> None:
        self.running.close()


def launch(
    pack_dir: Path, *, project: str, stack: str, timeout: float = 60.0, env: Mapping[str, str] | None = None
) -> LaunchedPack:
    """Start the pack for one stack and wait for its port; `timeout` bounds start-up and the
    analysis that follows; `env` is added to the pack's environment."""
    if timeout <= 0:
        raise ValueError(f"timeout must be positive, got {timeout}")
    deadline = Deadline(timeout)
    spec = read_pack_spec(Path(pack_dir))
    running = start_pack(spec, project=project, stack=stack, deadline=deadline, extra_env=env)
    return LaunchedPack(spec, running, deadline, stack)


def analyze(
    pack_dir: Path,
    graph: ResourceGraph,
    *,
    policy_config: Mapping[str, Any] | None = None,
    timeout: float = 60.0,
    launched: LaunchedPack | None = None,
) -> AnalysisResult:
    """Run the CrossGuard pack in `pack_dir` against `graph` and return its verdict.

    `policy_config` is the parsed JSON of a `--policy-pack-config` file. `timeout` bounds the
    whole run (start-up and every call). `launched`: a pack already started for this stack by
    `launch` (its own timeout applies). Raises PackError whenever the pack cannot deliver a
    complete verdict; the pack process is always killed before returning.
    """
    return analyze_stream(
        pack_dir,
        project=graph.project,
        stack=graph.stack,
        records=iter(graph.resources),
        policy_config=policy_config,
        timeout=timeout,
        launched=launched,
    )


def analyze_stream(
    pack_dir: Path,
    *,
    project: str,
    stack: str,
    records: Iterator[ResourceRecord],
    policy_config: Mapping[str, Any] | None = None,
    timeout: float = 60.0,
    launched: LaunchedPack | None = None,
) -> AnalysisResult:
    """`analyze`, with the resources arriving one by one as the program registers them (as
    the engine analyzes them during a preview): each is analyzed as soon as it arrives, the
    stack once `records` is exhausted. An exception raised by `records` (a failed synthesis)
    propagates after the pack is closed."""
    try:  # a malformed config is rejected before any pack process starts
        spec = launched.spec if launched else read_pack_spec(Path(pack_dir))
        requested = _parse_policy_config(spec.label, policy_config)
        pack = launched or launch(pack_dir, project=project, stack=stack, timeout=timeout)
    except BaseException:
        if launched is not None:
            launched.close()
        raise
    try:
        if pack.stack != stack:
            raise ValueError(f"pack launched for {pack.stack}, asked to analyze {stack}")
        with _Client(pack.running, pack.deadline) as client:
            return _Run(client, pack.spec, project, stack, requested).execute(records)
    finally:
        pack.close()


# --- gRPC client ------------------------------------------------------------------------------


class _Client:
    """The Analyzer stub plus the deadline and the process, for errors that say what happened."""

    def __init__(self, running: RunningPack, deadline: Deadline) -> None:
        self._running = running
        self._deadline = deadline
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{running.port}",
            options=[
                ("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", _MAX_MESSAGE_BYTES),
            ],
        )
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)

    def __enter__(self) -> _Client:
        try:
            grpc.channel_ready_future(self._channel).result(timeout=self._deadline.remaining())
        except grpc.FutureTimeoutError:
            self._channel.close()
            raise self._running.give_up(
                f"printed port {self._running.port} but did not accept connections within {self._deadline.seconds:g}s",
                during="while we connected",
                exit_wait=_EXIT_GRACE_SECONDS,
            ) from None
        return self

    def __exit__(self, *_: object) -> None:
        self._channel.close()

    def call(self, method: str, what: str, request: object) -> Any:
        """Invoke `method`; any gRPC failure becomes a PackError naming `what` we asked for."""
        answer = self._invoke(method, what, request, optional=False)
        assert answer is not None
        return answer

    def call_optional(self, method: str, what: str, request: object) -> Any | None:
        """Like `call`, but a pack that does not implement `method` answers None (engine does)."""
        return self._invoke(method, what, request, optional=True)

    def _invoke(self, method: str, what: str, request: object, *, optional: bool) -> Any | None:
        if self._deadline.expired():
            raise self._timed_out(what)
        stub_method: Callable[..., Any] = getattr(self._stub, method)
        try:
            return stub_method(request, timeout=self._deadline.remaining())
        except grpc.RpcError as err:
            code = err.code()
            if optional and code == grpc.StatusCode.UNIMPLEMENTED:
                return None
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise self._timed_out(what) from None
            # A pack that died mid-call leaves a vague transport error; its exit code says more.
            raise self._running.give_up(
                f"failed in {what}: {printable(err.details() or str(code))}",
                during=f"during {what}",
                exit_wait=_EXIT_GRACE_SECONDS,
            ) from None

    def _timed_out(self, what: str) -> PackError:
        return self._running.give_up(f"did not finish {what} within the {self._deadline.seconds:g}s deadline")


# --- policy config (engine: pkg/resource/analyzer/config.go) ------------------------------------


@dataclass(frozen=True)
class _PolicyConfig:
    level: Level | None
    properties: Mapping[str, Any] = field(default_factory=dict)


def _parse_policy_config(label: str, config: Mapping[str, Any] | None) -> dict[str, _PolicyConfig]:
    """Parse a `--policy-pack-config` document exactly as `pulumi` does."""
    if config is None:
        return {}
    if not isinstance(config, Mapping):
        raise PackError(f"policy pack {label}: policy config must be a JSON object")
    parsed: dict[str, _PolicyConfig] = {}
    for key, value in config.items():
        level: Level | None = None
        properties: dict[str, Any] = {}
        if isinstance(value, str):
            level = _level(label, key, value)
        elif isinstance(value, Mapping):
            properties = {k: v for k, v in value.items() if k != "enforcementLevel"}
            if "enforcementLevel" in value:
                level = _level(label, key, value["enforcementLevel"])
        else:
            raise PackError(
                f"policy pack {label}: policy config {key!r}: {value!r} is not a valid value; "
                "must be an enforcement level or an object"
            )
        if level is not None or properties:  # the engine drops empty entries
            parsed[key] = _PolicyConfig(level, properties)
    return parsed


def _level(label: str, key: str, value: object) -> Level:
    for level in _LEVEL_CODES:
        if value == level:
            return level
    raise PackError(
        f"policy pack {label}: policy config {key!r}: {value!r} is not a valid enforcement level "
        f"(one of {', '.join(_LEVEL_CODES)})"
    )


@dataclass(frozen=True, kw_only=True)
class _Policy:
    """A policy from GetAnalyzerInfo, with what the client needs beyond the report model."""

    info: PolicyInfo
    kind: PolicyKind
    schema: Mapping[str, Any] | None  # None when the pack does not support config


def _reconcile(
    label: str,
    policies: Sequence[_Policy],
    initial: Mapping[str, _PolicyConfig],
    requested: Mapping[str, _PolicyConfig],
) -> dict[str, _PolicyConfig]:
    """Schema defaults, then the pack's initial config, then the file; then validate."""
    result = {p.info.name: _PolicyConfig(p.info.level, _schema_defaults(p.schema)) for p in policies}
    for layer in (initial, requested):
        result = _apply_config(result, layer)
    problems = [problem for p in policies for problem in _validate(p, result[p.info.name])]
    if problems:
        raise PackError(f"policy pack {label}: invalid policy config:\n  " + "\n  ".join(problems))
    return result


def _schema_defaults(schema: Mapping[str, Any] | None) -> dict[str, Any]:
    properties = (schema or {}).get("properties") or {}
    return {
        name: prop["default"] for name, prop in properties.items() if isinstance(prop, Mapping) and "default" in prop
    }


def _apply_config(result: Mapping[str, _PolicyConfig], layer: Mapping[str, _PolicyConfig]) -> dict[str, _PolicyConfig]:
    out = dict(result)
    everything = layer.get("all")
    if everything is not None and everything.level is not None:
        out = {name: replace(cfg, level=everything.level) for name, cfg in out.items()}
    # Like the engine, entries for names that are no policy (including `all`) pass through.
    for name, given in layer.items():
        current = out.get(name, _PolicyConfig(None))
        out[name] = _PolicyConfig(
            given.level if given.level is not None else current.level,
            {**current.properties, **given.properties},
        )
    return out


def _validate(policy: _Policy, config: _PolicyConfig) -> list[str]:
    if policy.schema is None:
        return []
    properties = dict(policy.schema.get("properties") or {})
    properties["enforcementLevel"] = _LEVEL_SCHEMA
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if policy.schema.get("required"):
        schema["required"] = list(policy.schema["required"])
    try:
        errors = sorted(
            Draft7Validator(schema).iter_errors(dict(config.properties)),
            key=lambda e: list(e.absolute_path),
        )
    except SchemaError as err:
        return [f"{policy.info.name}: the pack's config schema is invalid: {err.message}"]
    return [f"{policy.info.name}: {format_path(e.absolute_path)}: {e.message}" for e in errors]


def _initial_config(info: analyzer_pb2.AnalyzerInfo) -> dict[str, _PolicyConfig]:
    return {
        name: _PolicyConfig(_LEVELS.get(cfg.enforcementLevel), _from_struct(cfg.properties))
        for name, cfg in info.initialConfig.items()
    }


# --- marshalling (engine: MarshalProperties with KeepUnknowns and KeepSecrets) ----------------


def _plain(value: object, where: str) -> Any:
    """Wire-form JSON as plain dict/list/scalars that protobuf Struct accepts."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"{where}: {type(value).__name__} is not a JSON value in Pulumi wire form")


def _to_struct(props: Mapping[str, Any], where: str) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(_plain(props, where))
    return struct


def _from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return cast(dict[str, Any], _whole_numbers(json_format.MessageToDict(struct)))


def _whole_numbers(value: Any) -> Any:
    """Struct numbers are doubles; show 100, not 100.0, in schemas and remediated inputs."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def _options(record: ResourceRecord) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=record.protect,
        ignoreChanges=list(record.ignore_changes),
        deleteBeforeReplace=record.delete_before_replace,
        deleteBeforeReplaceDefined=record.delete_before_replace,
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(),
        parent=record.parent or "",
    )


def _provider(
    record: ResourceRecord, by_urn: Mapping[str, ResourceRecord]
) -> analyzer_pb2.AnalyzerProviderResource | None:
    """The provider the engine would attach: `<urn>::<id>` reference resolved in the graph.

    A provider the program never registered (a default provider, under mocks) is described from
    its URN alone, without properties.
    """
    ref = record.provider
    if not ref:
        return None
    urn = ref if ref in by_urn or ref.count("::") < 4 else ref.rsplit("::", 1)[0]
    provider = by_urn.get(urn)
    if provider is not None:
        return analyzer_pb2.AnalyzerProviderResource(
            type=provider.type,
            urn=provider.urn,
            name=provider.name,
            properties=_to_struct(provider.inputs, f"{provider.urn}.inputs"),
        )
    type_, name = urn_type_and_name(urn)
    return analyzer_pb2.AnalyzerProviderResource(type=type_, urn=urn, name=name)


def _stack_resource(
    record: ResourceRecord,
    properties: Mapping[str, Any],
    by_urn: Mapping[str, ResourceRecord],
) -> analyzer_pb2.AnalyzerResource:
    resource = analyzer_pb2.AnalyzerResource(
        type=record.type,
        urn=record.urn,
        name=record.name,
        properties=_to_struct(properties, f"{record.urn}.outputs"),
        options=_options(record),
        parent=record.parent or "",
        dependencies=list(record.dependencies),
        propertyDependencies={
            key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns))
            for key, urns in record.property_dependencies.items()
            if urns  # the engine skips properties without dependencies
        },
    )
    provider = _provider(record, by_urn)
    if provider is not None:
        resource.provider.CopyFrom(provider)
    return resource


# --- one run --------------------------------------------------------------------------------


class _Run:
    """The engine's sequence against one started pack, accumulating the verdict."""

    def __init__(
        self,
        client: _Client,
        spec: PackSpec,
        project: str,
        stack: str,
        requested: Mapping[str, _PolicyConfig],
    ) -> None:
        self.client = client
        self.spec = spec
        self.project = project
        self.stack = stack
        self.requested = requested
        self.records: list[ResourceRecord] = []  # filled as resources arrive
        self.by_urn: dict[str, ResourceRecord] = {}
        self.pack = ""
        self.version = spec.version
        self.policies: list[_Policy] = []
        self.diagnostics: list[Diagnostic] = []
        self.evaluated: list[tuple[str, str | None]] = []
        self.remediated: list[tuple[str, str]] = []

    def execute(self, records: Iterator[ResourceRecord]) -> AnalysisResult:
        self._handshake()
        info = self.client.call("GetAnalyzerInfo", "GetAnalyzerInfo", empty_pb2.Empty())
        self.pack = info.name
        self.version = self.spec.version or info.version  # PulumiPolicy.yaml wins
        self.policies = _policies_of(self.spec.label, info)
        self._configure(info)
        inputs: dict[str, Mapping[str, Any]] = {}
        for record in records:
            self.records.append(record)
            self.by_urn[record.urn] = record  # providers register before the resources using them
            inputs[record.urn] = self._analyze_resource(record)
        self._analyze_stack(inputs)
        return AnalysisResult(
            pack=self.pack,
            pack_version=self.version,
            policies=tuple(p.info for p in self.policies),
            diagnostics=tuple(self.diagnostics),
            evaluated=tuple(self.evaluated),
            remediated=tuple(self.remediated),
        )

    def _handshake(self) -> None:
        directory = str(self.spec.directory.absolute())
        self.client.call_optional(
            "Handshake",
            "Handshake",
            analyzer_pb2.AnalyzerHandshakeRequest(
                engine_address=ENGINE_ADDRESS_PLACEHOLDER,
                root_directory=directory,
                program_directory=directory,
            ),
        )
        self.client.call_optional(
            "ConfigureStack",
            "ConfigureStack",
            analyzer_pb2.AnalyzerStackConfigureRequest(stack=self.stack, project=self.project, dry_run=True),
        )

    def _configure(self, info: analyzer_pb2.AnalyzerInfo) -> None:
        label = self.spec.label
        if not info.supportsConfig:
            if self.requested:
                raise PackError(f"policy pack {label} does not support config")
            return
        config = _reconcile(label, self.policies, _initial_config(info), self.requested)
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, cfg in config.items():
            if cfg.level is None:
                raise PackError(
                    f"policy pack {label}: policy config {name!r} sets properties but no "
                    f"enforcementLevel, and the pack has no policy named {name!r}"
                )
            request.policyConfig[name].CopyFrom(
                analyzer_pb2.PolicyConfig(
                    enforcementLevel=_LEVEL_CODES[cfg.level],
                    properties=_to_struct(cfg.properties, f"policy config {name}"),
                )
            )
        if request.policyConfig:  # the engine sends nothing for a pack without policies
            self.client.call("Configure", "Configure", request)
        # Like the engine, report the levels the policies now run at.
        self.policies = [
            replace(p, info=replace(p.info, level=config[p.info.name].level or p.info.level)) for p in self.policies
        ]

    def _active(self, kind: PolicyKind) -> list[str]:
        return [p.info.name for p in self.policies if p.kind == kind and p.info.level != "disabled"]

    def _analyze_resource(self, record: ResourceRecord) -> Mapping[str, Any]:
        """Remediate (when a policy is set to), then Analyze; returns the inputs analyzed."""
        inputs = record.inputs
        if any(p.info.level == "remediate" and p.kind == "resource" for p in self.policies):
            inputs = self._remediate(record)
        request = self._request(record, inputs)
        answer = self.client.call("Analyze", f"Analyze({record.urn})", request)
        self.diagnostics.extend(self._diagnostic(d, record.urn) for d in answer.diagnostics)
        skipped = {n.policy_name for n in answer.not_applicable}
        self.evaluated.extend((p, record.urn) for p in self._active("resource") if p not in skipped)
        return inputs

    def _request(self, record: ResourceRecord, inputs: Mapping[str, Any]) -> analyzer_pb2.AnalyzeRequest:
        request = analyzer_pb2.AnalyzeRequest(
            urn=record.urn,
            type=record.type,
            name=record.name,
            properties=_to_struct(inputs, f"{record.urn}.inputs"),
            options=_options(record),
        )
        provider = _provider(record, self.by_urn)
        if provider is not None:
            request.provider.CopyFrom(provider)
        return request

    def _remediate(self, record: ResourceRecord) -> Mapping[str, Any]:
        inputs = record.inputs
        answer = self.client.call_optional("Remediate", f"Remediate({record.urn})", self._request(record, inputs))
        for remediation in answer.remediations if answer is not None else ():
            if remediation.diagnostic:
                # The engine shows a failed remediation as an advisory violation.
                self.diagnostics.append(
                    Diagnostic(
                        policy=remediation.policyName,
                        pack=remediation.policyPackName or self.pack,
                        pack_version=self.version or remediation.policyPackVersion,
                        level="advisory",
                        message=remediation.diagnostic,
                        description=remediation.description,
                        severity=self._severity(remediation.policyName, analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED),
                        urn=record.urn,
                    )
                )
            elif remediation.HasField("properties"):
                inputs = _from_struct(remediation.properties)
                self.remediated.append((remediation.policyName, record.urn))
        return inputs

    def _analyze_stack(self, inputs: Mapping[str, Mapping[str, Any]]) -> None:
        # The engine checks final outputs here; a preview's outputs default to its inputs.
        resources = [_stack_resource(r, r.outputs or inputs[r.urn], self.by_urn) for r in self.records]
        answer = self.client.call_optional(
            "AnalyzeStack", "AnalyzeStack", analyzer_pb2.AnalyzeStackRequest(resources=resources)
        )
        if answer is None:
            # The engine skips packs that predate AnalyzeStack; such packs declare no stack
            # policies. One that declares them and does not run them gave no verdict on them.
            declared = self._active("stack")
            if declared:
                raise PackError(
                    f"policy pack {self.spec.label} declares stack policies ({', '.join(declared)}) "
                    "but does not implement AnalyzeStack: they did not run"
                )
            return
        for d in answer.diagnostics:
            self.diagnostics.append(self._diagnostic(d, d.urn if d.urn in self.by_urn else None))
        skipped = {n.policy_name for n in answer.not_applicable}
        self.evaluated.extend((p, None) for p in self._active("stack") if p not in skipped)

    def _diagnostic(self, d: analyzer_pb2.AnalyzeDiagnostic, urn: str | None) -> Diagnostic:
        level = _LEVELS.get(d.enforcementLevel)
        if level is None:
            raise PackError(
                f"policy pack {self.spec.label} reported policy {d.policyName!r} with an invalid "
                f"enforcement level {d.enforcementLevel}"
            )
        return Diagnostic(
            policy=d.policyName,
            pack=d.policyPackName or self.pack,
            pack_version=self.version or d.policyPackVersion,
            # A remediate policy still violated after remediation blocks like a mandatory one.
            level="mandatory" if level == "remediate" else level,
            message=d.message,
            description=d.description,
            severity=self._severity(d.policyName, d.severity),
            urn=urn,
        )

    def _severity(self, policy: str, code: analyzer_pb2.PolicySeverity.ValueType) -> str:
        if code in _SEVERITIES:
            return _SEVERITIES[code]
        return next((p.info.severity for p in self.policies if p.info.name == policy), "")


def _policies_of(label: str, info: analyzer_pb2.AnalyzerInfo) -> list[_Policy]:
    policies = [_policy(label, p, supports_config=info.supportsConfig) for p in info.policies]
    return sorted(policies, key=lambda p: p.info.name)  # the engine sorts by name too


def _policy(label: str, p: analyzer_pb2.PolicyInfo, *, supports_config: bool) -> _Policy:
    level = _LEVELS.get(p.enforcementLevel)
    if level is None:
        raise PackError(
            f"policy pack {label} describes policy {p.name!r} with an invalid enforcement level {p.enforcementLevel}"
        )
    schema: dict[str, Any] = {}
    if p.HasField("configSchema"):
        schema["properties"] = _from_struct(p.configSchema.properties)
        if p.configSchema.required:
            schema["required"] = list(p.configSchema.required)
    # Packs that predate stack policies send no type; their policies are resource policies.
    kind: PolicyKind = "stack" if p.policy_type == analyzer_pb2.POLICY_TYPE_STACK else "resource"
    info = PolicyInfo(
        name=p.name,
        display_name=p.displayName,
        description=p.description,
        level=level,
        message=p.message,
        severity=_SEVERITIES.get(p.severity, ""),
        config_schema=schema,
    )
    return _Policy(info=info, kind=kind, schema=schema if supports_config else None)
