"""MLP-042 helm-releases-pinned-to-catalog on the releases the cluster layer installs, and on
releases that stray from blueprint/data/charts.yaml."""

from __future__ import annotations

import dataclasses

import pytest
from mlp_policies.cluster import helm_releases_pinned_to_catalog as module
from mlp_policies.cluster.helm_releases_pinned_to_catalog import RULE

from blueprint.catalog import load_charts
from tests.policies.cluster.cluster_shapes import CHART_V4, autoscaler, device_plugin, kueue, release
from tests.policies.shapes import U_STRING, changed, verdict

PLUGIN_REPO = "https://nvidia.github.io/k8s-device-plugin"
PLUGIN = f"Helm release cluster-layer-gpu-runtime-device-plugin (chart nvidia-device-plugin from {PLUGIN_REPO})"
KUEUE = "Helm release cluster-layer-queues-kueue (chart kueue from oci://registry.k8s.io/kueue/charts)"
PLUGIN_SOURCE = load_charts()["nvidia-device-plugin"].source

CASES = {
    "pass_device_plugin_as_installed": (device_plugin(), set()),
    "pass_autoscaler_as_installed": (autoscaler(), set()),
    "pass_oci_kueue_as_installed": (kueue(), set()),
    "pass_repository_with_trailing_slash": (
        changed(device_plugin(), {"repositoryOpts.repo": f"{PLUGIN_REPO}/"}),
        set(),
    ),
    "pass_v4_chart": (
        release("plugin", "nvidia-device-plugin", "0.20.0", repo=PLUGIN_REPO, type_=CHART_V4),
        set(),
    ),
    "fail_no_version": (
        changed(device_plugin(), {"version": ""}),
        {f"{PLUGIN} pins no version: Helm would install the newest one on the day"},
    ),
    "fail_version_missing_on_oci": (
        kueue(version=None),
        {f"{KUEUE} pins no version: Helm would install the newest one on the day"},
    ),
    "fail_caret_range": (
        changed(device_plugin(), {"version": "^0.20"}),
        {f"{PLUGIN} asks for version '^0.20', a range or not a version: pin one exact version"},
    ),
    "fail_other_version": (
        changed(device_plugin(), {"version": "0.17.1"}),
        {f"{PLUGIN} is at version 0.17.1; the catalog pins 0.20.0 ({PLUGIN_SOURCE})"},
    ),
    "fail_other_repository": (
        changed(device_plugin(), {"repositoryOpts.repo": "https://charts.example.com"}),
        {
            "Helm release cluster-layer-gpu-runtime-device-plugin (chart nvidia-device-plugin from "
            "https://charts.example.com) comes from a repository the catalog does not pin it from (it pins "
            f"{PLUGIN_REPO} (nvidia-device-plugin))"
        },
    ),
    "fail_no_repository": (
        changed(device_plugin(), {"repositoryOpts": None}),
        {
            "Helm release cluster-layer-gpu-runtime-device-plugin (chart nvidia-device-plugin, no repository) comes "
            f"from a repository the catalog does not pin it from (it pins {PLUGIN_REPO} (nvidia-device-plugin))"
        },
    ),
    "fail_unlisted_chart": (
        release("gpu-operator", "gpu-operator", "v25.3.0", repo="https://helm.ngc.nvidia.com/nvidia"),
        {
            "Helm release gpu-operator (chart gpu-operator from https://helm.ngc.nvidia.com/nvidia): the catalog "
            "(blueprint/data/charts.yaml) pins no chart 'gpu-operator'"
        },
    ),
    "fail_oci_from_another_registry": (
        changed(kueue(), {"chart": "oci://ghcr.io/example/charts/kueue"}),
        {
            "Helm release cluster-layer-queues-kueue (chart kueue from oci://ghcr.io/example/charts) comes from a "
            "repository the catalog does not pin it from (it pins oci://registry.k8s.io/kueue/charts (kueue))"
        },
    ),
}


@pytest.mark.parametrize(("resource", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(resource: object, expected: set[str]) -> None:
    status, messages = verdict(RULE, resource)  # type: ignore[arg-type]
    assert messages == expected
    assert status == ("fail" if expected else "pass")


def test_a_catalog_pin_that_is_no_version_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    # An entry whose version is still PENDING (to be read and sourced) pins nothing: its releases fail.
    pending = dataclasses.replace(load_charts()["jobset"], version="PENDING")
    monkeypatch.setattr(module, "_pins", lambda: [pending])
    found = verdict(RULE, release("engine-jobset", "oci://registry.k8s.io/jobset/charts/jobset", "0.8.0"))
    assert found == (
        "fail",
        {
            "Helm release engine-jobset (chart jobset from oci://registry.k8s.io/jobset/charts): the catalog's pin "
            "of jobset is 'PENDING', not a version: source one"
        },
    )


def test_unknown_version_during_preview_is_not_a_failure() -> None:
    assert verdict(RULE, changed(device_plugin(), {"version": U_STRING}))[0] == "unknown"
    assert verdict(RULE, changed(kueue(), {"chart": U_STRING}))[0] == "unknown"
