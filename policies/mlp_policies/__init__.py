"""The ML platform's policy library: the framework rules are written on, and the rules by
theme (`cost`, `security`, `data`, `compliance`; one rule per module).

Writing a rule (see policies/README.md):

    from mlp_policies import PASS, Config, Resource, ResourceRule, fail, not_applicable

    def check(resource: Resource, config: Config) -> Outcome: ...

    RULE = ResourceRule(id="MLP-0xx", name="what-it-ensures", ..., check=check)
"""

from mlp_policies.resources import Cloud, Resource, Stack, cloud_of
from mlp_policies.rule import (
    ANY_TYPE,
    PASS,
    Config,
    Finding,
    Level,
    Outcome,
    ResourceRule,
    Rule,
    Severity,
    StackRule,
    Status,
    combine,
    fail,
    judge,
    not_applicable,
    unknown,
)
from mlp_policies.values import Unknown, as_bool, as_number, fmt, get, known

__all__ = [
    "ANY_TYPE",
    "PASS",
    "Cloud",
    "Config",
    "Finding",
    "Level",
    "Outcome",
    "Resource",
    "ResourceRule",
    "Rule",
    "Severity",
    "Stack",
    "StackRule",
    "Status",
    "Unknown",
    "as_bool",
    "as_number",
    "cloud_of",
    "combine",
    "fail",
    "fmt",
    "get",
    "judge",
    "known",
    "not_applicable",
    "unknown",
]
