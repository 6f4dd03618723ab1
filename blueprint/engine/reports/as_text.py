"""Plain text for a terminal: per stack, violations grouped by level, then a totals line."""

from __future__ import annotations

from collections.abc import Iterator

from blueprint.engine.model import Diagnostic, Level
from blueprint.engine.reports.base import (
    LEVELS,
    CheckReport,
    StackResult,
    budget_usd,
    level_counts,
    plural,
    resource_of,
    totals_line,
    usd,
)
from blueprint.errors import printable

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_LEVEL_COLORS: dict[Level, str] = {
    "mandatory": "\x1b[31m",  # red
    "remediate": "\x1b[36m",  # cyan
    "advisory": "\x1b[33m",  # yellow
    "disabled": "\x1b[2m",  # dim
}
_GREEN = "\x1b[32m"


def render(report: CheckReport, *, color: bool = False) -> str:
    """The report as text; `color` adds ANSI colours (off by default: logs and pipes)."""
    lines: list[str] = []
    for stack in report.ordered():
        lines.extend(_stack_lines(stack, color))
        lines.append("")
    total_color = _LEVEL_COLORS["mandatory"] if report.exit_code() else _GREEN
    lines.append(_paint(totals_line(report), total_color, color))
    return "\n".join(lines) + "\n"


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def _stack_lines(stack: StackResult, color: bool) -> Iterator[str]:
    counts = level_counts(stack.counts())
    resources = plural(stack.resources, "resource")
    header = f"{stack.stack} ({stack.cloud}, {stack.environment}): {resources}, {counts}"
    yield _paint(header, _BOLD, color)
    if stack.cost:
        yield (
            f"  cost per month: expected {usd(stack.cost.expected_usd)}, "
            f"high {usd(stack.cost.high_usd)}, budget {budget_usd(stack.cost)}"
        )
    violations = stack.violations()
    if not violations:
        yield "  no violations"
    for level in LEVELS:
        of_level = [d for d in violations if d.level == level]
        if of_level:
            yield _paint(f"  {level} ({len(of_level)})", _LEVEL_COLORS[level], color)
            for diagnostic in of_level:
                yield from _violation_lines(stack, diagnostic)


def _violation_lines(stack: StackResult, diagnostic: Diagnostic) -> Iterator[str]:
    type_, name = resource_of(diagnostic.urn)
    resource = f"{name} ({type_})" if type_ else name
    # file:line first: clickable. Pack text (policy names, messages) is shown, never obeyed.
    yield f"    {stack.location(diagnostic.urn)}: {printable(diagnostic.policy)}: {printable(resource)}"
    for text in diagnostic.message.splitlines() or [""]:
        yield f"      {printable(text)}"
