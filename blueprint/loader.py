"""Load a stack file (or a Pulumi config object) into a validated `Blueprint`.

Every problem is collected and raised at once as a `BlueprintError`; nothing else escapes
for bad input."""

from __future__ import annotations

import errno
import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from blueprint.catalog import Cloud, kubernetes_calendar, load_catalog, release_channel
from blueprint.clock import today
from blueprint.errors import BlueprintError, format_path
from blueprint.model import (
    DEFAULT_ALERTS,
    GPU_TAINT,
    AutoscalingGroup,
    Blackout,
    Blueprint,
    Bucket,
    Budget,
    BudgetAlert,
    Cluster,
    Encryption,
    GpuPool,
    InCluster,
    Maintenance,
    Monitoring,
    Network,
    SystemPool,
    Taint,
    Tier,
    Workload,
    WorkloadGpu,
)
from blueprint.schema import schema_problems
from blueprint.semantics import semantic_problems
from blueprint.yamlsrc import line_index, parse_yaml, yaml_error_message

CONFIG_KEY = "ml-platform:blueprint"
MAX_FILE_BYTES = 1024 * 1024
SECURE_MESSAGE = "is a secure value: the blueprint holds no secrets (mlbp never decrypts one); write it in plain text"
REDACTED = "[redacted]"  # what is left of a ciphertext once a stack file is read


@dataclass(frozen=True, kw_only=True)
class StackFile:
    """A validated stack file: its name (`aws-prod` for stacks/Pulumi.aws-prod.yaml), the
    plain config values, and the blueprint with the line of every blueprint path."""

    path: Path
    name: str
    config: dict[str, Any]
    blueprint: Blueprint
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)

    def line_of(self, *path: str | int) -> int | None:
        return self.lines.get(tuple(path))


def stack_name_of(path: Path) -> str:
    name = path.name
    for suffix in (".yaml", ".yml"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name.removeprefix("Pulumi.")


def load_stack_file(path: Path, display: str | None = None, *, project: str | None = None) -> StackFile:
    """Read, validate and parse one stack file. `display` is the name used in messages
    (defaults to the path as given). With `project` (Pulumi.yaml's name), the stack name (from
    the file name) is checked too, against the names each cloud accepts."""
    source = display or str(path)
    text = _read_text(path, source)
    try:
        doc = parse_yaml(text)
    except yaml.YAMLError as exc:
        raise BlueprintError([f"{source}: {yaml_error_message(exc)}"]) from None
    # A ciphertext never leaves the loader: every `secure:` value (anywhere in the config) keeps
    # its shape, so it still reads as a secret, but not its text.
    config = redact_secrets(_config_of(doc, source))
    raw = config.get(CONFIG_KEY)
    if raw is None:
        raise BlueprintError([f"{source}: config: missing key '{CONFIG_KEY}' (the blueprint)"])
    name = stack_name_of(path)
    name_problems = [] if project is None else [f"{source}: {p}" for p in _stack_name_problems(name, raw, project)]
    try:
        bp = parse_blueprint(raw, source, provider_config=config)
    except BlueprintError as exc:
        raise BlueprintError([*name_problems, *exc.problems]) from None
    if name_problems:
        raise BlueprintError(name_problems)
    lines = line_index(text, ("config", CONFIG_KEY))
    return StackFile(path=path, name=name, config=config, blueprint=bp, lines=lines)


def _stack_name_problems(name: str, raw: Any, project: str) -> list[str]:
    from blueprint.stacknames import stack_name_problems  # noqa: PLC0415 (imports components/)

    blueprint = raw if isinstance(raw, dict) else {}
    cloud = blueprint.get("cloud")
    azure = blueprint.get("azure")
    group = azure.get("resourceGroup") if isinstance(azure, dict) else None
    return stack_name_problems(
        name,
        cloud if isinstance(cloud, str) else None,
        project=project,
        resource_group=group if isinstance(group, str) else None,
    )


def _read_text(path: Path, source: str) -> str:
    """The file's text; BlueprintError for anything but a regular file of at most
    MAX_FILE_BYTES. Opened without blocking (a FIFO does not hang us), checked on the open
    descriptor (nothing can be swapped in between), and never read past the limit (a symlink
    to /dev/zero costs one MiB, not all memory)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise BlueprintError([f"{source}: no such stack file"]) from None
    except OSError as exc:
        raise BlueprintError([f"{source}: cannot read: {exc.strerror or exc}"]) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise BlueprintError([f"{source}: cannot read: {os.strerror(errno.EISDIR)}"])
        if not stat.S_ISREG(mode):
            raise BlueprintError([f"{source}: not a regular file; a stack file is a YAML file"])
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise BlueprintError([f"{source}: cannot read: {exc.strerror or exc}"]) from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise BlueprintError([f"{source}: file is larger than {MAX_FILE_BYTES // 1024} KiB; is it a stack file?"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BlueprintError([f"{source}: not UTF-8 text (byte {exc.start})"]) from None


def _config_of(doc: Any, source: str) -> dict[str, Any]:
    if doc is None:
        raise BlueprintError([f"{source}: file is empty; expected a Pulumi stack file with a 'config:' mapping"])
    if not isinstance(doc, dict):
        raise BlueprintError(
            [f"{source}: expected a mapping at the top (a Pulumi stack file), got {type(doc).__name__}"]
        )
    if "config" not in doc:
        raise BlueprintError([f"{source}: missing 'config:' (the blueprint lives at config.{CONFIG_KEY})"])
    config = doc["config"]
    if not isinstance(config, dict):
        raise BlueprintError([f"{source}: config: must be a mapping"])
    return cast(dict[str, Any], config)


def parse_blueprint(raw: Any, source: str, *, provider_config: dict[str, Any] | None = None) -> Blueprint:
    """Validate a blueprint object (schema + semantic checks) and build the dataclasses."""
    if is_secure_value(raw):
        raise BlueprintError(_lines(source, [("$", SECURE_MESSAGE)]))
    if not isinstance(raw, dict):
        raise BlueprintError([f"{source}: $: the blueprint must be a mapping (got {type(raw).__name__})"])
    key_problems = list(_non_string_keys(raw))
    if key_problems:  # the schema and the checks below assume string keys (as in JSON)
        raise BlueprintError(_lines(source, key_problems))
    # Pulumi reads `{secure: ...}` anywhere as a secret, never as data (a tag named `secure`):
    # each is refused, and the other checks see an opaque stand-in that prints nothing of it.
    secret_paths = _secure_paths(raw)
    checked = _with_stand_ins(raw, secret_paths)
    problems = [(format_path(path), SECURE_MESSAGE) for path in secret_paths]
    problems += list(non_finite_problems(checked))
    reported = {path for path, _ in problems}
    problems += [p for p in schema_problems(checked) if p[0] not in reported]
    problems += [p for p in semantic_problems(checked, provider_config or {}) if p[0] not in reported]
    if problems:
        raise BlueprintError(_lines(source, problems))
    return _build(raw)


def is_secure_value(value: Any) -> bool:
    """Pulumi's rule (sdk/go/common/resource/config `isSecureValue`): a mapping of exactly one
    key, `secure`, whose value is a string (the ciphertext)."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("secure"), str)


class _Secret:
    """Stands in for a `secure:` value during validation: it is no JSON type, so it matches no
    schema type, and it prints as what it is, never as its ciphertext."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "a secure value"

    __str__ = __repr__


SECRET = _Secret()


def _secure_paths(raw: Any) -> list[tuple[str | int, ...]]:
    """Paths of every `secure:` value, in document order (iteratively: no recursion limit)."""
    found: list[tuple[str | int, ...]] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(raw, ())]
    while stack:
        value, path = stack.pop()
        if is_secure_value(value):
            found.append(path)
        elif isinstance(value, dict):
            stack.extend((item, (*path, key)) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((item, (*path, i)) for i, item in reversed(list(enumerate(value))))
    return found


def _with_stand_ins(raw: Any, paths: list[tuple[str | int, ...]], stand_in: Any = SECRET) -> Any:
    """`raw` with the value at each path replaced by `stand_in`; only the containers on the
    way are copied (shared ones, from YAML aliases, once), so `raw` itself is unchanged."""
    if not paths:
        return raw
    if () in paths:
        return stand_in  # the whole value is a secret
    copies: dict[int, Any] = {}

    def copy_of(value: Any) -> Any:
        if id(value) not in copies:
            copies[id(value)] = dict(value) if isinstance(value, dict) else list(value)
        return copies[id(value)]

    root = copy_of(raw)
    for path in paths:
        original, node = raw, root
        for part in path[:-1]:
            original = original[part]
            child = copy_of(original)
            node[part] = child
            node = child
        node[path[-1]] = stand_in
    return root


def redact_secrets(config: dict[str, Any]) -> dict[str, Any]:
    """The config with every ciphertext replaced by REDACTED (a `secure:` value stays one)."""
    paths = _secure_paths(config)
    return cast(dict[str, Any], _with_stand_ins(config, paths, {"secure": REDACTED})) if paths else config


def non_finite_problems(raw: Any) -> list[tuple[str, str]]:
    """NaN and infinities (YAML `.nan`, `.inf`, `1e400` in JSON) pass every `minimum` and
    `maximum` (comparisons with NaN are false) and break every sum; no field takes one."""
    problems: list[tuple[str, str]] = []
    stack: list[tuple[Any, list[str | int]]] = [(raw, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            problems.append((format_path(path), f"must be a finite number (got {value})"))
        elif isinstance(value, dict):
            stack.extend((item, [*path, key]) for key, item in value.items() if isinstance(key, str))
        elif isinstance(value, list):
            stack.extend((item, [*path, i]) for i, item in enumerate(value))
    return sorted(problems)


def _non_string_keys(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """YAML allows `2024:`, `on:` (a boolean) or `~:` as keys; a blueprint (JSON) does not."""
    problems: list[tuple[str, str]] = []
    stack: list[tuple[Any, list[str | int]]] = [(raw, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str):
                    stack.append((item, [*path, key]))
                else:
                    problems.append((format_path(path), f"key {key!r} must be a string; quote it"))
        elif isinstance(value, list):
            stack.extend((item, [*path, i]) for i, item in enumerate(value))
    return sorted(problems)


def _lines(source: str, problems: list[tuple[str, str]]) -> list[str]:
    # User text (a region, a name) may hold line breaks; each problem stays on one line.
    return [f"{source}: {path}: {message}".replace("\n", "\\n").replace("\r", "\\r") for path, message in problems]


def _build(raw: dict[str, Any]) -> Blueprint:
    cloud = cast(Cloud, raw["cloud"])
    env = raw["environment"]
    cluster = raw.get("cluster", {})
    sys_pool = cluster.get("systemPool", {})
    gpu_access = workload_gpu_access(raw.get("workloads", ()), [p["name"] for p in raw.get("gpuPools", ())])
    net = raw.get("network", {})
    budget = raw["budget"]
    return Blueprint(
        environment=env,
        cloud=cloud,
        region=raw["region"],
        owner=raw["owner"],
        cost_center=raw["costCenter"],
        data_classification=raw.get("dataClassification", "internal"),
        compliance=tuple(raw.get("compliance", ())),
        tags=dict(raw.get("tags", {})),
        aws_account_id=raw.get("aws", {}).get("accountId"),
        aws_cluster_admins=tuple(raw.get("aws", {}).get("clusterAdmins", ())),
        aws_pods_reach_node_metadata=raw.get("aws", {}).get("podsReachNodeMetadata", False),
        gcp_project=raw.get("gcp", {}).get("project"),
        gcp_billing_account=raw.get("gcp", {}).get("billingAccount"),
        gcp_usage_logs=raw.get("gcp", {}).get("usageLogs", False),
        azure_subscription_id=raw.get("azure", {}).get("subscriptionId"),
        azure_resource_group=raw.get("azure", {}).get("resourceGroup"),
        network=Network(
            cidr=net.get("cidr", "10.0.0.0/16"),
            existing_network_id=net.get("existingNetworkId"),
            existing_subnet_ids=tuple(net.get("existingSubnetIds", ())),
        ),
        cluster=Cluster(
            kubernetes_version=cluster.get("kubernetesVersion") or default_kubernetes_version(cloud, env),
            private_endpoint=cluster.get("privateEndpoint", True),
            authorized_cidrs=tuple(cluster.get("authorizedCidrs", ())),
            system_pool=SystemPool(
                instance_type=sys_pool.get("instanceType", load_catalog().default_system_type[cloud]),
                min_nodes=sys_pool.get("minNodes", 2),
                max_nodes=sys_pool.get("maxNodes", 3),
            ),
            maintenance=_maintenance(cluster.get("maintenance", {})),
            in_cluster=InCluster(
                enabled=cluster.get("inCluster", {}).get("enabled", True),
                distributed_engine=cluster.get("inCluster", {}).get("distributedEngine", False),
            ),
        ),
        gpu_pools=tuple(_gpu_pool(p, cloud) for p in raw.get("gpuPools", ())),
        autoscaling_groups=tuple(_asg(g, cloud) for g in raw.get("autoscalingGroups", ())),
        buckets=tuple(_bucket(b, env == "prod") for b in raw.get("buckets", ())),
        encryption=Encryption(
            rotation_days=raw.get("encryption", {}).get("rotationDays", load_catalog().default_rotation_days[cloud]),
            deletion_window_days=raw.get("encryption", {}).get("deletionWindowDays", 30),
        ),
        workloads=tuple(
            Workload(
                name=w["name"],
                namespace=w["namespace"],
                service_account=w["serviceAccount"],
                buckets=dict(w.get("buckets", {})),
                key_access=w.get("keyAccess", "none"),
                gpu=gpu_access[w["name"]],
            )
            for w in raw.get("workloads", ())
        ),
        budget=Budget(
            monthly_limit_usd=float(budget["monthlyLimitUsd"]),
            alerts=tuple(
                BudgetAlert(threshold_percent=float(a["thresholdPercent"]), type=a["type"]) for a in budget["alerts"]
            )
            if "alerts" in budget
            else DEFAULT_ALERTS,
            contacts=tuple(budget["contacts"]),
        ),
        monitoring=Monitoring(contacts=tuple(raw.get("monitoring", {}).get("contacts") or budget["contacts"])),
    )


def default_kubernetes_version(cloud: Cloud, environment: str) -> str:
    """The newest version in the cloud's standard support today (on GKE: offered by the
    stack's release channel), from the catalog's calendar. Validation has already reported a
    calendar with none, so this only fails if the day changed in between."""
    version = kubernetes_calendar().newest_supported(cloud, today(), release_channel(cloud, environment))
    if version is None:
        raise BlueprintError([f"$.cluster.kubernetesVersion: no {cloud} version in standard support today"])
    return version


def _maintenance(m: dict[str, Any]) -> Maintenance:
    default = Maintenance()
    return Maintenance(
        day=m.get("day", default.day),
        start_time_utc=m.get("startTimeUtc", default.start_time_utc),
        duration_hours=m.get("durationHours", default.duration_hours),
        blackouts=tuple(Blackout(name=b["name"], start=b["start"], end=b["end"]) for b in m.get("blackouts", ())),
    )


def workload_gpu_access(workloads: Any, pool_names: list[str]) -> dict[str, WorkloadGpu]:
    """Each workload's GPU pools (default: all) and its share of each: the explicit
    `sharePercent`, or an equal split of what the explicit shares leave of that pool
    (semantics.py has already refused unknown pools and shares over 100 %)."""
    pools = {w["name"]: tuple(w.get("gpu", {}).get("pools", pool_names)) for w in workloads}
    explicit = {w["name"]: w["gpu"]["sharePercent"] for w in workloads if "sharePercent" in w.get("gpu", {})}
    shares: dict[str, dict[str, int]] = {name: {} for name in pools}
    for pool in pool_names:
        users = [name for name, allowed in pools.items() if pool in allowed]
        implicit = [name for name in users if name not in explicit]
        left = 100 - sum(explicit[name] for name in users if name in explicit)
        for name in users:
            shares[name][pool] = explicit[name] if name in explicit else max(0, left // len(implicit))
    return {name: WorkloadGpu(pools=pools[name], share_percent=shares[name]) for name in pools}


def _gpu_pool(p: dict[str, Any], cloud: Cloud) -> GpuPool:
    cat = load_catalog()
    if "accelerator" in p:
        offers = cat.accelerator_offers(p["accelerator"], cloud)
        machine = cat.gpu_machine(p["accelerator"], cloud, p.get("acceleratorCount", offers[0].gpus))
    else:
        machine = cat.machine(cloud, p["instanceType"])
    assert machine is not None and machine.accelerator is not None  # checked by semantics
    min_nodes = p.get("minNodes", 0)
    taints = p.get("taints")
    return GpuPool(
        name=p["name"],
        accelerator=machine.accelerator,
        accelerator_count=machine.gpus,
        instance_type=machine.name,
        min_nodes=min_nodes,
        max_nodes=p["maxNodes"],
        expected_average_nodes=float(p.get("expectedAverageNodes", min_nodes)),
        capacity=p.get("capacity", "spot"),
        taints=tuple(Taint(key=t["key"], value=t.get("value", ""), effect=t["effect"]) for t in taints)
        if taints is not None
        else (GPU_TAINT,),
        labels=dict(p.get("labels", {})),
        disk_size_gib=p.get("diskSizeGib", 200),
        workload=p.get("workload", "training"),
        node_image=p.get("nodeImage", "al2023"),
    )


# AWS scales VM groups by CPU target tracking alone, which cannot start an empty group.
DEFAULT_GROUP_MIN_SIZE: dict[Cloud, int] = {"aws": 1, "gcp": 0, "azure": 0}


def _asg(g: dict[str, Any], cloud: Cloud) -> AutoscalingGroup:
    min_size = g.get("minSize", DEFAULT_GROUP_MIN_SIZE[cloud])
    return AutoscalingGroup(
        name=g["name"],
        instance_types=tuple(g["instanceTypes"]),
        min_size=min_size,
        max_size=g["maxSize"],
        expected_average_size=float(g.get("expectedAverageSize", min_size)),
        on_demand_base_capacity=g.get("onDemandBaseCapacity", 0),
        spot_percentage=g.get("spotPercentage", 100),
        target_cpu_utilization=g.get("targetCpuUtilization", 60),
        disk_size_gib=g.get("diskSizeGib", 100),
        egress=g.get("egress", "web"),
        buckets=dict(g.get("buckets", {})),
    )


def _bucket(b: dict[str, Any], prod: bool) -> Bucket:
    return Bucket(
        name=b["name"],
        purpose=b["purpose"],
        expected_size_gib=float(b.get("expectedSizeGib", 100)),
        tiers=tuple(Tier(storage_class=t["class"], after_days=t["afterDays"]) for t in b["tiers"]),
        expire_after_days=b.get("expireAfterDays"),
        versioning=b.get("versioning", True),
        noncurrent_version_expire_days=b.get("noncurrentVersionExpireDays", 30),
        retain=b.get("retain", prod),
    )
