"""IAM policy documents as data. Components describe intent (grant read on a bucket) and
these helpers render the JSON, so no component hand-writes policy text."""

from __future__ import annotations

import json
from typing import Any

Statement = dict[str, Any]


def document(*statements: Statement) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def allow(sid: str, actions: list[str], resources: list[str], condition: dict[str, Any] | None = None) -> Statement:
    stmt: Statement = {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resources}
    if condition:
        stmt["Condition"] = condition
    return stmt


def deny_everyone(sid: str, resources: list[str], condition: dict[str, Any]) -> Statement:
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": resources,
        "Condition": condition,
    }


def service_trust(*services: str, actions: tuple[str, ...] = ("sts:AssumeRole",)) -> str:
    """Trust policy letting AWS services (ec2.amazonaws.com, eks.amazonaws.com…) assume a role."""
    return document(
        {
            "Sid": "ServiceAssume",
            "Effect": "Allow",
            "Principal": {"Service": sorted(services)},
            "Action": list(actions),
        }
    )


def pod_identity_trust() -> str:
    """EKS Pod Identity: the agent assumes the role on behalf of a pod and tags the session."""
    return service_trust("pods.eks.amazonaws.com", actions=("sts:AssumeRole", "sts:TagSession"))


S3_READ = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"]
S3_LIST = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketVersions"]
S3_WRITE = [
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
]
S3_LIST_WRITE = ["s3:ListBucketMultipartUploads"]
KMS_DECRYPT = ["kms:Decrypt", "kms:DescribeKey"]
KMS_ENCRYPT = ["kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"]
