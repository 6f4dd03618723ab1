"""Synthesis: run the Pulumi program for one stack in-process under `pulumi.runtime.set_mocks`
and record every registration as the engine would see it.

The mock monitor neither runs transforms nor hands resource options to `Mocks`, so
`RecordingMonitor` does the engine's part: it invokes the program's transforms over the
callback protocol (resource's own, then each ancestor's, then stack transforms, as the
engine's resource monitor does), applies the result to the request, records the whole
request, and then delegates to `MockMonitor`."""

from __future__ import annotations

import asyncio
import json
import os
import runpy
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import _callbacks as pulumi_callbacks
from pulumi.runtime import config as pulumi_config
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.proto import callback_pb2, callback_pb2_grpc, resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from blueprint.engine.mocks import PlatformMocks
from blueprint.engine.model import ResourceGraph, ResourceRecord
from blueprint.engine.workers import SynthError, project_name_of, synthesize_stacks
from blueprint.semantics import PROVIDER_KEYS

__all__ = ["RecordingMonitor", "SynthError", "project_name_of", "synthesize", "synthesize_stacks"]

STACK_TYPE = "pulumi:pulumi:Stack"


class RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: pulumi_mocks.Mocks, on_record: Callable[[ResourceRecord], None] | None = None) -> None:
        super().__init__(mocks)
        self.records: list[ResourceRecord] = []
        self._on_record = on_record
        self.stack_outputs: dict[str, Any] = {}
        self._stack_callbacks: list[Any] = []
        self._resource_callbacks: dict[str, list[Any]] = {}
        self._parents: dict[str, str] = {}
        self._channels: dict[str, grpc.Channel] = {}

    # -- transforms, as the engine runs them ------------------------------------------
    def RegisterStackTransform(self, request: Any) -> Any:
        self._stack_callbacks.append(request)
        return super().RegisterStackTransform(request)  # type: ignore[no-untyped-call]

    def _invoke(self, callback: Any, request: Any) -> Any:
        invoke = callback_pb2.CallbackInvokeRequest(token=callback.token, request=request.SerializeToString())
        servicer = _local_servicer(callback.target)
        if servicer is not None:
            # The program's own callback server, in this process: run its Invoke handler on its
            # loop directly, the bytes in and out as over gRPC, without the transport's cost.
            reply = asyncio.run_coroutine_threadsafe(servicer.Invoke(invoke, _Abort()), servicer._loop).result(
                timeout=60
            )
        else:
            channel = self._channels.get(callback.target)
            if channel is None:
                channel = self._channels[callback.target] = grpc.insecure_channel(callback.target)
            reply = callback_pb2_grpc.CallbacksStub(channel).Invoke(invoke, timeout=60)
        return resource_pb2.TransformResponse.FromString(reply.response)

    def _chain(self, request: Any, urn: str) -> list[Any]:
        chain = list(request.transforms)
        parent = request.parent
        while parent:
            chain += self._resource_callbacks.get(parent, [])
            parent = self._parents.get(parent, "")
        return chain + self._stack_callbacks

    def _transform(self, request: Any, urn: str) -> Any:
        chain = self._chain(request, urn)
        if not chain:
            return request
        opts = resource_pb2.TransformResourceOptions(
            depends_on=list(request.dependencies),
            ignore_changes=list(request.ignoreChanges),
            replace_on_changes=list(request.replaceOnChanges),
            provider=request.provider,
            retain_on_delete=request.retainOnDelete,
            delete_before_replace=request.deleteBeforeReplace,
            additional_secret_outputs=list(request.additionalSecretOutputs),
        )
        if request.HasField("protect"):
            opts.protect = request.protect
        props = request.object
        for callback in chain:
            reply = self._invoke(
                callback,
                resource_pb2.TransformRequest(
                    type=request.type,
                    name=request.name,
                    custom=request.custom,
                    parent=request.parent,
                    properties=props,
                    options=opts,
                ),
            )
            props = reply.properties
            if reply.HasField("options"):
                opts = reply.options
        out = resource_pb2.RegisterResourceRequest()
        out.CopyFrom(request)
        out.object.CopyFrom(props)
        if opts.HasField("protect"):
            out.protect = opts.protect
        out.retainOnDelete = opts.retain_on_delete
        del out.ignoreChanges[:]
        out.ignoreChanges.extend(opts.ignore_changes)
        return out

    # -- registration ------------------------------------------------------------------
    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.parent:
            self._parents[urn] = request.parent
        self._resource_callbacks[urn] = list(request.transforms)
        if request.type != STACK_TYPE:
            request = self._transform(request, urn)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != STACK_TYPE:
            record = self._record(request, urn)
            self.records.append(record)
            if self._on_record is not None:
                self._on_record(record)
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn.split("::")[2] == STACK_TYPE:
            self.stack_outputs = _plain(request.outputs)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]

    def _record(self, request: Any, urn: str) -> ResourceRecord:
        registered = self.resources.get(urn)
        return ResourceRecord(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            custom=bool(request.custom),
            inputs=_plain(request.object),
            outputs=_json_safe(registered.state) if registered else {},
            id=registered.id if registered and request.custom else None,
            provider=request.provider or None,
            dependencies=tuple(request.dependencies),
            property_dependencies={k: tuple(v.urns) for k, v in request.propertyDependencies.items()},
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            ignore_changes=tuple(request.ignoreChanges),
            delete_before_replace=bool(request.deleteBeforeReplace),
        )


class CallbackError(Exception):
    """A transform failed; the message is what the callback server would have sent."""


class _Abort:
    """The part of a gRPC servicer context the callback server uses: `abort` ends the call."""

    async def abort(self, code: grpc.StatusCode, details: str) -> None:
        raise CallbackError(details)


def _local_servicer(target: str) -> Any | None:
    """The callback server at `target` if it lives in this process (it always does under
    mocks); None if this SDK keeps its servers elsewhere, and gRPC is used instead.
    MLBP_TRANSFORMS_OVER_GRPC=1 forces gRPC (the tests run both paths)."""
    if os.environ.get("MLBP_TRANSFORMS_OVER_GRPC"):
        return None
    servers = getattr(pulumi_callbacks._CallbackServicer, "_servicers", [])
    return next((s for s in servers if getattr(s, "_target", None) == target and hasattr(s, "_loop")), None)


def _plain(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(json_format.MessageToDict(struct))


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def config_for_pulumi(config: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Stack config as the Pulumi CLI hands it to a program: every value a string (objects
    as JSON); `secure:` values stay unknown secrets and are never decrypted. The provider
    settings the program compares with the blueprint are left unset when secret, as `mlbp
    validate` leaves them unchecked: their plain value is unknown offline."""
    values: dict[str, str] = {}
    secrets: list[str] = []
    for key, value in config.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            if key in PROVIDER_KEYS:
                continue
            values[key] = "[secret]"
            secrets.append(key)
        elif isinstance(value, str):
            values[key] = value
        else:
            values[key] = json.dumps(value)
    return values, secrets


def _run_program(program: Path) -> None:
    runpy.run_path(str(program), run_name="__main__")


def synthesize(
    program: Path,
    *,
    project: str,
    stack: str,
    config: Mapping[str, Any],
    on_record: Callable[[ResourceRecord], None] | None = None,
) -> ResourceGraph:
    """Run `program` (a Pulumi `__main__.py`) once under mocks; `on_record` sees each resource
    as it is registered. The Pulumi runtime is process-global: call this once per process."""
    values, secrets = config_for_pulumi(config)
    pulumi_config.set_all_config(values, secrets)
    mocks = PlatformMocks(project=project, stack=stack, config=config)
    monitor = RecordingMonitor(mocks, on_record)
    pulumi_mocks.set_mocks(mocks, project=project, stack=stack, preview=True, monitor=monitor)
    program_dir = str(program.parent.resolve())
    sys.path.insert(0, program_dir)
    try:
        _sync_await(run_pulumi_func(lambda: _run_program(program)))
    except Exception as exc:
        raise SynthError(f"{stack}: the program failed under mocks: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.path.remove(program_dir)
        for channel in monitor._channels.values():
            channel.close()
    return ResourceGraph(project=project, stack=stack, resources=tuple(monitor.records))
