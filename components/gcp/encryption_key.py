"""The platform's Cloud KMS key: a key ring and a symmetric crypto key rotating at most every
90 days, with the longest destroy-scheduled window the blueprint allows, and key-level IAM
only: the Google service agents that encrypt on our behalf (Cloud Storage for buckets, GKE
for etcd secrets, Compute Engine for boot disks) get encrypter/decrypter on this key and
nothing else. Those agents exist only once their APIs are on: each grant waits for the API
that creates its agent (`agent_depends_on`).

GCP key rings and crypto keys cannot be deleted. Removing them from the stack only forgets
them: Pulumi schedules every key version for destruction (after `deletion_window_days`) and
the empty key and ring stay in the project forever, so their names are never reused. Both
get Pulumi auto-names (a random suffix kept in state) for that reason: a re-created stack
gets a new ring instead of colliding with the old one. In prod they are also `protect`ed and
`retain_on_delete` (the protection transform), so no key version is ever scheduled for
destruction by Pulumi."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_gcp as gcp

MAX_ROTATION_DAYS = 90  # GCP's recommended maximum, enforced by common org policies
ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
DECRYPTER = "roles/cloudkms.cryptoKeyDecrypter"
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True, kw_only=True)
class EncryptionKeyArgs:
    region: str
    rotation_days: int
    deletion_window_days: int = 30
    # "storage" -> "serviceAccount:service-123@gs-project-accounts.iam.gserviceaccount.com"
    service_agents: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    protection_level: Literal["SOFTWARE", "HSM"] = "SOFTWARE"  # HSM: ~25x the price per key version
    depends_on: Sequence[pulumi.Resource] = ()  # the Cloud KMS API
    # "gke" -> what must exist before that agent can be named (its API: the agent appears with it)
    agent_depends_on: Mapping[str, Sequence[pulumi.Resource]] = field(default_factory=dict)


def duration(days: int) -> str:
    return f"{days * SECONDS_PER_DAY}s"


class EncryptionKey(pulumi.ComponentResource):
    key_ring: gcp.kms.KeyRing
    key: gcp.kms.CryptoKey
    key_id: pulumi.Output[str]  # projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>
    agent_grants: list[pulumi.Resource]  # depend on these before using the key

    def __init__(self, name: str, args: EncryptionKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if not 1 < args.rotation_days <= MAX_ROTATION_DAYS:
            raise ValueError(
                f"encryption.rotationDays: must be 2-{MAX_ROTATION_DAYS} on GCP (got {args.rotation_days}); "
                f"set encryption.rotationDays: {MAX_ROTATION_DAYS}"
            )
        super().__init__("mlplat:gcp:EncryptionKey", name, None, opts)
        self._depends_on = list(args.depends_on)
        child = pulumi.ResourceOptions(parent=self, depends_on=self._depends_on)
        self.key_ring = gcp.kms.KeyRing(f"{name}-ring", gcp.kms.KeyRingArgs(location=args.region), opts=child)
        self.key = gcp.kms.CryptoKey(
            f"{name}-key",
            gcp.kms.CryptoKeyArgs(
                key_ring=self.key_ring.id,
                purpose="ENCRYPT_DECRYPT",
                rotation_period=duration(args.rotation_days),
                destroy_scheduled_duration=duration(args.deletion_window_days),
                version_template=gcp.kms.CryptoKeyVersionTemplateArgs(
                    algorithm="GOOGLE_SYMMETRIC_ENCRYPTION", protection_level=args.protection_level
                ),
            ),
            opts=child,
        )
        self.key_id = self.key.id
        self.agent_grants = [
            self.grant(
                f"{name}-{agent}-agent",
                member,
                ENCRYPTER_DECRYPTER,
                parent=self,
                depends_on=args.agent_depends_on.get(agent, ()),
            )
            for agent, member in sorted(args.service_agents.items())
        ]
        self.register_outputs({"keyId": self.key_id, "keyRingId": self.key_ring.id})

    def grant(
        self,
        resource_name: str,
        member: pulumi.Input[str],
        role: str,
        *,
        parent: pulumi.Resource,
        depends_on: Sequence[pulumi.Resource] = (),
    ) -> gcp.kms.CryptoKeyIAMMember:
        """Key-level IAM (additive): one member, one role, this key only."""
        return gcp.kms.CryptoKeyIAMMember(
            resource_name,
            gcp.kms.CryptoKeyIAMMemberArgs(crypto_key_id=self.key.id, role=role, member=member),
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[*self._depends_on, *depends_on]),
        )
