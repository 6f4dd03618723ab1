"""Estimates and comparisons as text (terminals), JSON (machines) and Markdown (PR comments)."""

from __future__ import annotations

import json

from blueprint.cost.compare import Comparison
from blueprint.cost.model import Estimate, LineItem
from blueprint.cost.prices import money
from blueprint.cost.view import urn_name


def _short(type_token: str) -> str:
    return type_token.rsplit(":", 1)[-1]


def _signed(amount: float) -> str:
    return f"{'+' if amount >= 0 else '-'}{money(abs(amount))}"


def _expected(item: LineItem | None) -> str:
    return money(item.expected) if item else "-"


def text(est: Estimate) -> str:
    lines = [
        f"{est.stack} ({est.cloud} {est.region}): {money(est.expected_usd)}/month expected"
        f" (low {money(est.low_usd)}, high {money(est.high_usd)}); budget {money(est.budget_usd)},"
        f" headroom {money(est.budget_usd - est.expected_usd)} expected / {money(est.budget_usd - est.high_usd)} high",
        "",
        f"{'resource':40} {'low':>12} {'expected':>12} {'high':>12}",
    ]
    for i in est.items:
        lines.append(
            f"{(_short(i.type) + ' ' + urn_name(i.urn))[:40]:40}"
            f" {money(i.low):>12} {money(i.expected):>12} {money(i.high):>12}"
        )
        lines.append(f"    {i.basis}")
    lines.append(f"{'total':40} {money(est.low_usd):>12} {money(est.expected_usd):>12} {money(est.high_usd):>12}")
    if est.notes:
        lines += ["", "notes:"] + [f"  - {n}" for n in est.notes]
    return "\n".join(lines) + "\n"


def as_json(est: Estimate) -> str:
    return json.dumps(est.as_json(), indent=2) + "\n"


def markdown(est: Estimate) -> str:
    status = "within" if est.within_budget else "**over**"
    lines = [
        f"### Cost: `{est.stack}` ({est.cloud} {est.region})",
        "",
        f"Expected **{money(est.expected_usd)}/month** (low {money(est.low_usd)}, high {money(est.high_usd)}),"
        f" {status} the budget of {money(est.budget_usd)}.",
        "",
        "| Resource | Low | Expected | High | Basis |",
        "|---|---:|---:|---:|---|",
    ]
    for i in est.items:
        lines.append(
            f"| `{_short(i.type)}` {urn_name(i.urn)} | {money(i.low)} | {money(i.expected)}"
            f" | {money(i.high)} | {i.basis} |"
        )
    lines.append(
        f"| **Total** | **{money(est.low_usd)}** | **{money(est.expected_usd)}** | **{money(est.high_usd)}** | |"
    )
    if est.notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in est.notes]
    return "\n".join(lines) + "\n"


def _pct(cmp: Comparison) -> str:
    return "n/a" if cmp.percent is None else f"{cmp.percent:+.1f}%"


def compare_text(cmp: Comparison) -> str:
    lines = [
        f"{cmp.new.stack}: {money(cmp.old.expected_usd)} at {cmp.ref} -> {money(cmp.new.expected_usd)} now"
        f" ({_signed(cmp.delta)}, {_pct(cmp)}) expected per month;"
        f" high {money(cmp.old.high_usd)} -> {money(cmp.new.high_usd)}; budget {money(cmp.new.budget_usd)}",
    ]
    if not cmp.changes:
        lines.append("no line changed")
    for c in cmp.changes:
        lines.append(f"  {c.status:8} {_short(c.type)} {urn_name(c.urn)}: {_expected(c.old)} -> {_expected(c.new)}")
        if c.new is not None:
            lines.append(f"           {c.new.basis}")
    notes = [n for n in cmp.new.notes if n not in cmp.old.notes]
    if notes:
        lines += ["new notes:"] + [f"  - {n}" for n in notes]
    return "\n".join(lines) + "\n"


def compare_json(cmp: Comparison) -> str:
    return json.dumps(cmp.as_json(), indent=2) + "\n"


def compare_markdown(cmp: Comparison) -> str:
    lines = [
        f"### Cost change: `{cmp.new.stack}` vs `{cmp.ref}`",
        "",
        f"Expected **{money(cmp.old.expected_usd)} -> {money(cmp.new.expected_usd)}/month**"
        f" ({_signed(cmp.delta)}, {_pct(cmp)}); high {money(cmp.old.high_usd)} -> {money(cmp.new.high_usd)};"
        f" budget {money(cmp.new.budget_usd)}.",
        "",
    ]
    if cmp.changes:
        lines += ["| Change | Resource | Before | After | Delta |", "|---|---|---:|---:|---:|"]
        for c in cmp.changes:
            lines.append(
                f"| {c.status} | `{_short(c.type)}` {urn_name(c.urn)} | {_expected(c.old)} | {_expected(c.new)}"
                f" | {_signed(c.delta)} |"
            )
    else:
        lines.append("No line changed.")
    return "\n".join(lines) + "\n"
