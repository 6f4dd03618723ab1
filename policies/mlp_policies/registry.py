"""Collects the rules from the theme packages: every module in `cost/`, `security/`, `data/`,
`compliance/` and `cluster/` defines one rule as `RULE`. The pack (`policies/__main__.py`) and the tests
take their rules from here, so a new rule file is picked up without registering it anywhere.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from mlp_policies.rule import Rule

__all__ = ["THEMES", "all_rules", "rule_named", "theme_of"]

THEMES = ("cost", "security", "data", "compliance", "cluster")


@cache
def _discover() -> tuple[tuple[str, str, Rule], ...]:
    """(theme, module name, rule) for every rule module, checked for a clean registry."""
    found: list[tuple[str, str, Rule]] = []
    problems: list[str] = []
    for theme in THEMES:
        package = importlib.import_module(f"mlp_policies.{theme}")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"mlp_policies.{theme}.{info.name}")
            rule = getattr(module, "RULE", None)
            if not isinstance(rule, Rule):
                problems.append(f"{module.__name__} defines no RULE")
                continue
            if info.name != rule.name.replace("-", "_"):
                problems.append(f"{module.__name__}: the file must be named after the policy ({rule.name})")
            found.append((theme, info.name, rule))
    for attr in ("id", "name"):
        seen: dict[str, str] = {}
        for _, module_name, rule in found:
            key = getattr(rule, attr)
            if key in seen:
                problems.append(f"{attr} {key} is used by both {seen[key]} and {module_name}")
            seen[key] = module_name
    if problems:
        raise RuntimeError("policy registry: " + "; ".join(problems))
    return tuple(sorted(found, key=lambda f: f[2].id))


def all_rules() -> tuple[Rule, ...]:
    """Every rule, by id."""
    return tuple(rule for _, _, rule in _discover())


def theme_of(rule: Rule) -> str:
    return next(theme for theme, _, r in _discover() if r is rule)


def rule_named(name: str) -> Rule:
    for rule in all_rules():
        if rule.name == name:
            return rule
    raise KeyError(f"no rule named {name!r}")
