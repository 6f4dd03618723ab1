"""MLP-022: IAM grants are scoped: no administrator-equivalent grants on any cloud.

- AWS identity policies (`iam.Policy`, `RolePolicy`, `UserPolicy`, `GroupPolicy` and a role's
  `inlinePolicies`; not KMS key or bucket policies, where `"Resource": "*"` means "this key"
  or is how the service works): no Allow statement with every action on every resource
  (`*:*`), no `*` or `<service>:*` actions, no `NotAction`, and no write action on every
  resource (`"Resource": "*"` or `NotResource`) unless it is in
  `allowedWildcardResourceActions` (actions AWS does not scope to resources). Read actions are
  those whose name starts with a read verb (Get, List, Describe, ...); anything else counts
  as a write. Attachments of the AWS managed policies in `forbiddenAwsManagedPolicies`
  (AdministratorAccess, ...) fail too.
- GCP: no IAM member, binding or policy resource grants a role in `forbiddenGcpRoles` (the
  basic roles owner, editor, viewer, which span every service of the project).
- Azure: no role assignment of a role the components refuse to assign (Owner, Contributor,
  User Access Administrator, Role Based Access Control Administrator): the GUIDs are named
  once, in `components/azure/roles.py` (`FORBIDDEN`), and read from there. No custom role
  definition with a wildcard action or data action, or with a Key Vault key-management data
  action (update, delete, purge, create, import, backup, restore, rotate, release): the
  platform's key-use roles hold only read, encrypt, decrypt, wrap and unwrap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from mlp_policies.documents import Statement, statements
from mlp_policies.resources import Resource
from mlp_policies.rule import ANY_TYPE, PASS, Config, Outcome, ResourceRule, fail, not_applicable
from mlp_policies.values import known, strings

AWS_POLICY_DOCUMENTS = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}
AWS_ROLE = "aws:iam/role:Role"
AWS_ATTACHMENTS = frozenset(
    {
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
    }
)
AZURE_ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
AZURE_ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
# Key management, not key use: a holder could disable, expire, delete or copy out the key that
# wraps every storage account and disk.
AZURE_KEY_MANAGEMENT = frozenset(
    f"microsoft.keyvault/vaults/keys/{a}"
    for a in (
        "update/action",
        "delete",
        "purge/action",
        "create/action",
        "import/action",
        "backup/action",
        "restore/action",
        "rotate/action",
        "release/action",
    )
)
# gcp:<module>/<x>IAMMember:<X>IAMMember and the Binding/Policy variants, on any resource.
_GCP_IAM = re.compile(r"^gcp:[^:]+:\w*IAM(Member|Binding|Policy)$")
_AWS_MANAGED_POLICY = re.compile(r"^arn:aws[\w-]*:iam::aws:policy/(?:.*/)?([^/]+)$")
READ_VERBS = ("Get", "List", "Describe", "Head", "Search", "Lookup", "BatchGet", "Query", "Scan", "Select", "View")


def is_read(action: str) -> bool:
    """`s3:GetObject`, `ec2:Describe*` are reads; `s3:PutObject`, `s3:*Object` are not."""
    name = action.split(":", 1)[1] if ":" in action else action
    stem = name.split("*", 1)[0]
    return any(stem.startswith(verb) for verb in READ_VERBS)


def _statement_problems(where: str, s: Statement, allowed: set[str]) -> list[str]:
    if not s.allows:
        return []
    all_resources = s.negated_resources or "*" in s.resources
    if s.negated_actions:
        return [f"{where} allows every action except {', '.join(s.actions)} (NotAction)"]
    if all_resources and any(a in ("*", "*:*") for a in s.actions):
        return [f"{where} allows every action on every resource (*:*)"]
    wildcards = [a for a in s.actions if a in ("*", "*:*") or a.endswith(":*")]
    if wildcards:
        return [f"{where} allows wildcard actions: {', '.join(wildcards)}"]
    if all_resources:
        writes = [a for a in s.actions if not is_read(a) and a not in allowed]
        if writes:
            scope = "NotResource" if s.negated_resources else '"*"'
            return [f"{where} allows write actions on every resource ({scope}): {', '.join(writes)}"]
    return []


def _document_problems(where: str, document: Any, path: str, allowed: set[str]) -> list[str]:
    found = statements(document, path)
    if found is None:
        return []
    return [m for i, s in enumerate(found) for m in _statement_problems(f"{where} {s.describe(i)}", s, allowed)]


def _managed(where: str, arns: list[str], forbidden: set[str]) -> list[str]:
    names = [m.group(1) for arn in arns if (m := _AWS_MANAGED_POLICY.match(arn))]
    return [f"{where} attaches the AWS managed policy {n}" for n in names if n in forbidden]


def _aws(r: Resource, config: Config) -> list[str] | None:
    allowed = set(config["allowedWildcardResourceActions"])
    forbidden = set(config["forbiddenAwsManagedPolicies"])
    if r.type in AWS_POLICY_DOCUMENTS:
        prop = AWS_POLICY_DOCUMENTS[r.type]
        return _document_problems(str(r), r.get(prop), prop, allowed)
    if r.type == AWS_ROLE:
        messages = _managed(str(r), strings(r.get("managedPolicyArns", default=[])), forbidden)
        for i, inline in enumerate(r.get("inlinePolicies", default=[])):
            if isinstance(inline, Mapping):
                name = inline.get("name") or f"inline policy {i}"
                messages += _document_problems(f"{r} {name}", inline.get("policy"), "inlinePolicies", allowed)
        return messages
    if r.type in AWS_ATTACHMENTS:
        return _managed(str(r), strings(r.get("policyArn")), forbidden)
    return None


def _gcp_bindings(r: Resource) -> list[tuple[str, list[str]]]:
    if r.type.endswith("IAMPolicy"):
        data = known(r.get("policyData"), "policyData")
        try:
            policy = json.loads(data) if isinstance(data, str) else data
        except ValueError:
            return []
        bindings = policy.get("bindings") if isinstance(policy, Mapping) else None
        return [(str(b.get("role")), strings(b.get("members"))) for b in bindings or [] if isinstance(b, Mapping)]
    members = strings(r.get("members")) if r.type.endswith("IAMBinding") else strings(r.get("member"))
    return [(str(r.get("role") or ""), members)]


def _gcp(r: Resource, config: Config) -> list[str]:
    forbidden = set(config["forbiddenGcpRoles"])
    return [
        f"{r} grants the basic role {role}" + (f" to {', '.join(members)}" if members else "")
        for role, members in _gcp_bindings(r)
        if role in forbidden
    ]


@cache
def azure_forbidden_roles() -> dict[str, str]:
    """Role definition GUID -> name, as components/azure/roles.py refuses them. Imported on
    first use: it loads the azure-native SDK, which stacks without role assignments skip."""
    from components.azure.roles import FORBIDDEN  # noqa: PLC0415

    return {guid.lower(): name for guid, name in FORBIDDEN.items()}


def _azure(r: Resource) -> list[str]:
    guid = str(r.get("roleDefinitionId") or "").rstrip("/").rsplit("/", 1)[-1].lower()
    name = azure_forbidden_roles().get(guid)
    if name is None:
        return []
    return [f"{r} assigns the {name} role at {r.get('scope') or 'its scope'}: use a narrower built-in role"]


def _azure_definition(r: Resource) -> list[str]:
    messages: list[str] = []
    for i, permission in enumerate(known(r.get("permissions", default=[]), "permissions")):
        if not isinstance(permission, Mapping):
            continue
        for field in ("actions", "dataActions"):
            for action in strings(permission.get(field)):
                if "*" in action:
                    messages.append(f"{r} permissions[{i}].{field} has the wildcard {action}")
                elif field == "dataActions" and action.lower() in AZURE_KEY_MANAGEMENT:
                    messages.append(f"{r} permissions[{i}].dataActions manages keys: {action}")
    return messages


def check(resource: Resource, config: Config) -> Outcome:
    messages: list[str] | None = None
    if resource.cloud == "aws":
        messages = _aws(resource, config)
    elif _GCP_IAM.match(resource.type):
        messages = _gcp(resource, config)
    elif resource.type == AZURE_ROLE_ASSIGNMENT:
        messages = _azure(resource)
    elif resource.type == AZURE_ROLE_DEFINITION:
        messages = _azure_definition(resource)
    if messages is None:
        return not_applicable(f"{resource.type} grants no IAM permissions this rule reads")
    return fail(*messages) if messages else PASS


RULE = ResourceRule(
    id="MLP-022",
    name="iam-least-privilege",
    description="IAM grants are scoped: no *:*, * or service-wide actions and no writes on every resource in AWS "
    "identity policies; no GCP basic roles; no Azure Owner, Contributor or access-administrator assignments, and "
    "no Azure custom role with wildcards or key-management data actions.",
    severity="critical",
    resource_types=frozenset({ANY_TYPE}),
    remediation=(
        "Grant access with the components' helpers (bucket grant_read/grant_write, workload identities), which "
        "name actions and resources. Hand-written AWS policies must list actions and resource ARNs; GCP bindings "
        "need predefined roles; Azure assignments need the narrowest built-in role at the narrowest scope."
    ),
    equivalents=("CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_290", "CKV_AWS_355", "CKV_GCP_117"),
    config={
        "allowedWildcardResourceActions": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[a-z0-9-]+:[A-Za-z0-9*]+$"},
            "uniqueItems": True,
            "default": ["cloudwatch:PutMetricData", "xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            "description": 'AWS write actions allowed on Resource "*" (actions that cannot be scoped to a resource).',
        },
        "forbiddenAwsManagedPolicies": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "uniqueItems": True,
            "default": ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"],
            "description": "AWS managed policies (by name) no role, user or group may attach.",
        },
        "forbiddenGcpRoles": {
            "type": "array",
            "items": {"type": "string", "pattern": "^(roles|projects|organizations)/"},
            "uniqueItems": True,
            "default": ["roles/editor", "roles/owner", "roles/viewer"],
            "description": "GCP roles no IAM member, binding or policy may grant.",
        },
    },
    check=check,
)
