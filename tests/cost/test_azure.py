"""Hand-computed Azure lines on fixture properties shaped like azure-native inputs, priced with
a small price book of round numbers."""

from __future__ import annotations

import pytest

from blueprint.cost import estimate
from tests.cost.helpers import blueprint, book, component, graph, record

H = 730.0
VMSS_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/data-prep-vmss"
BOOK = book(
    {
        "cloud": "azure",
        "baseRegion": "eastus",
        "spotDiscount": {"source": "fx", "samples": [{"type": "x", "onDemand": 1.0, "spot": 0.5}]},  # 50%
        "vms": {
            "Standard_D4s_v5": {"prices": {"eastus": 0.192}, "source": "fx"},
            "Standard_D8s_v5": {"prices": {"eastus": 0.384}, "source": "fx"},
            "Standard_NC4as_T4_v3": {"prices": {"eastus": 0.526}, "source": "fx"},
        },
        "controlPlane": {
            "Free": {"usdPerHour": 0.0, "source": "fx", "regions": "all"},
            "Standard": {"usdPerHour": 0.10, "source": "fx", "regions": "all"},
        },
        "kmsKey": {"usdPerMonth": 0.0, "source": "fx", "regions": "all"},
        "natGateway": {"prices": {"eastus": 0.045}, "source": "fx"},
        "storage": {
            "Hot": {"prices": {"eastus": 0.02}, "source": "fx"},
            "Cool": {"prices": {"eastus": 0.01}, "source": "fx"},
            "Archive": {"prices": {"eastus": 0.002}, "source": "fx"},
        },
    }
)


def bp(**changes: object):
    # azure-prod pools: train (a100-80gb x4, expected ...), eval / serve (t4); data-prep asg
    return blueprint("azure-prod", region="eastus", **changes)


def by_name(est):
    return {i.urn.rsplit("::", 1)[-1]: i for i in est.items}


def test_managed_cluster_tier_and_inline_system_pool() -> None:
    cluster = record(
        "azure-native:containerservice:ManagedCluster",
        "cluster-aks",
        {
            "sku": {"name": "Base", "tier": "Standard"},
            "agentPoolProfiles": [{"name": "system", "mode": "System", "vmSize": "Standard_D4s_v5", "count": 2}],
        },
    )
    est = estimate(graph(cluster), bp(), BOOK)
    items = {i.urn.rsplit("::", 1)[-1]: i for i in est.items}
    assert items["cluster-aks"].expected == pytest.approx(0.10 * H)  # Standard tier $73
    system = items["cluster-aks#agentPoolProfiles[system]"]
    assert system.expected == pytest.approx(2 * 0.192 * H)  # 2 x $0.192 x 730 = $280.32


def test_agent_pool_spot_autoscaling() -> None:
    pool = record(
        "azure-native:containerservice:AgentPool",
        "eval-pool",
        {
            "vmSize": "Standard_NC4as_T4_v3",
            "scaleSetPriority": "Spot",
            "enableAutoScaling": True,
            "minCount": 0,
            "maxCount": 4,
        },
        parent=component("azure", "GpuNodePool", "eval"),
    )
    expected_nodes = next(p.expected_average_nodes for p in bp().gpu_pools if p.name == "eval")
    line = by_name(estimate(graph(pool), bp(), BOOK))["eval-pool"]
    rate = 0.526 * (1 - 0.5)  # 50% spot discount
    assert (line.low, line.expected, line.high) == (
        0.0,
        pytest.approx(expected_nodes * rate * H),
        pytest.approx(4 * rate * H),
    )


def test_scale_set_with_autoscale_setting() -> None:
    parent = component("azure", "AutoscalingGroup", "data-prep")
    vmss = record(
        "azure-native:compute:VirtualMachineScaleSet",
        "data-prep-vmss",
        {"sku": {"name": "Standard_D8s_v5", "capacity": 0}, "virtualMachineProfile": {"priority": "Regular"}},
        parent=parent,
        outputs={"id": VMSS_ID},
    )
    setting = record(
        "azure-native:insights:AutoscaleSetting",
        "data-prep-autoscale",
        {
            "targetResourceUri": VMSS_ID,
            "profiles": [{"name": "default", "capacity": {"minimum": "1", "maximum": "3", "default": "1"}}],
        },
        parent=parent,
    )
    groups = [
        {
            "name": "data-prep",
            "instanceTypes": ["Standard_D8s_v5"],
            "minSize": 1,
            "maxSize": 3,
            "expectedAverageSize": 2,
        }
    ]
    line = by_name(estimate(graph(vmss, setting), bp(autoscalingGroups=groups), BOOK))["data-prep-vmss"]
    assert (line.low, line.expected, line.high) == (
        pytest.approx(1 * 0.384 * H),
        pytest.approx(2 * 0.384 * H),
        pytest.approx(3 * 0.384 * H),
    )


def test_storage_account_management_policy_and_nat_and_key() -> None:
    parent = component("azure", "TieredBucket", "datasets")
    account = record(
        "azure-native:storage:StorageAccount",
        "datasets-account",
        {"accessTier": "Hot"},
        parent=parent,
        outputs={"name": "datasetsacct1234"},
    )
    policy = record(
        "azure-native:storage:ManagementPolicy",
        "datasets-lifecycle",
        {
            "accountName": "datasetsacct1234",
            "policy": {
                "rules": [
                    {
                        "enabled": True,
                        "name": "tiering",
                        "type": "Lifecycle",
                        "definition": {
                            "actions": {
                                "baseBlob": {
                                    "tierToCool": {"daysAfterModificationGreaterThan": 30},
                                    "tierToArchive": {"daysAfterModificationGreaterThan": 180},
                                    "delete": {"daysAfterModificationGreaterThan": 365},
                                }
                            }
                        },
                    }
                ]
            },
        },
        parent=parent,
    )
    g = graph(
        account,
        policy,
        record("azure-native:network:NatGateway", "network-nat", {"skuName": "Standard"}),
        record("azure-native:keyvault:Key", "platform-key", {"properties": {"kty": "RSA"}}),
    )
    buckets = [
        {
            "name": "datasets",
            "purpose": "datasets",
            "expectedSizeGib": 100,
            "tiers": [{"class": "infrequent", "afterDays": 30}],
        }
    ]
    items = by_name(estimate(g, bp(buckets=buckets, workloads=[]), BOOK))
    # 100 GiB x (30 x $0.02 + 150 x $0.01 + 185 x $0.002) / 365 = 100 x 2.47 / 365 = $0.676712
    assert items["datasets-account"].expected == pytest.approx(100 * (30 * 0.02 + 150 * 0.01 + 185 * 0.002) / 365)
    assert items["network-nat"].expected == pytest.approx(0.045 * H)  # $32.85
    assert items["platform-key"].expected == 0.0


def test_shipped_azure_data_prices_westeurope_and_notes_the_rest() -> None:
    pool = record(
        "azure-native:containerservice:AgentPool",
        "serve-pool",
        {"vmSize": "Standard_NC4as_T4_v3", "count": 1},
        parent=component("azure", "GpuNodePool", "serve"),
    )
    (line,) = estimate(graph(pool), blueprint("azure-prod")).items  # westeurope, shipped azure.yaml
    assert line.expected == pytest.approx(1 * 0.658 * H)  # $0.658/h (2023-12 retail price) x 730 h
    est = estimate(graph(pool), blueprint("azure-prod", region="eastus"))
    assert est.items == ()
    assert est.missing_prices == (
        "no price for Standard_NC4as_T4_v3 in eastus (not priced yet: no source read for this region):"
        " serve-pool not priced",
    )


def test_shipped_azure_data_has_no_spot_discount_and_says_so() -> None:
    pool = record(
        "azure-native:containerservice:AgentPool",
        "eval-pool",
        {"vmSize": "Standard_NC4as_T4_v3", "scaleSetPriority": "Spot", "count": 1},
        parent=component("azure", "GpuNodePool", "eval"),
    )
    est = estimate(graph(pool), blueprint("azure-prod"))
    assert est.items[0].expected == pytest.approx(0.658 * H)  # spot priced at on-demand
    assert any(n.startswith("no spot discount sourced for azure") for n in est.notes)
