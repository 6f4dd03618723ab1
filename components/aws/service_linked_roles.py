"""The EC2 Auto Scaling service-linked role, created by the stack when the account has none.

The KMS key policy names `AWSServiceRoleForAutoScaling` (EC2 Auto Scaling launches every node
and VM volume encrypted with the key). AWS creates that role only with the account's first
Auto Scaling group, which on a fresh account comes after the key, and KMS refuses a policy
naming a principal that does not exist ("Policy contains a statement with one or more invalid
principals"). Creating it when it exists fails too ("... has been taken in this account").

So the program asks IAM which service-linked roles of Auto Scaling exist (iam:ListRoles under
the role's path) and creates the role only when it is absent, with `retain_on_delete`: on the
next run the lookup finds it, the resource leaves the program and Pulumi forgets it without
deleting it, and `pulumi destroy` never removes a role other groups in the account may use.
The other service-linked roles this platform relies on are named in no policy of ours, so
AWS may create them when first used: EKS creates `AWSServiceRoleForAmazonEKS` and
`AWSServiceRoleForAmazonEKSNodegroup` itself. `AWSServiceRoleForEC2Spot` is documented for
`RequestSpotInstances` and Spot Fleet; Auto Scaling groups and managed node groups launch their
spot instances as EC2 Auto Scaling (we found no AWS page requiring the Spot role for them). The
deployer needs `iam:CreateServiceLinkedRole` for all of them (docs/aws.md)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

AUTOSCALING_SERVICE = "autoscaling.amazonaws.com"
AUTOSCALING_ROLE = "AWSServiceRoleForAutoScaling"


def service_linked_role_arn(account: str, service: str, role: str) -> str:
    return f"arn:aws:iam::{account}:role/aws-service-role/{service}/{role}"


@dataclass(frozen=True, kw_only=True)
class ServiceLinkedRolesArgs:
    account_id: str


class ServiceLinkedRoles(pulumi.ComponentResource):
    autoscaling_role_arn: str
    # What a policy naming these roles must depend on: the roles this stack creates (none
    # when the account had them already).
    created: list[pulumi.Resource]

    def __init__(self, name: str, args: ServiceLinkedRolesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:aws:ServiceLinkedRoles", name, None, opts)
        self.autoscaling_role_arn = service_linked_role_arn(args.account_id, AUTOSCALING_SERVICE, AUTOSCALING_ROLE)
        existing = aws.iam.get_roles(
            path_prefix=f"/aws-service-role/{AUTOSCALING_SERVICE}/", opts=pulumi.InvokeOptions(parent=self)
        )
        self.created = []
        if AUTOSCALING_ROLE not in set(existing.names or []):
            self.created.append(
                aws.iam.ServiceLinkedRole(
                    f"{name}-autoscaling",
                    aws.iam.ServiceLinkedRoleArgs(
                        aws_service_name=AUTOSCALING_SERVICE,
                        description="EC2 Auto Scaling: launches node and VM volumes with the platform key",
                    ),
                    opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
                )
            )
        self.register_outputs({"autoscalingRoleArn": self.autoscaling_role_arn})
