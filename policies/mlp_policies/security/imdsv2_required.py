"""MLP-019: EC2 instances require IMDSv2 and keep the metadata hop limit low.

Every launch template (and instance or launch configuration) either turns the instance
metadata service off (`metadataOptions.httpEndpoint` disabled) or requires session tokens
(`httpTokens` required: IMDSv1, which SSRF can reach, is off) with a PUT response hop limit of
at most `maxHopLimit` (1: only the host and host-network pods reach IMDS, the prod setting;
2 lets every pod on a node reach it, and with it the node role's credentials). Left unset,
`httpTokens` is optional. GCE and Azure metadata services require a header on every request;
GKE's metadata server is MLP-018.
"""

from __future__ import annotations

from mlp_policies.resources import Resource
from mlp_policies.rule import PASS, Config, Outcome, ResourceRule, fail
from mlp_policies.values import as_number, fmt

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"


def check(resource: Resource, config: Config) -> Outcome:
    options = resource.get("metadataOptions", default={})
    if options.get("httpEndpoint") == "disabled":
        return PASS
    messages = []
    tokens = options.get("httpTokens") or "optional (unset)"
    if tokens != "required":
        messages.append(f"{resource} allows IMDSv1 (metadataOptions.httpTokens is {tokens}, not required)")
    limit = float(config["maxHopLimit"])
    hops = as_number(options.get("httpPutResponseHopLimit"))
    if hops is not None and hops > limit:
        messages.append(f"{resource} lets metadata responses travel {fmt(hops)} hops, more than {fmt(limit)}")
    return fail(*messages) if messages else PASS


RULE = ResourceRule(
    id="MLP-019",
    name="imdsv2-required",
    description=(
        "Every launch template (and EC2 instance) requires IMDSv2 with a low metadata hop limit "
        "(at most maxHopLimit: 1 in prod, 2 elsewhere)."
    ),
    severity="high",
    resource_types=frozenset({LAUNCH_TEMPLATE, INSTANCE, LAUNCH_CONFIGURATION}),
    remediation=(
        "Launch instances through the components' secure launch template (components/aws/launch_template.py). "
        "Hand-written templates need metadataOptions {httpTokens: required, httpPutResponseHopLimit: 1}; "
        "`aws.podsReachNodeMetadata` (hop limit 2) needs a recorded suppression in prod."
    ),
    equivalents=("CKV_AWS_79",),
    config={
        "maxHopLimit": {
            "type": "integer",
            "minimum": 1,
            "maximum": 64,
            "default": 2,
            "description": "Largest metadataOptions.httpPutResponseHopLimit allowed (1: host-network pods only).",
        },
    },
    check=check,
)
