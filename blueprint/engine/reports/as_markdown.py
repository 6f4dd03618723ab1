"""Markdown for a pull-request comment (and the workflow step summary).

The first line is a hidden marker, so a workflow can find and update its previous comment
instead of adding a new one per push.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence

from blueprint.engine.model import Diagnostic
from blueprint.engine.reports.base import (
    CheckReport,
    StackResult,
    budget_usd,
    level_counts,
    resource_of,
    totals_line,
    usd,
)
from blueprint.errors import printable

MARKER = "<!-- mlbp-check -->"
_NONE = "—"


def render(report: CheckReport) -> str:
    stacks = report.ordered()
    icon = "❌" if report.exit_code() else "✅"
    lines = [MARKER, f"### {icon} mlbp check: {totals_line(report)}", ""]
    lines.extend(_summary_table(stacks))
    for stack in stacks:
        if stack.analysis.diagnostics:
            lines.append("")
            lines.extend(_details(stack))
    return "\n".join(lines) + "\n"


def _summary_table(stacks: Sequence[StackResult]) -> Iterator[str]:
    with_cost = any(s.cost for s in stacks)
    header = ["Stack", "Cloud", "Env", "Resources", "Mandatory", "Advisory"]
    align = ["---"] * 3 + ["---:"] * 3
    if with_cost:
        header += ["Expected/mo", "High/mo", "Budget/mo"]
        align += ["---:"] * 3
    yield _row(header)
    yield _row(align)
    for stack in stacks:
        counts = stack.counts()
        cells = [cell(stack.stack), cell(stack.cloud), cell(stack.environment), str(stack.resources)]
        cells += [str(counts["mandatory"]), str(counts["advisory"])]
        if with_cost:
            cells += _cost_cells(stack)
        yield _row(cells)


def _cost_cells(stack: StackResult) -> list[str]:
    cost = stack.cost
    if cost is None:
        return [_NONE] * 3
    return [usd(cost.expected_usd), usd(cost.high_usd), budget_usd(cost, none=_NONE)]


def _details(stack: StackResult) -> Iterator[str]:
    icon = "❌" if stack.counts()["mandatory"] else "⚠️"
    summary = html.escape(f"{stack.stack}: {level_counts(stack.counts())}")
    # blank lines around the table: GitHub renders Markdown inside <details> only when separated
    yield f"<details><summary>{icon} {summary}</summary>"
    yield ""
    yield _row(["Level", "Policy", "Resource", "Message"])
    yield _row(["---"] * 4)
    for diagnostic in stack.violations():
        yield _violation_row(diagnostic)
    yield ""
    yield "</details>"


def _violation_row(diagnostic: Diagnostic) -> str:
    _, name = resource_of(diagnostic.urn)
    return _row([diagnostic.level, code(diagnostic.policy), code(name), cell(diagnostic.message)])


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def cell(text: str) -> str:
    """Text safe inside a table cell: a pipe would end the cell, a newline the row."""
    one_break = text.replace("\r\n", "\n").replace("\r", "\n")
    escaped = html.escape(printable(one_break), quote=False).replace("|", "\\|")
    return escaped.replace("\n", "<br>")


def code(text: str) -> str:
    """An identifier as inline code, where Markdown and HTML stay literal (only the pipe is special)."""
    if "`" in text:
        return cell(text)  # a backtick would close the span early
    return "`" + " ".join(printable(line) for line in text.splitlines()).replace("|", "\\|") + "`"
