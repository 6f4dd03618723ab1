"""What Google Cloud requires on the first `pulumi up` into a fresh project, held over every GCP
case (the shipped stacks and every preset x region x environment): one test per constraint,
each citing where the constraint is written down."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest

from blueprint.catalog import Cloud, load_catalog
from blueprint.engine.model import ResourceRecord
from blueprint.model import AutoscalingGroup as GroupSpec
from components.gcp.apis import AGENT_APIS, API_BY_TYPE, SERVICE_TYPE
from components.gcp.autoscaling_group import has_gpus, scheduling
from tests.realcloud.conftest import Case

Cases = Callable[[Cloud], list[Case]]
PROVIDER_TYPE = "pulumi:providers:gcp"
KEY_GRANT = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"
BUDGET = "gcp:billing/budget:Budget"
AGENT_DOMAINS = {
    "gke": "@container-engine-robot.iam.gserviceaccount.com",
    "compute": "@compute-system.iam.gserviceaccount.com",
    "storage": "@gs-project-accounts.iam.gserviceaccount.com",
}


@pytest.fixture(scope="module")
def cases(realcloud_cases: Cases) -> list[Case]:
    return realcloud_cases("gcp")


def _waits_for(case: Case, record: ResourceRecord) -> set[str]:
    """The URNs a resource waits for: its own dependencies and those of its ancestors."""
    by_urn = case.by_urn()
    found: set[str] = set()
    current: ResourceRecord | None = record
    while current is not None:
        found.update(current.dependencies)
        current = by_urn.get(current.parent) if current.parent else None
    return found


def _services(case: Case) -> dict[str, ResourceRecord]:
    return {r.inputs["service"]: r for r in case.of_type(SERVICE_TYPE)}


def test_every_resource_type_has_its_api_enabled_by_the_stack_and_depends_on_it(cases: list[Case]) -> None:
    """A fresh project has almost no API on, and creating a resource of a disabled API fails
    (`SERVICE_DISABLED`, "API has not been used in project ... or it is disabled").
    https://cloud.google.com/service-usage/docs/enable-disable ; the stack enables each API
    (`gcp.projects.Service`) and every resource depends on the Service of its API."""
    for case in cases:
        services = _services(case)
        for r in case.graph.resources:
            if not r.custom or not r.type.startswith("gcp:") or r.type == SERVICE_TYPE:
                continue
            assert r.type in API_BY_TYPE, f"{case.name}: {r.type} is missing from components/gcp/apis.py"
            waits = _waits_for(case, r)
            for api in API_BY_TYPE[r.type]:
                assert api in services, f"{case.name}: {api} (for {r.type}) is not enabled by the stack"
                assert services[api].urn in waits, f"{case.name}: {r.name} ({r.type}) does not wait for {api}"
        for api, svc in services.items():
            assert svc.inputs["disableOnDestroy"] is False, f"{case.name}: {api}"


def test_the_project_number_lookup_needs_resource_manager_which_the_stack_enables_first(cases: list[Case]) -> None:
    """The provider reads projects (the project number the budget and the agent emails use)
    through the Cloud Resource Manager API, which the manual API list lacked and a new project
    does not always have on. https://cloud.google.com/resource-manager/reference/rest/v1/projects/get"""
    for case in cases:
        services = _services(case)
        crm = services["cloudresourcemanager.googleapis.com"]
        for api, svc in services.items():
            if api != "cloudresourcemanager.googleapis.com":
                assert crm.urn in svc.dependencies, f"{case.name}: {api}"


def test_grants_naming_a_service_agent_wait_for_the_api_that_creates_the_agent(cases: list[Case]) -> None:
    """The GKE and Compute Engine service agents exist only once their APIs are enabled, and
    IAM refuses a binding for a principal that does not exist; the Cloud Storage agent is
    created by the `projects.serviceAccount.get` look-up (which waits for the Storage API).
    https://cloud.google.com/iam/docs/service-agents ;
    https://cloud.google.com/storage/docs/json_api/v1/projects/serviceAccount/get"""
    for case in cases:
        services = _services(case)
        grants = case.of_type(KEY_GRANT)
        for agent, domain in AGENT_DOMAINS.items():
            [grant] = [g for g in grants if str(g.inputs["member"]).endswith(domain)]
            api = AGENT_APIS[agent]
            assert services[api].urn in _waits_for(case, grant), f"{case.name}: the {agent} agent grant"


def test_no_grant_to_cloud_storage_analytics_by_default(cases: list[Case]) -> None:
    """Organizations created on or after 2024-05-03 enforce domain-restricted sharing
    (`iam.allowedPolicyMemberDomains`) by default, which refuses
    `group:cloud-storage-analytics@google.com`, the group usage logs need.
    https://cloud.google.com/resource-manager/docs/secure-by-default-organizations ;
    https://cloud.google.com/storage/docs/access-logs . Usage logs are opt-in (`gcp.usageLogs`)."""
    for case in cases:
        assert not case.blueprint.gcp_usage_logs
        for r in case.graph.resources:
            member = r.inputs.get("member")
            assert not (isinstance(member, str) and member.endswith("@google.com")), f"{case.name}: {r.name}"
            assert not r.inputs.get("logging"), f"{case.name}: {r.name} has usage logs"


def test_classified_data_is_logged_by_data_access_audit_logs(cases: list[Case]) -> None:
    """Without usage logs, who read or wrote classified data is recorded by Cloud Storage Data
    Access audit logs (DATA_READ and DATA_WRITE), off by default.
    https://cloud.google.com/logging/docs/audit/configure-data-access"""
    for case in cases:
        audits = case.of_type("gcp:projects/iAMAuditConfig:IAMAuditConfig")
        classified = case.blueprint.data_classification in ("confidential", "restricted")
        assert len(audits) == (1 if classified else 0), case.name
        for audit in audits:
            assert audit.inputs["service"] == "storage.googleapis.com"
            assert {c["logType"] for c in audit.inputs["auditLogConfigs"]} == {"DATA_READ", "DATA_WRITE"}
            assert not any(c.get("exemptedMembers") for c in audit.inputs["auditLogConfigs"])


def test_node_pools_start_at_their_minimum(cases: list[Case]) -> None:
    """A regional pool's `initialNodeCount` is per zone, and the cluster autoscaler does not
    add nodes only to reach `totalMinNodeCount`: a pool created with 0 nodes stays at 0 until a
    pod is pending. https://cloud.google.com/kubernetes-engine/docs/concepts/cluster-autoscaler
    (minimum and maximum node pool size)."""
    for case in cases:
        for pool in case.of_type("gcp:container/nodePool:NodePool"):
            minimum = pool.inputs["autoscaling"]["totalMinNodeCount"]
            zones = len(pool.inputs.get("nodeLocations") or ()) or 3
            assert pool.inputs["initialNodeCount"] * zones >= minimum, f"{case.name}: {pool.name}"
            assert (pool.inputs["initialNodeCount"] - 1) * zones < minimum, (
                f"{case.name}: {pool.name}: more than needed"
            )


def test_gpu_vm_templates_terminate_on_host_maintenance(cases: list[Case]) -> None:
    """VMs with GPUs cannot live-migrate: Compute Engine rejects `onHostMaintenance: MIGRATE`
    for them. https://cloud.google.com/compute/docs/instances/setting-vm-host-options
    (Limitations). Held for every GPU machine type of the catalog and every template."""
    cat = load_catalog()
    gpu_types = [m.name for offers in cat.accelerators.values() for m in offers.get("gcp", ())]
    gpu_types = [t for t in gpu_types if cat.gcp_machine_gpus(t) is not None]
    assert gpu_types
    for machine in gpu_types:
        group = GroupSpec(name="g", instance_types=(machine,), max_size=2, expected_average_size=1.0)
        assert has_gpus(group), machine
        for spot in (True, False):
            assert scheduling(spot, has_gpus(group)).on_host_maintenance == "TERMINATE", machine
    for case in cases:
        for template in case.of_type("gcp:compute/instanceTemplate:InstanceTemplate"):
            if cat.gcp_machine_gpus(template.inputs["machineType"]) is not None:
                assert template.inputs["scheduling"]["onHostMaintenance"] == "TERMINATE", f"{case.name}"


def test_autoscaled_regional_groups_use_even_or_balanced_distribution(cases: list[Case]) -> None:
    """ "If you want to autoscale a regional MIG, you must set the group's target distribution
    shape to BALANCED or EVEN."
    https://cloud.google.com/compute/docs/instance-groups/regional-mig-set-target-distribution-shape
    (Limitations)."""
    checked = 0
    for case in cases:
        migs = {m.id: m for m in case.of_type("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager")}
        for scaler in case.of_type("gcp:compute/regionAutoscaler:RegionAutoscaler"):
            mig = migs[scaler.inputs["target"]]
            assert mig.inputs.get("distributionPolicyTargetShape", "EVEN") in ("EVEN", "BALANCED"), case.name
            checked += 1
    assert checked


def test_node_service_account_has_the_default_node_role(cases: list[Case]) -> None:
    """GKE names `roles/container.defaultNodeServiceAccount` as the role a custom node service
    account needs (logs, metrics, resource metadata).
    https://cloud.google.com/kubernetes-engine/docs/how-to/service-accounts#default-gke-service-agent"""
    for case in cases:
        members = case.of_type("gcp:projects/iAMMember:IAMMember")
        for pool in case.of_type("gcp:container/nodePool:NodePool"):
            member = f"serviceAccount:{pool.inputs['nodeConfig']['serviceAccount']}"
            roles = {m.inputs["role"] for m in members if m.inputs["member"] == member}
            assert "roles/container.defaultNodeServiceAccount" in roles, f"{case.name}: {pool.name}"


RRULE_WEEKLY = re.compile(r"^FREQ=WEEKLY;BYDAY=(?P<days>(MO|TU|WE|TH|FR|SA|SU)(,(MO|TU|WE|TH|FR|SA|SU))*)$")


def test_clusters_have_a_maintenance_policy_within_gke_limits(cases: list[Case]) -> None:
    """Without a maintenance policy release-channel upgrades run at any time and can evict a
    multi-day training job. GKE requires at least 48 hours of maintenance availability in any
    32 days, counting only windows of at least 4 hours; a cluster takes up to 20 exclusions; a
    no-upgrades exclusion lasts at most 30 days.
    https://cloud.google.com/kubernetes-engine/docs/how-to/maintenance-windows-and-exclusions ;
    https://cloud.google.com/kubernetes-engine/docs/concepts/maintenance-windows-and-exclusions"""
    for case in cases:
        [cluster] = case.of_type("gcp:container/cluster:Cluster")
        policy = cluster.inputs["maintenancePolicy"]
        window = policy["recurringWindow"]
        match = RRULE_WEEKLY.match(window["recurrence"])
        assert match, case.name
        start, end = (datetime.fromisoformat(window[k].replace("Z", "+00:00")) for k in ("startTime", "endTime"))
        hours = (end - start).total_seconds() / 3600
        assert hours >= 4, case.name
        assert 4 * hours * len(match["days"].split(",")) >= 48, case.name  # >= 4 weeks in any 32 days
        exclusions = policy.get("maintenanceExclusions") or []
        assert len(exclusions) <= 20, case.name
        for exclusion in exclusions:
            length = datetime.fromisoformat(exclusion["endTime"].replace("Z", "+00:00")) - datetime.fromisoformat(
                exclusion["startTime"].replace("Z", "+00:00")
            )
            assert exclusion["exclusionOptions"]["scope"] == "NO_UPGRADES"
            assert length.days <= 30, case.name


def test_the_whole_project_is_budgeted_not_only_labelled_costs(cases: list[Case]) -> None:
    """A budget filtered on labels misses unlabelled spend (Cloud Logging, Cloud NAT, network
    egress): labels only count for resources that carry them.
    https://cloud.google.com/billing/docs/how-to/budgets#budget-scope"""
    for case in cases:
        budgets = case.of_type(BUDGET)
        project_wide = [b for b in budgets if not b.inputs["budgetFilter"].get("labels")]
        assert len(project_wide) == 1, case.name
        assert project_wide[0].inputs["budgetFilter"]["projects"], case.name
        assert len(budgets) == 2, case.name


def test_budget_calls_carry_a_quota_project(cases: list[Case]) -> None:
    """The Budget API refuses end-user credentials (`gcloud auth application-default login`)
    unless the request names a quota project ("The billingbudgets.googleapis.com API requires a
    quota project, which is not set by default"):
    https://cloud.google.com/docs/authentication/troubleshoot-adc#user-creds-client-based ;
    https://github.com/hashicorp/terraform-provider-google/issues/7948 . The budgets use a
    provider with `userProjectOverride` and `billingProject`, a project whose Budget API is on."""
    for case in cases:
        providers = {r.urn: r for r in case.of_type(PROVIDER_TYPE)}
        services = _services(case)
        for budget in case.of_type(BUDGET):
            assert budget.provider, f"{case.name}: {budget.name} uses the default provider"
            provider = providers[budget.provider.rsplit("::", 1)[0]]  # `<urn>::<id>`
            assert provider.inputs["userProjectOverride"] == "true", case.name
            assert provider.inputs["billingProject"] == case.blueprint.gcp_project, case.name
            assert services["billingbudgets.googleapis.com"].inputs["project"] == provider.inputs["billingProject"]
