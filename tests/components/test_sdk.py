"""SDK introspection (`components.common.sdk`): reading a resource's parameters from the SDK's
source must answer exactly what importing the SDK and inspecting the class answers, for every
resource the shipped stacks create and for whole modules of each provider SDK."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import pulumi
import pytest

from blueprint.engine.model import ResourceGraph
from blueprint.engine.synth import SynthError, synthesize_stacks
from components.common.sdk import imported_parameters, py_name, resource_parameters, source_parameters

ROOT = Path(__file__).resolve().parents[2]
SDK_PREFIXES = ("aws:", "gcp:", "azure-native:")
# Whole SDK modules: every resource class in them is compared.
SAMPLE_MODULES = (
    "pulumi_aws.s3",
    "pulumi_aws.iam",
    "pulumi_aws.ec2",
    "pulumi_aws.eks",
    "pulumi_aws.kms",
    "pulumi_aws.autoscaling",
    "pulumi_gcp.storage",
    "pulumi_gcp.container",
    "pulumi_gcp.kms",
    "pulumi_gcp.compute",
    "pulumi_azure_native.storage",
    "pulumi_azure_native.containerservice",
    "pulumi_azure_native.keyvault",
    "pulumi_azure_native.network",
)


@pytest.fixture(scope="module")
def shipped_graphs() -> list[ResourceGraph]:
    paths = sorted((ROOT / "stacks").glob("Pulumi.*.yaml"))
    assert len(paths) == 6
    graphs = []
    for path, result in zip(paths, synthesize_stacks(ROOT, paths, jobs=2), strict=True):
        if isinstance(result, SynthError):
            pytest.fail(f"{path.name}: {result}")
        graphs.append(result)
    return graphs


def sdk_types(module_name: str) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = importlib.import_module(module_name)
        names = list(module.__all__) if hasattr(module, "__all__") else dir(module)
    tokens = []
    for name in names:
        cls = getattr(module, name, None)
        token = getattr(cls, "pulumi_type", None)
        if isinstance(cls, type) and issubclass(cls, pulumi.CustomResource) and isinstance(token, str):
            tokens.append(token)
    return sorted(set(tokens))


def test_every_shipped_resource_type_is_read_from_source_as_inspect_sees_it(
    shipped_graphs: list[ResourceGraph],
) -> None:
    types = sorted({r.type for g in shipped_graphs for r in g.resources if r.custom})
    sdk = [t for t in types if t.startswith(SDK_PREFIXES)]
    assert len(sdk) > 60 and {t.split(":")[0] for t in sdk} == {"aws", "gcp", "azure-native"}
    for token in sdk:
        assert source_parameters(token) is not None, f"{token}: the source reading missed it"
        assert source_parameters(token) == imported_parameters(token), token
    for token in types:
        assert resource_parameters(token) == imported_parameters(token), token


@pytest.mark.parametrize("module_name", SAMPLE_MODULES)
def test_whole_sdk_modules_read_from_source_as_inspect_sees_them(module_name: str) -> None:
    tokens = sdk_types(module_name)
    assert len(tokens) >= 5, module_name
    for token in tokens:
        found = source_parameters(token)
        assert found is not None, f"{token}: the source reading missed it"
        assert found == imported_parameters(token), token
        assert {"resource_name", "opts"} <= found


@pytest.mark.parametrize(
    "token",
    [
        "aws:lambda/function:Function",  # the SDK module is `lambda_`: neither way finds it
        "aws:ec2/vpc:NoSuchClass",
        "aws:nosuchmodule/thing:Thing",
        "aws:../../etc:Passwd",
        "gcp:storage/bucket:bucket",  # class names are case-sensitive
        "pulumi:providers:aws",
        "mlplat:aws:Platform",
        "random:index/randomId:RandomId",
        "not-a-token",
    ],
)
def test_what_the_source_cannot_place_falls_back_to_the_same_answer(token: str) -> None:
    assert source_parameters(token) is None
    assert resource_parameters(token) == imported_parameters(token) == frozenset()


@pytest.mark.parametrize(
    ("name", "snake", "legacy"),
    [
        ("Vpc", "vpc", "vpc"),
        ("BucketV2", "bucket_v2", "bucket_v2"),
        ("StorageAccount", "storage_account", "storage_account"),
        ("SSLPolicy", "ssl_policy", "ssl_policy"),
        ("Sha256Hash", "sha256_hash", "sha256_hash"),
        ("SHA256Hash", "sha256_hash", "sha256_hash"),
        ("GetPublicIPs", "get_public_ips", "get_public_i_ps"),
        ("Lambda", "lambda_", "lambda_"),
    ],
)
def test_py_name_follows_the_sdk_generator(name: str, snake: str, legacy: str) -> None:
    assert py_name(name) == snake
    assert py_name(name, legacy=True) == legacy


def test_reading_parameters_runs_no_sdk_module() -> None:
    # The policy pack asks for tags of every resource; that must not import pulumi_aws.ec2 & co.
    code = (
        "import sys\n"
        "from components.common.sdk import resource_parameters\n"
        "for t in ('aws:ec2/vpc:Vpc', 'aws:s3/bucketV2:BucketV2', 'gcp:storage/bucket:Bucket',\n"
        "          'azure-native:storage:StorageAccount', 'aws:eks/nodeGroup:NodeGroup'):\n"
        "    assert 'tags' in resource_parameters(t) or 'labels' in resource_parameters(t), t\n"
        "print(sorted(m for m in sys.modules if m.startswith(('pulumi_aws', 'pulumi_gcp', 'pulumi_azure'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]"
