"""The report stage of `mlbp check`: render check results for people, machines and CI.

    from blueprint.engine.reports import CheckReport, StackResult, render
    print(render(CheckReport(stacks=(...,)), "sarif"))

One module per format (`as_<format>.render(report)`); `as_text.render` also takes `color`.
Every format is deterministic: stacks by name, violations by level then policy and resource.
"""

from __future__ import annotations

from collections.abc import Callable

from blueprint.engine.reports import as_github, as_json, as_junit, as_markdown, as_sarif, as_text
from blueprint.engine.reports.base import CheckReport, CostSummary, StackResult

__all__ = ["FORMATS", "CheckReport", "CostSummary", "StackResult", "render"]

_RENDERERS: dict[str, Callable[[CheckReport], str]] = {
    "text": as_text.render,
    "json": as_json.render,
    "sarif": as_sarif.render,
    "junit": as_junit.render,
    "markdown": as_markdown.render,
    "github": as_github.render,
}
FORMATS: tuple[str, ...] = tuple(_RENDERERS)  # ("text", "json", "sarif", "junit", "markdown", "github")


def render(report: CheckReport, fmt: str) -> str:
    """The report in `fmt` (one of FORMATS); text is uncoloured, see `as_text.render`."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}: expected one of {', '.join(FORMATS)}") from None
    return renderer(report)
