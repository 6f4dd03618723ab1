"""The parsed blueprint: frozen, keyword-only dataclasses. Field defaults here equal the
`default`s in schema.json (a test keeps them in step); cloud- or environment-dependent
defaults are resolved by the loader so nothing downstream guesses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from blueprint.catalog import Cloud

Environment = Literal["dev", "staging", "prod"]
Capacity = Literal["spot", "on-demand"]
Access = Literal["read", "readwrite"]


@dataclass(frozen=True, kw_only=True)
class Taint:
    key: str
    value: str = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


GPU_TAINT = Taint(key="nvidia.com/gpu", value="true", effect="NoSchedule")


@dataclass(frozen=True, kw_only=True)
class Network:
    cidr: str = "10.0.0.0/16"
    existing_network_id: str | None = None
    existing_subnet_ids: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SystemPool:
    instance_type: str
    min_nodes: int = 2
    max_nodes: int = 3


Weekday = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass(frozen=True, kw_only=True)
class Blackout:
    """Dates (inclusive, UTC, ISO `YYYY-MM-DD`) on which the cloud must not upgrade anything."""

    name: str
    start: str
    end: str


@dataclass(frozen=True, kw_only=True)
class Maintenance:
    """When the cloud may upgrade the control plane and nodes: one weekly window, plus
    blackouts. GKE maps it to a maintenance policy, AKS to its maintenance configurations;
    EKS upgrades only when the blueprint's version changes."""

    day: Weekday = "Saturday"
    start_time_utc: str = "22:00"  # HH:MM
    duration_hours: int = 12
    blackouts: tuple[Blackout, ...] = ()


@dataclass(frozen=True, kw_only=True)
class InCluster:
    """The cluster layer `pulumi up` installs into the cluster (components/kubernetes/): GPU
    runtime, autoscaler (EKS), default StorageClass, tenancy and Kueue queues per workload,
    and, when asked, the distributed engine (KubeRay and JobSet). Off: for teams that manage
    in-cluster software with GitOps (docs/architecture.md lists the same set to install)."""

    enabled: bool = True
    distributed_engine: bool = False  # the training and inference presets turn it on


@dataclass(frozen=True, kw_only=True)
class Cluster:
    # No fixed default: a version leaves support on a date. The loader fills in the newest one
    # in standard support on the day (blueprint.catalog.kubernetes_calendar).
    kubernetes_version: str
    private_endpoint: bool = True
    authorized_cidrs: tuple[str, ...] = ()
    system_pool: SystemPool
    maintenance: Maintenance = Maintenance()
    in_cluster: InCluster = InCluster()


@dataclass(frozen=True, kw_only=True)
class GpuPool:
    name: str
    accelerator: str  # neutral name, resolved from instanceType when that was given
    accelerator_count: int  # GPUs per node
    instance_type: str  # cloud machine type from the catalog
    min_nodes: int = 0
    max_nodes: int
    expected_average_nodes: float
    capacity: Capacity = "spot"
    taints: tuple[Taint, ...] = (GPU_TAINT,)
    labels: dict[str, str] = field(default_factory=dict)
    disk_size_gib: int = 200
    workload: Literal["training", "inference", "batch"] = "training"
    node_image: Literal["al2023", "bottlerocket"] = "al2023"  # AWS only


@dataclass(frozen=True, kw_only=True)
class AutoscalingGroup:
    name: str
    instance_types: tuple[str, ...]
    min_size: int = 0  # the loader fills in 1 on aws (loader.DEFAULT_GROUP_MIN_SIZE)
    max_size: int
    expected_average_size: float
    on_demand_base_capacity: int = 0
    spot_percentage: int = 100
    target_cpu_utilization: int = 60
    disk_size_gib: int = 100
    egress: Literal["web", "all"] = "web"  # what the VMs may connect out to
    buckets: dict[str, Access] = field(default_factory=dict)  # the VMs' own bucket access


@dataclass(frozen=True, kw_only=True)
class Tier:
    storage_class: Literal["infrequent", "cold", "archive"]
    after_days: int


@dataclass(frozen=True, kw_only=True)
class Bucket:
    name: str
    purpose: Literal["datasets", "models", "checkpoints", "logs", "artifacts"]
    expected_size_gib: float = 100
    tiers: tuple[Tier, ...]
    expire_after_days: int | None = None
    versioning: bool = True
    noncurrent_version_expire_days: int = 30
    retain: bool


@dataclass(frozen=True, kw_only=True)
class Encryption:
    rotation_days: int
    deletion_window_days: int = 30


@dataclass(frozen=True, kw_only=True)
class WorkloadGpu:
    """Which GPU pools a workload's queued jobs may use, and its guaranteed share of each
    (percent of the pool's maxNodes x GPUs per node). The loader resolves the defaults: every
    GPU pool, and an equal split of what explicit shares leave of each pool."""

    pools: tuple[str, ...]
    share_percent: dict[str, int]  # pool name -> percent, resolved for every pool in `pools`


@dataclass(frozen=True, kw_only=True)
class Workload:
    name: str
    namespace: str
    service_account: str
    buckets: dict[str, Access] = field(default_factory=dict)
    key_access: Literal["none", "decrypt", "encrypt-decrypt"] = "none"
    gpu: WorkloadGpu = WorkloadGpu(pools=(), share_percent={})


@dataclass(frozen=True, kw_only=True)
class BudgetAlert:
    threshold_percent: float
    type: Literal["actual", "forecasted"]


DEFAULT_ALERTS = (
    BudgetAlert(threshold_percent=50, type="actual"),
    BudgetAlert(threshold_percent=80, type="actual"),
    BudgetAlert(threshold_percent=100, type="actual"),
    BudgetAlert(threshold_percent=100, type="forecasted"),
)


@dataclass(frozen=True, kw_only=True)
class Budget:
    monthly_limit_usd: float
    alerts: tuple[BudgetAlert, ...] = DEFAULT_ALERTS
    contacts: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Monitoring:
    """Where the stack's alerts go: one notification channel per stack, to these addresses.
    The loader fills in the budget's contacts when the blueprint names none."""

    contacts: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Blueprint:
    environment: Environment
    cloud: Cloud
    region: str
    owner: str
    cost_center: str
    data_classification: Literal["public", "internal", "confidential", "restricted"] = "internal"
    compliance: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    aws_account_id: str | None = None
    aws_cluster_admins: tuple[str, ...] = ()
    aws_pods_reach_node_metadata: bool = False  # opt-out: IMDS hop limit 2 instead of 1
    gcp_project: str | None = None
    gcp_billing_account: str | None = None
    gcp_usage_logs: bool = False  # GCS usage logs (a google.com group grant) besides Data Access audit logs
    azure_subscription_id: str | None = None
    azure_resource_group: str | None = None
    network: Network = field(default_factory=Network)
    cluster: Cluster
    gpu_pools: tuple[GpuPool, ...] = ()
    autoscaling_groups: tuple[AutoscalingGroup, ...] = ()
    buckets: tuple[Bucket, ...] = ()
    encryption: Encryption
    workloads: tuple[Workload, ...] = ()
    budget: Budget
    monitoring: Monitoring

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    def gpu_pool(self, name: str) -> GpuPool:
        return next(p for p in self.gpu_pools if p.name == name)

    def bucket(self, name: str) -> Bucket:
        return next(b for b in self.buckets if b.name == name)
