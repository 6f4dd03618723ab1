"""Hand-computed AWS lines, priced with the shipped aws.yaml (us-east-1 figures are exact)."""

from __future__ import annotations

import statistics

import pytest

from blueprint.cost import estimate
from blueprint.cost.prices import load_price_book
from tests.cost.helpers import blueprint, component, component_record, graph, record

H = 730.0
# The AWS typical spot discount is the median of the 12 sampled pairs in aws.yaml; the two
# middle ones are g6.4xlarge (1 - 0.5226 / 1.3232) and m6i.4xlarge (1 - 0.2721 / 0.768).
SPOT = statistics.mean([1 - 0.5226 / 1.3232, 1 - 0.2721 / 0.768])


def bp(**changes: object):  # us-east-1 so that every figure below is an exact source price
    return blueprint("aws-prod", region="us-east-1", **changes)


def test_spot_discount_is_the_median_of_the_samples() -> None:
    assert load_price_book("aws").spot_discount == pytest.approx(SPOT)


def test_gpu_node_group_spot_low_expected_high() -> None:
    pool = component("aws", "GpuNodePool", "train")  # aws-prod: train expectedAverageNodes 1
    ng = record(
        "aws:eks/nodeGroup:NodeGroup",
        "train-ng",
        {"instanceTypes": ["g5.xlarge"], "capacityType": "SPOT", "scalingConfig": {"minSize": 0.0, "maxSize": 4.0}},
        parent=pool,
    )
    est = estimate(graph(component_record("aws", "GpuNodePool", "train"), ng), bp())
    (line,) = est.items
    spot_rate = 1.006 * (1 - SPOT)  # g5.xlarge us-east-1 $1.006/h less the typical discount
    assert (line.low, line.expected, line.high) == (
        0.0,
        pytest.approx(1 * spot_rate * H),
        pytest.approx(4 * spot_rate * H),
    )
    assert line.basis.startswith("1 x g5.xlarge spot @ $")
    assert "x 730 h (low 0, high 4 nodes)" in line.basis


def test_system_node_group_on_demand_expected_at_minimum() -> None:
    ng = record(
        "aws:eks/nodeGroup:NodeGroup",
        "cluster-system",
        {
            "instanceTypes": ["m6i.large"],
            "capacityType": "ON_DEMAND",
            "scalingConfig": {"minSize": 2.0, "maxSize": 4.0},
        },
        parent=component("aws", "Cluster", "cluster"),
    )
    (line,) = estimate(graph(ng), bp()).items
    # 2 x $0.096 x 730 = $140.16 (low and expected), 4 x $0.096 x 730 = $280.32 (high)
    assert (line.low, line.expected, line.high) == (pytest.approx(140.16), pytest.approx(140.16), pytest.approx(280.32))
    assert line.basis == "2 x m6i.large on-demand @ $0.096/h x 730 h (low 2, high 4 nodes)"


def test_autoscaling_group_mixed_on_demand_base_and_percentage() -> None:
    asg = record(
        "aws:autoscaling/group:Group",
        "data-prep-asg",
        {
            "minSize": 0.0,
            "maxSize": 10.0,
            "mixedInstancesPolicy": {
                "instancesDistribution": {"onDemandBaseCapacity": 1.0, "onDemandPercentageAboveBaseCapacity": 50.0},
                "launchTemplate": {"overrides": [{"instanceType": "m6i.2xlarge"}, {"instanceType": "m5.2xlarge"}]},
            },
        },
        parent=component("aws", "AutoscalingGroup", "data-prep"),
    )
    # aws-prod data-prep expectedAverageSize 1; make it 3 to exercise the split.
    raw_groups = [
        {"name": "data-prep", "instanceTypes": ["m6i.2xlarge", "m5.2xlarge"], "maxSize": 10, "expectedAverageSize": 3}
    ]
    (line,) = estimate(graph(asg), bp(autoscalingGroups=raw_groups)).items
    od, spot = 0.384, 0.384 * (1 - SPOT)  # m6i.2xlarge us-east-1
    # 3 nodes: 1 base on-demand + 50% of the 2 above base = 2 on-demand, 1 spot
    assert line.expected == pytest.approx(H * (2 * od + 1 * spot))
    # 10 nodes: 1 + 4.5 = 5.5 on-demand, 4.5 spot
    assert line.high == pytest.approx(H * (5.5 * od + 4.5 * spot))
    assert line.low == 0.0
    assert "3 x m6i.2xlarge mixed (first of 2 overrides; 1 on-demand base, 50% on-demand above base)" in line.basis


def test_fixed_costs_control_plane_nat_and_key() -> None:
    g = graph(
        record("aws:eks/cluster:Cluster", "cluster-eks", {"name": "c"}),
        record("aws:ec2/natGateway:NatGateway", "network-nat-a", {"subnetId": "s"}),
        record("aws:ec2/natGateway:NatGateway", "network-nat-b", {"subnetId": "s"}),
        record("aws:kms/key:Key", "platform-key", {"enableKeyRotation": True}),
    )
    est = estimate(g, bp())
    by_name = {i.urn.rsplit("::", 1)[-1]: i.expected for i in est.items}
    # EKS $0.10 x 730 = $73; NAT $0.045 x 730 = $32.85 each; KMS key $1
    assert by_name == {
        "cluster-eks": pytest.approx(73.0),
        "network-nat-a": pytest.approx(32.85),
        "network-nat-b": pytest.approx(32.85),
        "platform-key": pytest.approx(1.0),
    }
    assert est.expected_usd == pytest.approx(73 + 2 * 32.85 + 1)


def _bucket_graph(rules: list[dict[str, object]], *, versioning: str = "Suspended"):
    parent = component("aws", "TieredBucket", "datasets")
    bucket = record(
        "aws:s3/bucket:Bucket",
        "datasets-bucket",
        {"forceDestroy": False},
        parent=parent,
        outputs={"bucket": "datasets-bucket-1234567"},
        id_="datasets-bucket-1234567",
    )
    lifecycle = record(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "datasets-lifecycle",
        {"bucket": "datasets-bucket-1234567", "rules": rules},
        parent=parent,
    )
    versioning_rec = record(
        "aws:s3/bucketVersioning:BucketVersioning",
        "datasets-versioning",
        {"bucket": "datasets-bucket-1234567", "versioningConfiguration": {"status": versioning}},
        parent=parent,
    )
    return graph(bucket, lifecycle, versioning_rec)


def test_bucket_joined_to_its_lifecycle_tier_fractions_exact() -> None:
    rules = [
        {
            "id": "tiering",
            "status": "Enabled",
            "filter": {},
            "transitions": [
                {"storageClass": "STANDARD_IA", "days": 30.0},
                {"storageClass": "GLACIER_IR", "days": 90.0},
            ],
            "expiration": {"days": 365.0},
        }
    ]
    buckets = [
        {
            "name": "datasets",
            "purpose": "datasets",
            "expectedSizeGib": 100,
            "tiers": [{"class": "infrequent", "afterDays": 30}],
        }
    ]
    (line,) = estimate(_bucket_graph(rules), bp(buckets=buckets, workloads=[])).items
    # 100 GiB x (30 d x $0.023 + 60 d x $0.0125 + 275 d x $0.004) / 365 d = $0.695890
    assert line.expected == pytest.approx(100 * (30 * 0.023 + 60 * 0.0125 + 275 * 0.004) / 365)
    assert "STANDARD_IA 16.4 GiB (16.4%, days 30-90)" in line.basis


def test_versioned_bucket_adds_noncurrent_versions() -> None:
    rules = [
        {
            "status": "Enabled",
            "filter": {},
            "transitions": [{"storageClass": "STANDARD_IA", "days": 30.0}],
            "expiration": {"days": 120.0},
            "noncurrentVersionExpiration": {"noncurrentDays": 7.0},
        }
    ]
    buckets = [
        {
            "name": "datasets",
            "purpose": "checkpoints",
            "expectedSizeGib": 100,
            "tiers": [{"class": "infrequent", "afterDays": 30}],
        }
    ]
    (line,) = estimate(_bucket_graph(rules, versioning="Enabled"), bp(buckets=buckets, workloads=[])).items
    # 25 GiB STANDARD + 75 GiB IA + 100/120 GiB/day x 7 days noncurrent in IA
    assert line.expected == pytest.approx(25 * 0.023 + 75 * 0.0125 + 100 / 120 * 7 * 0.0125)
    assert "noncurrent STANDARD_IA 5.8 GiB" in line.basis


def test_type_not_offered_in_region_is_a_note_not_a_zero() -> None:
    ng = record(
        "aws:eks/nodeGroup:NodeGroup",
        "train-ng",
        {"instanceTypes": ["p4de.24xlarge"], "capacityType": "SPOT", "scalingConfig": {"minSize": 0.0, "maxSize": 4.0}},
        parent=component("aws", "GpuNodePool", "train"),
    )
    est = estimate(graph(ng), blueprint("aws-prod"))  # eu-west-1
    assert est.items == ()
    assert est.missing_prices == (
        "no price for p4de.24xlarge in eu-west-1 (not offered there per skypilot-aws): train-ng not priced",
    )


def test_derived_regional_price_says_how() -> None:
    ng = record(
        "aws:eks/nodeGroup:NodeGroup",
        "cluster-system",
        {
            "instanceTypes": ["m6i.2xlarge"],
            "capacityType": "ON_DEMAND",
            "scalingConfig": {"minSize": 1.0, "maxSize": 1.0},
        },
        parent=component("aws", "Cluster", "cluster"),
    )
    (line,) = estimate(graph(ng), blueprint("aws-prod")).items  # eu-west-1
    # $0.384 (us-east-1) x 1.114583 (m-intel multiplier measured on m6i.large) x 730 h
    assert line.expected == pytest.approx(0.384 * 1.114583 * H)
    assert "[us-east-1 $0.384/h x 1.11458 m-intel multiplier]" in line.basis


def test_pool_not_in_blueprint_expected_is_minimum_with_a_note() -> None:
    ng = record(
        "aws:eks/nodeGroup:NodeGroup",
        "ghost-ng",
        {"instanceTypes": ["m6i.large"], "scalingConfig": {"minSize": 1.0, "maxSize": 3.0}},
        parent=component("aws", "GpuNodePool", "ghost"),
    )
    est = estimate(graph(ng), bp())
    assert est.items[0].expected == pytest.approx(1 * 0.096 * H)
    assert any("no blueprint entry for mlplat:aws:GpuNodePool::ghost" in n for n in est.notes)
