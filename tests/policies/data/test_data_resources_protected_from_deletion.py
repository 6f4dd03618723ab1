"""MLP-024 data-resources-protected-from-deletion on fixture properties of all three clouds."""

from __future__ import annotations

from typing import Any

import pytest
from mlp_policies.data.data_resources_protected_from_deletion import RULE

from components.common.protection import DATA_TYPES
from tests.policies.data.fixtures import (
    aws_kms_key,
    azure_key_vault_key,
    azure_vault,
    gcp_crypto_key,
    gcp_key_ring,
    prod_account,
    prod_bucket,
    prod_gcs_bucket,
    protected,
)
from tests.policies.shapes import U_BOOL, aws_gpu_node_group, changed, env_config, res, verdict

DEV = env_config("dev", RULE)
PROD = env_config("prod", RULE)
CONTAINER = res(
    "azure-native:storage:BlobContainer",
    "datasets-container",
    {"resourceGroupName": "rg", "accountName": "stdatasets", "containerName": "datasets", "publicAccess": "None"},
)


def unprotected(what: str) -> str:
    return f"{what} holds data but is not protected (the protect resource option)"


def force_destroys(what: str) -> str:
    return f"{what} sets forceDestroy: deleting it would delete every object in it"


CASES: dict[str, tuple[Any, dict[str, Any], set[str]]] = {
    "pass_aws_prod_bucket_protected": (protected(prod_bucket()), PROD, set()),
    "pass_aws_prod_key_protected": (protected(aws_kms_key()), PROD, set()),
    "pass_aws_dev_bucket_unprotected": (prod_bucket(), DEV, set()),
    "fail_aws_prod_bucket_unprotected": (prod_bucket(), PROD, {unprotected("Bucket datasets-bucket")}),
    "fail_aws_prod_key_unprotected": (aws_kms_key(), PROD, {unprotected("Key platform-key")}),
    "fail_aws_dev_bucket_force_destroy": (
        changed(prod_bucket(), {"forceDestroy": True}),
        DEV,
        {force_destroys("Bucket datasets-bucket")},
    ),
    "fail_aws_prod_protected_bucket_force_destroy": (
        protected(changed(prod_bucket(), {"forceDestroy": True})),
        PROD,
        {force_destroys("Bucket datasets-bucket")},
    ),
    "pass_gcp_prod_bucket_ring_and_key_protected": (protected(prod_gcs_bucket()), PROD, set()),
    "pass_gcp_prod_key_ring_protected": (protected(gcp_key_ring()), PROD, set()),
    "fail_gcp_prod_crypto_key_unprotected": (gcp_crypto_key(), PROD, {unprotected("CryptoKey platform-key")}),
    "fail_gcp_prod_bucket_unprotected_and_force_destroy": (
        changed(prod_gcs_bucket(), {"forceDestroy": True}),
        PROD,
        {force_destroys("Bucket datasets-bucket"), unprotected("Bucket datasets-bucket")},
    ),
    "pass_azure_prod_account_protected": (protected(prod_account()), PROD, set()),
    "pass_azure_prod_vault_and_key_protected": (protected(azure_vault()), PROD, set()),
    "pass_azure_dev_container_unprotected": (CONTAINER, DEV, set()),
    "fail_azure_prod_container_unprotected": (CONTAINER, PROD, {unprotected("BlobContainer datasets-container")}),
    "fail_azure_prod_key_unprotected": (azure_key_vault_key(), PROD, {unprotected("Key platform-key")}),
}


@pytest.mark.parametrize(("subject", "config", "expected"), CASES.values(), ids=CASES.keys())
def test_cases(subject: Any, config: dict[str, Any], expected: set[str]) -> None:
    status, messages = verdict(RULE, subject, config)
    assert messages == expected
    assert status == ("fail" if expected else "pass")


def test_prod_requires_protection_and_dev_does_not() -> None:
    assert PROD["requireProtect"] is True
    assert DEV["requireProtect"] is False


def test_the_data_types_are_the_protection_transforms() -> None:
    assert RULE.resource_types >= DATA_TYPES
    assert verdict(RULE, aws_gpu_node_group(), PROD)[0] == "not-applicable"


def test_unknown_force_destroy_is_not_a_failure() -> None:
    subject = protected(changed(prod_bucket(), {"forceDestroy": U_BOOL}))
    assert verdict(RULE, subject, PROD) == ("unknown", set())
