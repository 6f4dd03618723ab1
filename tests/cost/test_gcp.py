"""Hand-computed GCP lines on fixture properties shaped like pulumi-gcp inputs, priced with a
small price book of round numbers (so the arithmetic is visible)."""

from __future__ import annotations

import pytest

from blueprint.cost import estimate
from tests.cost.helpers import blueprint, book, component, graph, record

H = 730.0
BOOK = book(
    {
        "cloud": "gcp",
        "baseRegion": "us-central1",
        # one sample: spot 0.4 of on-demand -> 60% discount
        "spotDiscount": {"source": "fx", "samples": [{"type": "x", "onDemand": 1.0, "spot": 0.4}]},
        "machines": {
            "n1-standard-8": {"prices": {"us-central1": 0.38}, "source": "fx"},
            "a2-highgpu-1g": {"prices": {"us-central1": 3.67}, "source": "fx", "gpusIncluded": True},
            "e2-standard-4": {"prices": {"us-central1": 0.134}, "source": "fx"},
        },
        "gpus": {"nvidia-tesla-t4": {"prices": {"us-central1": 0.35}, "source": "fx"}},
        "controlPlane": {"default": {"usdPerHour": 0.10, "source": "fx", "regions": "all"}},
        "kmsKey": {"usdPerMonth": 0.06, "source": "fx", "regions": "all"},
        "cloudNat": {
            "usdPerVmHour": 0.0014,
            "maxVms": 32,
            "usdPerHourAboveMax": 0.044,
            "usdPerIpHour": 0.005,
            "source": "fx",
        },
        "storage": {
            "STANDARD": {"prices": {"us-central1": 0.02}, "source": "fx"},
            "NEARLINE": {"prices": {"us-central1": 0.01}, "source": "fx"},
            "COLDLINE": {"prices": {"us-central1": 0.004}, "source": "fx"},
        },
    }
)


def bp():
    # gcp-prod pools: train (a100-80gb, expected 1), eval (l4, 0.5), serve (l4, 2); data-prep asg expected 1
    return blueprint("gcp-prod", region="us-central1")


def by_name(est):
    return {i.urn.rsplit("::", 1)[-1]: i for i in est.items}


def test_node_pool_n1_with_t4_spot_total_counts() -> None:
    pool = record(
        "gcp:container/nodePool:NodePool",
        "train-pool",
        {
            "nodeConfig": {
                "machineType": "n1-standard-8",
                "spot": True,
                "guestAccelerators": [{"type": "nvidia-tesla-t4", "count": 1}],
            },
            "autoscaling": {"totalMinNodeCount": 0, "totalMaxNodeCount": 3},
        },
        parent=component("gcp", "GpuNodePool", "train"),
    )
    line = by_name(estimate(graph(pool), bp(), BOOK))["train-pool"]
    per_node = (0.38 + 1 * 0.35) * (1 - 0.6)  # host + T4 per GPU-hour, 60% spot discount = $0.292/h
    assert (line.low, line.expected, line.high) == (0.0, pytest.approx(per_node * H), pytest.approx(3 * per_node * H))
    assert line.expected == pytest.approx(213.16)
    assert "1 x n1-standard-8 + 1 x nvidia-tesla-t4 spot" in line.basis


def test_node_pool_accelerator_optimized_gpus_included_per_zone_counts() -> None:
    pool = record(
        "gcp:container/nodePool:NodePool",
        "serve-pool",
        {
            "nodeConfig": {
                "machineType": "a2-highgpu-1g",
                "guestAccelerators": [{"type": "nvidia-tesla-a100", "count": 1}],
            },
            "autoscaling": {"minNodeCount": 1, "maxNodeCount": 2},
            "nodeLocations": ["us-central1-a", "us-central1-b"],
        },
        parent=component("gcp", "GpuNodePool", "serve"),
    )
    line = by_name(estimate(graph(pool), bp(), BOOK))["serve-pool"]
    # per zone 1..2 x 2 zones = 2..4 nodes; serve expects 2; the A100 is in the a2 price
    assert (line.low, line.expected, line.high) == (
        pytest.approx(2 * 3.67 * H),
        pytest.approx(2 * 3.67 * H),
        pytest.approx(4 * 3.67 * H),
    )


def test_instance_template_mig_and_autoscaler() -> None:
    parent = component("gcp", "AutoscalingGroup", "data-prep")
    template = record(
        "gcp:compute/instanceTemplate:InstanceTemplate",
        "data-prep-template",
        {"machineType": "e2-standard-4", "scheduling": {"provisioningModel": "STANDARD"}},
        parent=parent,
        outputs={"selfLink": "https://x/instanceTemplates/data-prep-template"},
    )
    mig = record(
        "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
        "data-prep-mig",
        {"versions": [{"instanceTemplate": "https://x/instanceTemplates/data-prep-template"}]},
        parent=parent,
        outputs={"selfLink": "https://x/instanceGroupManagers/data-prep-mig"},
    )
    autoscaler = record(
        "gcp:compute/regionAutoscaler:RegionAutoscaler",
        "data-prep-autoscaler",
        {
            "target": "https://x/instanceGroupManagers/data-prep-mig",
            "autoscalingPolicy": {"minReplicas": 0, "maxReplicas": 10},
        },
        parent=parent,
    )
    line = by_name(estimate(graph(template, mig, autoscaler), bp(), BOOK))["data-prep-mig"]
    # 0 / 1 (data-prep expectedAverageSize) / 10 x e2-standard-4 $0.134 x 730
    assert (line.low, line.expected, line.high) == (0.0, pytest.approx(0.134 * H), pytest.approx(10 * 0.134 * H))


def test_cluster_fee_kms_and_cloud_nat_scaled_by_nodes() -> None:
    pool = record(
        "gcp:container/nodePool:NodePool",
        "system-pool",
        {
            "nodeConfig": {"machineType": "e2-standard-4"},
            "autoscaling": {"totalMinNodeCount": 2, "totalMaxNodeCount": 40},
        },
        parent=component("gcp", "Cluster", "cluster"),
    )
    g = graph(
        record("gcp:container/cluster:Cluster", "cluster-gke", {"removeDefaultNodePool": True, "initialNodeCount": 1}),
        pool,
        record("gcp:kms/cryptoKey:CryptoKey", "platform-key", {"rotationPeriod": "7776000s"}),
        record("gcp:compute/routerNat:RouterNat", "network-nat", {"natIpAllocateOption": "AUTO_ONLY"}),
    )
    items = by_name(estimate(g, bp(), BOOK))
    assert items["cluster-gke"].expected == pytest.approx(0.10 * H)  # $73
    assert items["platform-key"].expected == pytest.approx(0.06)
    nat = items["network-nat"]
    # VMs: 2 (low, expected = system minimum) and 40 (high, above the 32-VM cap)
    assert nat.low == pytest.approx((0.0014 * 2 + 0.005) * H)  # $5.694
    assert nat.high == pytest.approx((0.044 + 0.005) * H)  # capped: $35.77


def test_bucket_lifecycle_rules_tier_fractions() -> None:
    bucket = record(
        "gcp:storage/bucket:Bucket",
        "datasets-bucket",
        {
            "storageClass": "STANDARD",
            "versioning": {"enabled": False},
            "lifecycleRules": [
                {"action": {"type": "SetStorageClass", "storageClass": "NEARLINE"}, "condition": {"age": 30}},
                {"action": {"type": "SetStorageClass", "storageClass": "COLDLINE"}, "condition": {"age": 90}},
                {"action": {"type": "Delete"}, "condition": {"age": 365}},
            ],
        },
        parent=component("gcp", "TieredBucket", "datasets"),
    )
    buckets = [
        {
            "name": "datasets",
            "purpose": "datasets",
            "expectedSizeGib": 100,
            "tiers": [{"class": "infrequent", "afterDays": 30}],
        }
    ]
    est = estimate(graph(bucket), blueprint("gcp-prod", region="us-central1", buckets=buckets, workloads=[]), BOOK)
    # 100 GiB x (30 x $0.02 + 60 x $0.01 + 275 x $0.004) / 365 = 100 x 2.3 / 365 = $0.630137
    assert est.items[0].expected == pytest.approx(100 * (30 * 0.02 + 60 * 0.01 + 275 * 0.004) / 365)


def test_shipped_gcp_data_prices_europe_west4_machines() -> None:
    pool = record(
        "gcp:container/nodePool:NodePool",
        "serve-pool",
        {
            "nodeConfig": {"machineType": "g2-standard-8"},
            "autoscaling": {"totalMinNodeCount": 1, "totalMaxNodeCount": 1},
        },
        parent=component("gcp", "Cluster", "cluster"),
    )
    (line,) = estimate(graph(pool), blueprint("gcp-prod")).items  # europe-west4, shipped gcp.yaml
    assert line.expected == pytest.approx(0.897201806 * H)
