"""The report stage's input (one `mlbp check` over some stacks) and the views every format shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from blueprint.engine.model import AnalysisResult, Diagnostic, Level, PolicyInfo, urn_type_and_name

# Most serious first: the order in which violations are listed and levels are counted.
LEVELS: tuple[Level, ...] = ("mandatory", "remediate", "advisory", "disabled")
# Shown in every summary even when zero, so readers see "0 mandatory" rather than silence.
SUMMARY_LEVELS: tuple[Level, ...] = ("mandatory", "advisory")


@dataclass(frozen=True, kw_only=True)
class CostSummary:
    """A stack's estimated monthly cost in USD, filled by the cost model."""

    expected_usd: float
    high_usd: float
    budget_usd: float | None  # None: the blueprint sets no budget


@dataclass(frozen=True, kw_only=True)
class StackResult:
    """What `mlbp check` found for one stack."""

    stack: str  # e.g. "aws-prod"
    stack_file: str  # repo-relative, e.g. "stacks/Pulumi.aws-prod.yaml"
    cloud: str
    environment: str
    resources: int
    analysis: AnalysisResult
    # urn -> 1-based line in stack_file of the blueprint entry that produced it (may be empty)
    lines: Mapping[str, int]
    cost: CostSummary | None = None  # Default: no estimate, reports leave cost out

    def violations(self) -> tuple[Diagnostic, ...]:
        """Diagnostics, most serious level first, then by policy, resource and message."""
        return tuple(sorted(self.analysis.diagnostics, key=_violation_key))

    def counts(self) -> dict[Level, int]:
        return count_levels(self.analysis.diagnostics)

    def line(self, urn: str | None) -> int:
        """Line of the blueprint entry behind `urn`; 1 for stack-level or unmapped resources."""
        return self.lines.get(urn, 1) if urn else 1

    def location(self, urn: str | None) -> str:
        """`stacks/Pulumi.aws-prod.yaml:42`: terminals and editors make it clickable."""
        return f"{self.stack_file}:{self.line(urn)}"

    def severity(self, diagnostic: Diagnostic) -> str:
        """The diagnostic's severity, else the one its policy declares (packs often omit it)."""
        if diagnostic.severity:
            return diagnostic.severity
        policy = self.policy(diagnostic.policy)
        return policy.severity if policy else ""

    def policy(self, name: str) -> PolicyInfo | None:
        return next((p for p in self.analysis.policies if p.name == name), None)


@dataclass(frozen=True, kw_only=True)
class CheckReport:
    """Results of one `mlbp check` run over one or more stacks."""

    stacks: tuple[StackResult, ...]

    def ordered(self) -> tuple[StackResult, ...]:
        """Stacks by name, so output does not depend on the order they were checked in."""
        return tuple(sorted(self.stacks, key=lambda s: s.stack))

    def counts(self) -> dict[Level, int]:
        return count_levels(d for s in self.stacks for d in s.analysis.diagnostics)

    def resources(self) -> int:
        return sum(s.resources for s in self.stacks)

    def exit_code(self) -> int:
        """1 if any mandatory violation, else 0 (advisories never fail a check)."""
        return 1 if self.counts()["mandatory"] else 0


def cost_properties(stack: StackResult) -> dict[str, float | None]:
    """The stack's cost figures for machine formats (empty when no estimate was made)."""
    if stack.cost is None:
        return {}
    return {
        "expectedUsd": round(stack.cost.expected_usd, 2),
        "highUsd": round(stack.cost.high_usd, 2),
        "budgetUsd": stack.cost.budget_usd,
    }


def count_levels(diagnostics: Iterable[Diagnostic]) -> dict[Level, int]:
    counts: dict[Level, int] = dict.fromkeys(LEVELS, 0)
    for diagnostic in diagnostics:
        counts[diagnostic.level] += 1
    return counts


def level_counts(counts: Mapping[Level, int]) -> str:
    """'1 mandatory, 4 advisory': the summary levels always, the rare ones only when present."""
    shown = [lvl for lvl in LEVELS if lvl in SUMMARY_LEVELS or counts[lvl]]
    return ", ".join(f"{counts[lvl]} {lvl}" for lvl in shown)


def totals_line(report: CheckReport) -> str:
    """'3 stacks, 120 resources: 1 mandatory, 4 advisory violations'."""
    stacks = plural(len(report.stacks), "stack")
    resources = plural(report.resources(), "resource")
    return f"{stacks}, {resources}: {level_counts(report.counts())} violations"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def resource_of(urn: str | None) -> tuple[str, str]:
    """(type, name) of the diagnostic's resource; stack-level diagnostics have no URN and
    read as "(stack)"."""
    if not urn:
        return "", "(stack)"
    return urn_type_and_name(urn)


def located_message(stack: StackResult, diagnostic: Diagnostic) -> str:
    """The message with the stack and resource, for formats that show one line per violation."""
    where = f"stack {stack.stack}"
    if diagnostic.urn:
        where += f", resource {diagnostic.urn}"
    return f"{diagnostic.message} ({where})"


def usd(amount: float) -> str:
    return f"${amount:,.2f}"


def budget_usd(cost: CostSummary, *, none: str = "none") -> str:
    """The budget in dollars, or `none` when the blueprint sets none."""
    return usd(cost.budget_usd) if cost.budget_usd is not None else none


def _violation_key(diagnostic: Diagnostic) -> tuple[int, str, str, str]:
    return (
        LEVELS.index(diagnostic.level),
        diagnostic.policy,
        diagnostic.urn or "",
        diagnostic.message,
    )
