"""A tiered Cloud Storage bucket: uniform bucket-level access (no object ACLs), public access
prevention enforced, versioning, the platform Cloud KMS key as default key, a soft-delete
window, lifecycle tiering by the blueprint (classes from the catalog: NEARLINE, COLDLINE,
ARCHIVE), noncurrent-version deletion, expiry, clean-up of abandoned multipart uploads, and
usage/storage logs to the stack's log bucket when the blueprint opts in (`gcp.usageLogs`).
Never `force_destroy`.

The Cloud Storage service agent encrypts and decrypts with the bucket's default key, so it
holds encrypter/decrypter on the key (granted once, by the EncryptionKey, and awaited here);
readers and writers need no key role of their own. `grant_read` / `grant_write` add
bucket-level IAM only (objectViewer / objectUser) for one identity.

The stack's log bucket is a TieredBucket too, with `receives_access_logs`: Cloud Storage's
analytics group may create objects in it (and nothing else). That grant names a google.com
group, which domain-restricted sharing (enforced by default in organizations created since
2024-05-03) refuses: usage logs are opt-in, and classified data is logged by Data Access
audit logs instead (`platform.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from blueprint.catalog import load_catalog
from blueprint.model import Bucket
from components.gcp.iam import BucketPrincipal

ABORT_MULTIPART_DAYS = 7
SOFT_DELETE_SECONDS = 7 * 86_400  # GCS default and minimum: recovery from deletes, at little cost
READ_ROLE = "roles/storage.objectViewer"
# Create, read, overwrite and delete objects; unlike objectAdmin, no IAM on managed folders.
WRITE_ROLE = "roles/storage.objectUser"
LOG_WRITER = "group:cloud-storage-analytics@google.com"


@dataclass(frozen=True, kw_only=True)
class TieredBucketArgs:
    bucket: Bucket
    region: str
    key_id: pulumi.Input[str]
    access_log_bucket: pulumi.Input[str] | None = None  # log bucket name for usage/storage logs
    receives_access_logs: bool = False  # this is the stack's log bucket
    depends_on: Sequence[pulumi.Resource] = ()  # the Cloud Storage agent's key grant, the Storage API


def lifecycle_rules(bucket: Bucket) -> list[gcp.storage.BucketLifecycleRuleArgs]:
    """One SetStorageClass rule per tier (live objects, only from the warmer classes before
    it), then deletions: noncurrent versions, expiry, abandoned multipart uploads."""
    cat = load_catalog()
    rules: list[gcp.storage.BucketLifecycleRuleArgs] = []
    warmer = [cat.storage_class("standard", "gcp").name]
    for tier in bucket.tiers:
        cls = cat.storage_class(tier.storage_class, "gcp").name
        rules.append(
            gcp.storage.BucketLifecycleRuleArgs(
                action=gcp.storage.BucketLifecycleRuleActionArgs(type="SetStorageClass", storage_class=cls),
                condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                    age=tier.after_days, matches_storage_classes=list(warmer), with_state="LIVE"
                ),
            )
        )
        warmer.append(cls)
    if bucket.versioning:
        rules.append(
            gcp.storage.BucketLifecycleRuleArgs(
                action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                    days_since_noncurrent_time=bucket.noncurrent_version_expire_days, with_state="ARCHIVED"
                ),
            )
        )
    if bucket.expire_after_days:
        rules.append(
            gcp.storage.BucketLifecycleRuleArgs(
                action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                condition=gcp.storage.BucketLifecycleRuleConditionArgs(age=bucket.expire_after_days, with_state="LIVE"),
            )
        )
    rules.append(
        gcp.storage.BucketLifecycleRuleArgs(
            action=gcp.storage.BucketLifecycleRuleActionArgs(type="AbortIncompleteMultipartUpload"),
            condition=gcp.storage.BucketLifecycleRuleConditionArgs(age=ABORT_MULTIPART_DAYS),
        )
    )
    return rules


class TieredBucket(pulumi.ComponentResource):
    bucket: gcp.storage.Bucket
    name: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: TieredBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:gcp:TieredBucket", name, None, opts)
        spec = args.bucket
        self._name = name
        self._depends_on = list(args.depends_on)
        self.bucket = gcp.storage.Bucket(
            f"{name}-bucket",
            gcp.storage.BucketArgs(
                location=args.region.upper(),
                storage_class="STANDARD",
                force_destroy=False,
                uniform_bucket_level_access=True,
                public_access_prevention="enforced",
                versioning=gcp.storage.BucketVersioningArgs(enabled=spec.versioning),
                encryption=gcp.storage.BucketEncryptionArgs(default_kms_key_name=args.key_id),
                soft_delete_policy=gcp.storage.BucketSoftDeletePolicyArgs(
                    retention_duration_seconds=SOFT_DELETE_SECONDS
                ),
                lifecycle_rules=lifecycle_rules(spec),
                logging=gcp.storage.BucketLoggingArgs(log_bucket=args.access_log_bucket, log_object_prefix=spec.name)
                if args.access_log_bucket is not None
                else None,
                labels={"mlplat-purpose": spec.purpose},
            ),
            opts=pulumi.ResourceOptions(
                parent=self, protect=spec.retain, retain_on_delete=spec.retain, depends_on=self._depends_on
            ),
        )
        if args.receives_access_logs:
            self._member(f"{name}-log-delivery", "roles/storage.objectCreator", LOG_WRITER)
        self.name = self.bucket.name
        self.url = self.bucket.url
        self.register_outputs({"name": self.name, "url": self.url})

    def grant_read(self, identity: BucketPrincipal) -> None:
        self._member(f"{self._name}-{identity.grantee}-read", READ_ROLE, identity.member)

    def grant_write(self, identity: BucketPrincipal) -> None:
        """Read and write (objectUser includes reading and listing)."""
        self._member(f"{self._name}-{identity.grantee}-readwrite", WRITE_ROLE, identity.member)

    def _member(self, resource_name: str, role: str, member: pulumi.Input[str]) -> gcp.storage.BucketIAMMember:
        return gcp.storage.BucketIAMMember(
            resource_name,
            gcp.storage.BucketIAMMemberArgs(bucket=self.bucket.name, role=role, member=member),
            opts=pulumi.ResourceOptions(parent=self, depends_on=self._depends_on),
        )
