"""data/catalog.yaml: the invariants the loader, presets and cost model rely on."""

from __future__ import annotations

from collections import Counter

import pytest

from blueprint.catalog import CLOUDS, TIER_CLASSES, Cloud, load_catalog, not_offered, unavailable

CAT = load_catalog()
OFFERS = [
    (accel, cloud, o)
    for accel, per_cloud in CAT.accelerators.items()
    for cloud, offers in per_cloud.items()
    for o in offers
]


def test_catalog_has_offers_on_every_cloud() -> None:
    assert {cloud for _, cloud, _ in OFFERS} == set(CLOUDS)


def test_every_offer_has_gpus() -> None:
    assert [(a, c, o.name) for a, c, o in OFFERS if o.gpus <= 0] == []


def test_offers_are_unique_per_accelerator_cloud_and_gpu_count() -> None:
    counts = Counter((a, c, o.gpus) for a, c, o in OFFERS)
    assert [key for key, n in counts.items() if n > 1] == []


def test_offers_are_listed_smallest_first() -> None:
    # The loader takes the first offer as the default acceleratorCount ("the smallest offer").
    unsorted = [
        (a, c)
        for a, per_cloud in CAT.accelerators.items()
        for c, offers in per_cloud.items()
        if [o.gpus for o in offers] != sorted(o.gpus for o in offers)
    ]
    assert unsorted == []


def test_every_offer_is_labelled_with_its_accelerator_and_memory() -> None:
    wrong = [
        (a, c, o.name)
        for a, c, o in OFFERS
        if o.accelerator != a or o.gpu_memory_gib <= 0 or o.vcpus <= 0 or o.memory_gib <= 0
    ]
    assert wrong == []


def test_gcp_offers_attach_an_accelerator_type_and_others_do_not() -> None:
    wrong = [(a, c, o.name) for a, c, o in OFFERS if (o.accelerator_type is not None) != (c == "gcp")]
    assert wrong == []


@pytest.mark.parametrize("cloud", ["aws", "azure"])
def test_gpu_instance_names_identify_one_offer(cloud: Cloud) -> None:
    # AWS and Azure GPU pools may name an instanceType; it must map back to one accelerator.
    names = Counter(o.name for _, c, o in OFFERS if c == cloud)
    assert [n for n, k in names.items() if k > 1] == []


@pytest.mark.parametrize("cloud", CLOUDS)
def test_cpu_and_gpu_type_names_do_not_overlap(cloud: Cloud) -> None:
    gpu_names = {o.name for _, c, o in OFFERS if c == cloud}
    assert gpu_names & set(CAT.cpu_types[cloud]) == set()


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_region_has_a_geography(cloud: Cloud) -> None:
    assert CAT.regions[cloud]
    assert {r: g for r, g in CAT.regions[cloud].items() if g not in {"us", "eu", "apac"}} == {}


def test_storage_classes_cover_standard_and_the_tier_classes_on_every_cloud() -> None:
    assert list(CAT.storage_classes) == ["standard", *TIER_CLASSES]
    assert {n: set(per_cloud) for n, per_cloud in CAT.storage_classes.items() if set(per_cloud) != set(CLOUDS)} == {}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_storage_classes_get_no_shorter_minimum_storage_down_the_order(cloud: Cloud) -> None:
    days = [CAT.storage_class(n, cloud).min_storage_days for n in ("standard", *TIER_CLASSES)]
    assert days == sorted(days)
    assert days[0] == 0


@pytest.mark.parametrize(
    ("cloud", "names", "days"),
    [
        ("aws", ["STANDARD_IA", "GLACIER_IR", "DEEP_ARCHIVE"], [30, 90, 180]),
        ("gcp", ["NEARLINE", "COLDLINE", "ARCHIVE"], [30, 90, 365]),
        ("azure", ["Cool", "Cold", "Archive"], [30, 90, 180]),
    ],
)
def test_storage_class_minimums_are_the_providers(cloud: Cloud, names: list[str], days: list[int]) -> None:
    classes = [CAT.storage_class(n, cloud) for n in TIER_CLASSES]
    assert [(c.name, c.min_storage_days) for c in classes] == list(zip(names, days, strict=True))


def test_s3_infrequent_access_starts_at_day_30() -> None:
    assert CAT.storage_class("infrequent", "aws").min_age_days == 30


def test_lookups() -> None:
    assert CAT.gpu_machine("t4", "aws", 4).name == "g4dn.12xlarge"  # type: ignore[union-attr]
    assert CAT.gpu_machine("t4", "aws", 3) is None
    assert CAT.accelerator_offers("a10g", "gcp") == ()
    assert "a10g" not in CAT.accelerators_on("gcp")
    assert CAT.machine("aws", "m6i.large").gpus == 0  # type: ignore[union-attr]
    assert CAT.machine("aws", "nope") is None
    assert CAT.region_geo("gcp", "europe-west4") == "eu"
    assert CAT.region_geo("gcp", "eu-west-1") is None


# -- GCP GPU zones (gcpGpuZones) ----------------------------------------------------------
def test_gpu_zones_are_the_region_zones_carrying_the_gpu_sorted() -> None:
    assert CAT.gpu_zones("nvidia-tesla-t4", "europe-west4") == ("europe-west4-a", "europe-west4-b", "europe-west4-c")
    assert CAT.gpu_zones("nvidia-l4", "us-east4") == ("us-east4-a", "us-east4-c")
    assert CAT.gpu_zones("nvidia-a100-80gb", "europe-west4") == ("europe-west4-a",)
    assert CAT.gpu_zones("nvidia-h100-80gb", "europe-west4") == ("europe-west4-b", "europe-west4-c")


def test_gpu_zones_without_data_are_none_so_callers_keep_the_default_zones() -> None:
    assert CAT.gpu_zones("nvidia-h100-80gb", "europe-north1") is None  # sources disagree: left out
    assert CAT.gpu_zones("nvidia-tesla-t4", "eu-west-1") is None  # not a GCP region
    assert CAT.gpu_zones("nvidia-b200", "us-central1") is None  # a GPU the catalog does not map


def test_gpu_zone_data_names_catalog_gpus_regions_and_zone_letters() -> None:
    assert set(CAT.gcp_gpu_zones) == CAT.gpu_accelerator_types()
    regions = set(CAT.regions["gcp"])
    wrong = [
        (gpu, region, suffixes)
        for gpu, per_region in CAT.gcp_gpu_zones.items()
        for region, suffixes in per_region.items()
        if region not in regions
        or list(suffixes) != sorted(set(suffixes))
        or not all(len(s) == 1 and s.islower() for s in suffixes)
    ]
    assert wrong == []
    assert CAT.gcp_gpu_zones_source.startswith("https://github.com/skypilot-org/skypilot-catalog/blob/")


def test_no_zone_data_where_the_machine_is_not_offered() -> None:
    # notOffered (prices/gcp.yaml) and the zone data must not contradict each other.
    contradictions = [
        (o.name, region)
        for _, cloud, o in OFFERS
        if cloud == "gcp"
        for region in not_offered("gcp").get(o.name, (frozenset(), ""))[0]
        if CAT.gpu_zones(str(o.accelerator_type), region)  # zones listed where it is not sold
    ]
    assert contradictions == []
    assert "us-east4" in not_offered("gcp")["a2-highgpu-1g"][0]  # the case this guards


def test_a_gpu_in_no_zone_of_a_region_is_unavailable_there_with_the_source() -> None:
    l4 = CAT.gpu_machine("l4", "gcp", 1)
    assert l4 is not None
    assert CAT.gpu_zones("nvidia-l4", "europe-north1") == ()  # the source lists it in no zone
    assert unavailable("gcp", l4, "europe-north1") == CAT.gcp_gpu_zones_source
    assert unavailable("gcp", l4, "europe-west4") is None
    h100 = CAT.gpu_machine("h100", "gcp", 8)
    assert h100 is not None
    assert unavailable("gcp", h100, "europe-north1") is None  # no data: nothing says it is missing
    a100 = CAT.gpu_machine("a100-40gb", "gcp", 1)
    assert a100 is not None
    assert unavailable("gcp", a100, "us-east4") == not_offered("gcp")["a2-highgpu-1g"][1]  # the price list first
    n2 = CAT.machine("gcp", "n2-standard-8")
    assert n2 is not None
    assert unavailable("gcp", n2, "europe-north1") is None  # a CPU type: zone data does not apply


def test_gcp_machine_gpus_only_for_machine_types_that_come_with_gpus() -> None:
    assert CAT.gcp_machine_gpus("g2-standard-8").accelerator_type == "nvidia-l4"  # type: ignore[union-attr]
    assert CAT.gcp_machine_gpus("a2-ultragpu-8g").accelerator_type == "nvidia-a100-80gb"  # type: ignore[union-attr]
    assert CAT.gcp_machine_gpus("a3-highgpu-8g").accelerator_type == "nvidia-h100-80gb"  # type: ignore[union-attr]
    assert CAT.gcp_machine_gpus("n1-standard-8") is None  # an N1 host: GPUs only when attached
    assert CAT.gcp_machine_gpus("n2-standard-8") is None
    assert CAT.gcp_machine_gpus("g9-unknown-1") is None
