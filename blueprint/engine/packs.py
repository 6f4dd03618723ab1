"""Start a CrossGuard policy pack as a subprocess, the way `pulumi` does, and read its port.

What the engine does (pulumi/pulumi `pkg/resource/plugin/analyzer_plugin.go` NewPolicyAnalyzer and
constructEnv, `pkg/resource/plugin/plugin.go` newPlugin/execPlugin, and the shims
`sdk/python/dist/pulumi-analyzer-policy-python` and `sdk/nodejs/dist/pulumi-analyzer-policy`):

- read `PulumiPolicy.yaml` in the pack directory; its `runtime` picks the shim;
- python: `python -u -m pulumi.policy <engine-address> .` with the pack directory as cwd (the shim
  takes the interpreter of the `virtualenv` runtime option when one is set);
- nodejs: `node <require.resolve('@pulumi/pulumi/cmd/run-policy-pack')> <engine-address> .`, the
  module resolved from the pack directory so the pack's own node_modules are used;
- the environment is the caller's plus PULUMI_PROJECT / PULUMI_STACK / PULUMI_DRY_RUN (and their
  PULUMI_NODEJS_* twins for node);
- the first stdout line must be the decimal port of the pack's gRPC server, else the process is
  killed; later output is drained; closing kills the plugin's whole process group.

Neither SDK dials the engine address, so a placeholder stands in for an engine server.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import yaml

from blueprint.errors import format_path, printable
from blueprint.yamlsrc import parse_yaml, yaml_error_message

# Passed where the engine passes its own gRPC address; neither SDK dials it.
ENGINE_ADDRESS_PLACEHOLDER = "127.0.0.1:0"
_STDERR_LINES_KEPT = 200
_STDERR_LINES_SHOWN = 20
_PORT_LINE_LIMIT = 4096
_RUN_POLICY_PACK = "@pulumi/pulumi/cmd/run-policy-pack"


class PackError(Exception):
    """A policy pack could not be run to completion; the message says what happened and why.

    The offline check fails closed on it: a pack that does not start, answer or finish never
    yields a clean result.
    """


class Deadline:
    """One overall time budget shared by process start-up and every gRPC call."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0.0


@dataclass(frozen=True, kw_only=True)
class PackSpec:
    """What `PulumiPolicy.yaml` says about a pack."""

    directory: Path
    label: str
    runtime: str
    options: Mapping[str, Any] = field(default_factory=dict)
    version: str = ""
    description: str = ""


def read_pack_spec(pack_dir: Path) -> PackSpec:
    """Parse `PulumiPolicy.yaml`; PackError if it is missing or not a policy project."""
    label = str(pack_dir)
    path = pack_dir / "PulumiPolicy.yaml"
    if not path.is_file():
        raise PackError(f"policy pack {label}: no PulumiPolicy.yaml in {pack_dir}")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise PackError(f"policy pack {label}: cannot read {path}: {err.strerror or err}") from None
    try:  # strict and bounded, like a stack file: nesting, aliases and duplicate keys
        doc = parse_yaml(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise PackError(f"policy pack {label}: {path}: not UTF-8 text (byte {err.start})") from None
    except yaml.YAMLError as err:
        raise PackError(f"policy pack {label}: {path}: {yaml_error_message(err)}") from None
    if not isinstance(doc, dict):
        raise PackError(f"policy pack {label}: {path} is not a mapping")
    runtime, options = _runtime_of(doc.get("runtime"))
    if runtime is None:
        raise PackError(f"policy pack {label}: {path} names no runtime (python or nodejs)")
    version = doc.get("version")
    description = doc.get("description")
    return PackSpec(
        directory=pack_dir,
        label=label,
        runtime=runtime,
        options=options,
        version=str(version) if version is not None else "",
        description=str(description) if description is not None else "",
    )


# --- policy pack config files (`--policy-pack-config`, <pack>/config/<env>.json) ---------------

MAX_CONFIG_BYTES = 1024 * 1024
# Policy configs are a level or a few settings per policy. Deeper documents are refused before
# anything recursive (the pack's protobuf Struct, our marshalling) meets them.
MAX_CONFIG_DEPTH = 32
CONFIG_SHAPE = "must be a JSON object of policy name -> level or settings"


class PolicyConfigError(Exception):
    """A policy pack config file that cannot be used; one `file: $.path: message` line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class _NonFinite(float):
    """NaN or an infinity as written in the file (`NaN`, `Infinity`, `1e400`), to be reported."""

    literal: str

    def __new__(cls, literal: str) -> _NonFinite:
        number = super().__new__(cls, float(literal.replace("Infinity", "inf")))
        number.literal = literal
        return number


def _number(literal: str) -> float:
    number = float(literal)
    return number if math.isfinite(number) else _NonFinite(literal)


class _Object(dict[str, Any]):
    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    out = _Object()
    out.duplicates = []
    for key, value in pairs:
        if key in out:
            out.duplicates.append(key)
        out[key] = value
    return out


def read_policy_config(path: Path, display: str) -> dict[str, Any]:
    """Parse a policy pack config file: a JSON object whose numbers are finite, whose keys are
    unique and whose nesting is shallow. PolicyConfigError names the file and the `$.path`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PolicyConfigError([f"{display}: no such policy pack config"]) from None
    except OSError as exc:
        raise PolicyConfigError([f"{display}: cannot read: {exc.strerror or exc}"]) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise PolicyConfigError([f"{display}: larger than {MAX_CONFIG_BYTES // 1024} KiB; is it a policy pack config?"])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyConfigError([f"{display}: not UTF-8 text (byte {exc.start})"]) from None
    too_deep = f"{display}: nested more than {MAX_CONFIG_DEPTH} levels deep"
    try:
        value = json.loads(text, object_pairs_hook=_object, parse_float=_number, parse_constant=_NonFinite)
    except RecursionError:
        raise PolicyConfigError([too_deep]) from None
    except json.JSONDecodeError as exc:
        raise PolicyConfigError(
            [f"{display}: not a JSON policy pack config: {exc.msg} (line {exc.lineno}, column {exc.colno})"]
        ) from None
    if not isinstance(value, dict):
        raise PolicyConfigError([f"{display}: $: {CONFIG_SHAPE}"])
    problems: list[tuple[str, str]] = []
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        item, where = stack.pop()
        if len(where) > MAX_CONFIG_DEPTH:
            raise PolicyConfigError([too_deep])
        if isinstance(item, _NonFinite):
            problems.append((format_path(where), f"must be a finite number (got {item.literal})"))
        elif isinstance(item, dict):
            problems.extend((format_path([*where, key]), "duplicate key") for key in getattr(item, "duplicates", ()))
            stack.extend((v, [*where, k]) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, [*where, i]) for i, v in enumerate(item))
    if problems:
        raise PolicyConfigError([f"{display}: {at}: {message}" for at, message in sorted(problems)])
    return cast(dict[str, Any], _plain_json(value))


def _plain_json(value: Any) -> Any:
    """Plain dicts and floats again (depth is bounded by now)."""
    if isinstance(value, dict):
        return {k: _plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_json(v) for v in value]
    return value


def _runtime_of(value: object) -> tuple[str | None, dict[str, Any]]:
    """`runtime: python` or `runtime: {name: python, options: {...}}`, as in Pulumi.yaml."""
    if isinstance(value, str):
        return value, {}
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        options = value.get("options")
        return value["name"], dict(options) if isinstance(options, dict) else {}
    return None, {}


class _Tail:
    """Keeps the last lines a pipe produced; a thread drains it so the pack never blocks."""

    def __init__(self, limit: int) -> None:
        self._lines: deque[str] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def add(self, raw: bytes) -> None:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        with self._lock:
            self._lines.append(line)

    def text(self, last: int = _STDERR_LINES_SHOWN) -> str:
        with self._lock:
            lines = [line for line in self._lines if line.strip()][-last:]
        return "\n".join(printable(line) for line in lines)  # shown on a terminal, never obeyed


def _drain(stream: IO[bytes], tail: _Tail) -> None:
    for raw in iter(stream.readline, b""):
        tail.add(raw)
    stream.close()


def _read_port_then_drain(stream: IO[bytes], first: queue.Queue[bytes], tail: _Tail) -> None:
    # The first line goes to the waiting launcher; the rest is kept like the engine's tracer does.
    first.put(stream.readline(_PORT_LINE_LIMIT))
    _drain(stream, tail)


class RunningPack:
    """A started pack process; `close()` kills its whole process group and reaps it."""

    def __init__(self, spec: PackSpec, proc: subprocess.Popen[bytes]) -> None:
        self.spec = spec
        self.proc = proc
        self.port = 0
        self.stderr = _Tail(_STDERR_LINES_KEPT)
        self.stdout = _Tail(_STDERR_LINES_KEPT)
        self._first_line: queue.Queue[bytes] = queue.Queue(maxsize=1)
        self._closed = False
        assert proc.stdout is not None
        assert proc.stderr is not None
        self._threads = [
            threading.Thread(target=_drain, args=(proc.stderr, self.stderr), daemon=True),
            threading.Thread(
                target=_read_port_then_drain,
                args=(proc.stdout, self._first_line, self.stdout),
                daemon=True,
            ),
        ]
        for thread in self._threads:
            thread.start()

    def wait_for_port(self, deadline: Deadline) -> int:
        """Read the first stdout line as the port, or stop the pack and raise PackError."""
        during = "before printing its port"
        try:
            line = self._first_line.get(timeout=deadline.remaining())
        except queue.Empty:
            raise self.give_up(f"did not print its port within {deadline.seconds:g}s", during=during) from None
        if not line:
            raise self.give_up(f"closed its output {during}", during=during, exit_wait=2.0)
        text = line.decode("utf-8", errors="replace").strip()
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise self.give_up(f"printed {text[:200]!r} instead of its port number as the first line of output")
        self.port = int(text)
        return self.port

    def exit_code(self, wait: float = 0.0) -> int | None:
        """The exit code, waiting up to `wait` seconds for a pack that is going down."""
        try:
            return self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None

    def give_up(self, problem: str, *, during: str | None = None, exit_wait: float = 0.0) -> PackError:
        """Stop the pack and explain why, ending with its last stderr lines.

        With `during`, a pack that has exited (within `exit_wait` seconds) is reported by its exit
        code instead of `problem`: "exited with code 7 during Analyze(...)" says more than the
        transport error a dead pack leaves behind.
        """
        code = self.exit_code(exit_wait) if during is not None else None
        self.close()  # also drains stderr completely
        head = problem if code is None or during is None else f"{_exit_words(code)} {during}"
        text = self.stderr.text()
        tail = f":\n{text}" if text else " (nothing on stderr)"
        return PackError(f"policy pack {self.spec.label} {head}{tail}")

    def close(self) -> None:
        """Kill the process group (the pack may have children), reap it, stop the readers."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        try:
            self.proc.wait(timeout=5.0)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not time out
            self.proc.kill()
            self.proc.wait()
        for thread in self._threads:
            thread.join(timeout=2.0)


def _exit_words(code: int) -> str:
    return f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"


def start_pack(
    spec: PackSpec, *, project: str, stack: str, deadline: Deadline, extra_env: Mapping[str, str] | None = None
) -> RunningPack:
    """Launch the pack and wait for its port; the caller must `close()` the result."""
    argv = _command(spec, deadline)
    env = {**_environment(spec, project=project, stack=stack), **(extra_env or {})}
    try:
        proc = subprocess.Popen(
            argv,
            cwd=spec.directory,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # own process group, so close() can kill children too
        )
    except OSError as err:
        raise PackError(f"policy pack {spec.label} could not be started ({argv[0]}): {err}") from err
    running = RunningPack(spec, proc)
    try:
        running.wait_for_port(deadline)
    except BaseException:
        running.close()
        raise
    return running


def _command(spec: PackSpec, deadline: Deadline) -> list[str]:
    if spec.runtime == "python":
        return [_python_for(spec), "-u", "-m", "pulumi.policy", ENGINE_ADDRESS_PLACEHOLDER, "."]
    if spec.runtime == "nodejs":
        node = shutil.which("node")
        if node is None:
            raise PackError(f"policy pack {spec.label} needs node, which is not on PATH")
        script = _resolve_run_policy_pack(spec, node, deadline)
        return [node, script, ENGINE_ADDRESS_PLACEHOLDER, "."]
    raise PackError(
        f"policy pack {spec.label}: runtime {spec.runtime!r} is not supported offline (python and nodejs are)"
    )


def _python_for(spec: PackSpec) -> str:
    """The shim's interpreter: the configured virtualenv's, else the one running us.

    The real shim refuses a missing virtualenv; offline (CI) the pack's requirements are
    installed next to ours, so we fall back to `sys.executable` instead.
    """
    venv = spec.options.get("virtualenv")
    if isinstance(venv, str) and venv:
        candidate = (spec.directory / venv / "bin" / "python").absolute()
        if candidate.is_file():
            return str(candidate)
    return sys.executable


def _resolve_run_policy_pack(spec: PackSpec, node: str, deadline: Deadline) -> str:
    if not (spec.directory / "package.json").is_file():
        raise PackError(f"policy pack {spec.label} is a nodejs pack without a package.json")
    # Same lookup as the `pulumi-analyzer-policy` shim: node's own module resolution from the pack.
    probe = f"console.log(require.resolve({_RUN_POLICY_PACK!r}))"
    try:
        done = subprocess.run(
            [node, "-e", probe],
            cwd=spec.directory,
            capture_output=True,
            timeout=max(deadline.remaining(), 0.001),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PackError(
            f"policy pack {spec.label}: node did not resolve {_RUN_POLICY_PACK} within {deadline.seconds:g}s"
        ) from None
    if done.returncode != 0:
        raise PackError(
            f"policy pack {spec.label}: it looks like the pack's dependencies are not "
            f"installed; run `npm install` in {spec.directory} ({_RUN_POLICY_PACK} not found)"
        )
    return done.stdout.decode("utf-8", errors="replace").strip()


def _environment(spec: PackSpec, *, project: str, stack: str) -> dict[str, str]:
    env = dict(os.environ)
    # No stack config travels offline: drop any inherited config so the pack does not see a
    # different stack's values.
    for key in ("PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS"):
        env.pop(key, None)
    settings = {"PROJECT": project, "STACK": stack, "DRY_RUN": "true"}
    for key, value in settings.items():
        env[f"PULUMI_{key}"] = value
        if spec.runtime == "nodejs":
            env[f"PULUMI_NODEJS_{key}"] = value
    return env
