"""Typed access to `data/catalog.yaml`: neutral GPU, instance, storage-class and region names
mapped to each cloud. Everything that needs a cloud-specific name asks here. The Kubernetes
support calendar (`data/kubernetes.yaml`) is read here too: `kubernetes_calendar()`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Literal, cast

from blueprint.yamlsrc import load_trusted

Cloud = Literal["aws", "gcp", "azure"]
CLOUDS: tuple[Cloud, ...] = ("aws", "gcp", "azure")
TIER_CLASSES: tuple[str, ...] = ("infrequent", "cold", "archive")
# GCP machine families that come with their GPUs (accelerator-optimized A2, A3, G2); N1 hosts
# carry GPUs only where a node pool or instance template attaches them.
_GCP_GPU_FAMILY = re.compile(r"^[ag]\d+-")


@dataclass(frozen=True, kw_only=True)
class MachineType:
    """A node/VM shape on one cloud. For GCP GPUs, `name` is the machine type and the GPUs
    are attached as `accelerator_type` x `gpus`."""

    cloud: Cloud
    name: str
    vcpus: int
    memory_gib: float
    gpus: int = 0
    accelerator: str | None = None  # neutral name, e.g. "a100-80gb"
    accelerator_type: str | None = None  # GCP guest accelerator type
    gpu_memory_gib: int = 0


@dataclass(frozen=True, kw_only=True)
class StorageClass:
    neutral: str
    cloud: Cloud
    name: str
    min_storage_days: int
    min_age_days: int


@dataclass(frozen=True, kw_only=True)
class Catalog:
    accelerators: dict[str, dict[Cloud, tuple[MachineType, ...]]]
    accelerator_descriptions: dict[str, str]
    cpu_types: dict[Cloud, dict[str, MachineType]]
    storage_classes: dict[str, dict[Cloud, StorageClass]]
    regions: dict[Cloud, dict[str, str]]  # region -> geography
    aws_zone_suffixes: tuple[str, ...]
    gcp_gpu_zones: dict[str, dict[str, tuple[str, ...]]]  # accelerator type -> region -> zone suffixes
    gcp_gpu_zones_source: str
    default_system_type: dict[Cloud, str]
    default_rotation_days: dict[Cloud, int]

    def accelerator_offers(self, accelerator: str, cloud: Cloud) -> tuple[MachineType, ...]:
        return self.accelerators.get(accelerator, {}).get(cloud, ())

    def accelerators_on(self, cloud: Cloud) -> list[str]:
        return [name for name, offers in self.accelerators.items() if cloud in offers]

    def gpu_machine(self, accelerator: str, cloud: Cloud, gpus: int) -> MachineType | None:
        for offer in self.accelerator_offers(accelerator, cloud):
            if offer.gpus == gpus:
                return offer
        return None

    def machine(self, cloud: Cloud, name: str) -> MachineType | None:
        """Any machine type by its cloud name (GPU or CPU). GCP GPU machine names are not
        unique across accelerators (n1-standard-8 hosts T4 or V100): the first wins."""
        if name in self.cpu_types[cloud]:
            return self.cpu_types[cloud][name]
        for offers in self.accelerators.values():
            for offer in offers.get(cloud, ()):
                if offer.name == name:
                    return offer
        return None

    def gpu_accelerator_types(self) -> set[str]:
        return {
            o.accelerator_type
            for offers in self.accelerators.values()
            for o in offers.get("gcp", ())
            if o.accelerator_type
        }

    def gcp_machine_gpus(self, name: str) -> MachineType | None:
        """The GPU offer of a GCP machine type whose GPUs come with it (a2-, a3-, g2-...); None
        for CPU types and N1 hosts, whose GPUs are attached separately."""
        machine = self.machine("gcp", name) if _GCP_GPU_FAMILY.match(name) else None
        return machine if machine is not None and machine.accelerator_type else None

    def gpu_zones(self, accelerator_type: str, region: str) -> tuple[str, ...] | None:
        """The zones of GCP `region` that carry GPU `accelerator_type` (e.g. `nvidia-l4`), as zone
        names, sorted; empty when it is in none (validation rejects it there: `unavailable`); None
        when the catalog has no zone data for the pair: callers then keep GCP's default zones."""
        suffixes = self.gcp_gpu_zones.get(accelerator_type, {}).get(region)
        return None if suffixes is None else tuple(sorted(f"{region}-{s}" for s in suffixes))

    def common_gpu_zones(
        self, machine_types: Iterable[str], region: str
    ) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """(the GPUs that GCP `machine_types` come with, the zones of `region` carrying all of
        them, sorted); the zones are empty when no zone carries them all. None when none of the
        types comes with GPUs or a GPU has no zone data in the region (GCP's default zones)."""
        gpus = sorted({str(m.accelerator_type) for t in machine_types if (m := self.gcp_machine_gpus(t)) is not None})
        per_gpu = [self.gpu_zones(gpu, region) for gpu in gpus]
        if not per_gpu or any(zones is None for zones in per_gpu):
            return None
        return tuple(gpus), tuple(sorted(set.intersection(*(set(zones or ()) for zones in per_gpu))))

    def storage_class(self, neutral: str, cloud: Cloud) -> StorageClass:
        return self.storage_classes[neutral][cloud]

    def region_geo(self, cloud: Cloud, region: str) -> str | None:
        return self.regions[cloud].get(region)


def _offer(cloud: Cloud, accel: str, gpu_mem: int, raw: dict[str, Any]) -> MachineType:
    return MachineType(
        cloud=cloud,
        name=str(raw.get("instanceType") or raw["machineType"]),
        vcpus=int(raw["vcpus"]),
        memory_gib=float(raw["memoryGib"]),
        gpus=int(raw["gpus"]),
        accelerator=accel,
        accelerator_type=raw.get("acceleratorType"),
        gpu_memory_gib=gpu_mem,
    )


def _gpu_zones(raw: dict[str, Any]) -> dict[str, dict[str, tuple[str, ...]]]:
    # An empty list is data: the source lists the GPU in no zone of that region (not sold there).
    return {
        str(accel_type): {str(region): tuple(str(s) for s in suffixes or ()) for region, suffixes in per_region.items()}
        for accel_type, per_region in raw["zones"].items()
    }


def parse_catalog(raw: dict[str, Any]) -> Catalog:
    accelerators: dict[str, dict[Cloud, tuple[MachineType, ...]]] = {}
    for accel, spec in raw["accelerators"].items():
        mem = int(spec["gpuMemoryGib"])
        accelerators[accel] = {c: tuple(_offer(c, accel, mem, o) for o in spec[c]) for c in CLOUDS if c in spec}
    cpu_types = {
        c: {
            n: MachineType(cloud=c, name=n, vcpus=int(v["vcpus"]), memory_gib=float(v["memoryGib"]))
            for n, v in raw["cpuInstanceTypes"][c].items()
        }
        for c in CLOUDS
    }
    storage = {
        neutral: {
            c: StorageClass(
                neutral=neutral,
                cloud=c,
                name=str(v["name"]),
                min_storage_days=int(v["minStorageDays"]),
                min_age_days=int(v["minAgeDays"]),
            )
            for c, v in per_cloud.items()
        }
        for neutral, per_cloud in raw["storageClasses"].items()
    }
    regions = {c: {r: str(v["geo"]) for r, v in raw["regions"][c].items()} for c in CLOUDS}
    return Catalog(
        accelerators=accelerators,
        accelerator_descriptions={a: str(s["description"]) for a, s in raw["accelerators"].items()},
        cpu_types=cpu_types,
        storage_classes=storage,
        regions=regions,
        aws_zone_suffixes=tuple(raw["awsZoneSuffixes"]),
        gcp_gpu_zones=_gpu_zones(raw["gcpGpuZones"]),
        gcp_gpu_zones_source=str(raw["gcpGpuZones"]["source"]["url"]),
        default_system_type={c: str(raw["defaults"][c]["systemInstanceType"]) for c in CLOUDS},
        default_rotation_days={c: int(raw["defaults"][c]["rotationDays"]) for c in CLOUDS},
    )


@cache
def not_offered(cloud: Cloud) -> dict[str, tuple[frozenset[str], str]]:
    """Machine type -> (regions where the cloud does not sell it, the source saying so).

    Availability is recorded next to the prices in data/prices/<cloud>.yaml (`notOffered`,
    with its source), since both come from the same price lists."""
    text = resources.files("blueprint").joinpath(f"data/prices/{cloud}.yaml").read_text(encoding="utf-8")
    raw = cast(dict[str, Any], load_trusted(text))
    sources = raw.get("sources", {})
    out: dict[str, tuple[frozenset[str], str]] = {}
    for table in raw.values():
        if not isinstance(table, dict):
            continue
        for name, entry in table.items():
            if isinstance(entry, dict) and entry.get("notOffered"):
                src = str(entry.get("availability") or entry.get("source") or "")
                url = sources.get(src, {}).get("url", src) if isinstance(sources.get(src), dict) else src
                out[str(name)] = (frozenset(entry["notOffered"]), str(url))
    return out


def unavailable(cloud: Cloud, machine: MachineType, region: str) -> str | None:
    """The source saying `machine` cannot be had in `region`, or None if nothing says so: not
    sold there (`notOffered` in the price lists), or, on GCP, its GPU in none of the region's
    zones (`gcpGpuZones`)."""
    regions, source = not_offered(cloud).get(machine.name, (frozenset(), ""))
    if region in regions:
        return source
    cat = load_catalog()
    if cloud == "gcp" and machine.accelerator_type and cat.gpu_zones(machine.accelerator_type, region) == ():
        return cat.gcp_gpu_zones_source
    return None


@cache
def load_catalog() -> Catalog:
    text = resources.files("blueprint").joinpath("data/catalog.yaml").read_text(encoding="utf-8")
    return parse_catalog(cast(dict[str, Any], load_trusted(text)))


# Kubernetes versions: data/kubernetes.yaml, one calendar per managed service.
KUBERNETES_SERVICE: dict[Cloud, str] = {"aws": "EKS", "gcp": "GKE", "azure": "AKS"}
# The GKE release channel a stack's cluster enrolls in: the most tested versions in prod.
GKE_CHANNELS: tuple[str, ...] = ("RAPID", "REGULAR", "STABLE")


def gke_release_channel(environment: str) -> str:
    """STABLE in prod, REGULAR elsewhere: the channel components/gcp/platform.py enrolls the
    cluster in, and the one whose versions validation accepts."""
    return "STABLE" if environment == "prod" else "REGULAR"


def release_channel(cloud: Cloud, environment: str) -> str | None:
    """The release channel whose versions a stack may pin: GKE's, None on EKS and AKS."""
    return gke_release_channel(environment) if cloud == "gcp" else None


@dataclass(frozen=True, kw_only=True)
class KubernetesVersion:
    """One minor version on one cloud: creatable from `available`, in standard support until
    the day before `end_of_standard_support`. `channels` (GKE only) are the release channels
    the source saw offering it; None where the cloud has no channels."""

    cloud: Cloud
    version: str
    available: date
    end_of_standard_support: date
    source: str  # URL
    channels: frozenset[str] | None = None

    def supported_on(self, day: date) -> bool:
        return self.available <= day < self.end_of_standard_support

    def offered_by(self, channel: str | None) -> bool:
        return channel is None or self.channels is None or channel in self.channels

    def days_left(self, day: date) -> int:
        """Days from `day` until standard support ends (0 or less: already ended)."""
        return (self.end_of_standard_support - day).days


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@dataclass(frozen=True, kw_only=True)
class KubernetesCalendar:
    versions: dict[Cloud, dict[str, KubernetesVersion]]

    def known(self, cloud: Cloud) -> list[str]:
        """Every version the calendar records for `cloud`, oldest first."""
        return sorted(self.versions[cloud], key=_version_key)

    def entry(self, cloud: Cloud, version: str) -> KubernetesVersion | None:
        return self.versions[cloud].get(version)

    def supported(self, cloud: Cloud, day: date, channel: str | None = None) -> list[str]:
        """The versions in standard support on `day` (and offered by GKE `channel`), oldest first."""
        return [
            v for v in self.known(cloud) if (e := self.versions[cloud][v]).supported_on(day) and e.offered_by(channel)
        ]

    def newest_supported(self, cloud: Cloud, day: date, channel: str | None = None) -> str | None:
        supported = self.supported(cloud, day, channel)
        return supported[-1] if supported else None


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def parse_kubernetes_calendar(raw: dict[str, Any]) -> KubernetesCalendar:
    sources = raw["sources"]
    versions: dict[Cloud, dict[str, KubernetesVersion]] = {}
    for cloud in CLOUDS:
        spec = raw[cloud]
        url = str(sources[spec["source"]]["url"])
        versions[cloud] = {
            str(v): KubernetesVersion(
                cloud=cloud,
                version=str(v),
                available=_day(e["available"]),
                end_of_standard_support=_day(e["endOfStandardSupport"]),
                source=url,
                channels=frozenset(str(c) for c in e["channels"]) if "channels" in e else None,
            )
            for v, e in spec["versions"].items()
        }
    return KubernetesCalendar(versions=versions)


@cache
def kubernetes_calendar() -> KubernetesCalendar:
    """The sourced support calendar of `data/kubernetes.yaml`."""
    text = resources.files("blueprint").joinpath("data/kubernetes.yaml").read_text(encoding="utf-8")
    return parse_kubernetes_calendar(cast(dict[str, Any], load_trusted(text)))


# Helm charts of the cluster layer: data/charts.yaml, each pinned with its source.
@dataclass(frozen=True, kw_only=True)
class Chart:
    key: str  # our name for it, e.g. nvidia-device-plugin
    repository: str  # https://… Helm repository, or oci://… registry path
    chart: str
    version: str
    namespace: str  # where the cluster layer installs it
    source: str  # where the version was read
    read: date
    app_version: str | None = None

    @property
    def is_oci(self) -> bool:
        return self.repository.startswith("oci://")

    @property
    def reference(self) -> str:
        """What Helm's `chart` argument takes: the chart name (with a repository) or its OCI URL."""
        return f"{self.repository.rstrip('/')}/{self.chart}" if self.is_oci else self.chart


def parse_charts(raw: dict[str, Any]) -> dict[str, Chart]:
    return {
        str(key): Chart(
            key=str(key),
            repository=str(spec["repository"]),
            chart=str(spec["chart"]),
            version=str(spec["version"]),
            namespace=str(spec["namespace"]),
            source=str(spec["source"]),
            read=_day(spec["read"]),
            app_version=str(spec["appVersion"]) if "appVersion" in spec else None,
        )
        for key, spec in raw["charts"].items()
    }


@cache
def load_charts() -> dict[str, Chart]:
    """The sourced chart pins of `data/charts.yaml`, by our key."""
    text = resources.files("blueprint").joinpath("data/charts.yaml").read_text(encoding="utf-8")
    return parse_charts(cast(dict[str, Any], load_trusted(text)))


@cache
def cluster_autoscaler_images() -> dict[str, str]:
    """Kubernetes minor -> Cluster Autoscaler image tag: the autoscaler supports only the
    Kubernetes minor it was built for (its README's compatibility table)."""
    text = resources.files("blueprint").joinpath("data/charts.yaml").read_text(encoding="utf-8")
    raw = cast(dict[str, Any], load_trusted(text))
    return {str(k): str(v) for k, v in raw["clusterAutoscalerImages"].items()}
