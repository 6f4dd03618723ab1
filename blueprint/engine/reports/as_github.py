"""GitHub Actions workflow commands: one annotation per violation, on the stack file line.

Only commands are printed: anything else in the step log would be noise, and the step summary
is the Markdown format. Escaping follows @actions/core (toolkit `command.ts`): data escapes
`%`, CR and LF; property values also escape `:` and `,`, which would otherwise end the value.
"""

from __future__ import annotations

from blueprint.engine.model import Diagnostic, Level
from blueprint.engine.reports.base import CheckReport, StackResult, budget_usd, located_message, usd
from blueprint.errors import printable

_COMMANDS: dict[Level, str] = {
    "mandatory": "error",
    "remediate": "notice",
    "advisory": "warning",
    "disabled": "notice",
}


def render(report: CheckReport) -> str:
    lines = [_annotation(stack, d) for stack in report.ordered() for d in stack.violations()]
    lines += [_cost_notice(stack) for stack in report.ordered() if stack.cost]
    return "".join(line + "\n" for line in lines)


def _cost_notice(stack: StackResult) -> str:
    assert stack.cost is not None
    text = (
        f"expected {usd(stack.cost.expected_usd)}/month, high {usd(stack.cost.high_usd)},"
        f" budget {budget_usd(stack.cost)}"
    )
    return _command("notice", {"file": stack.stack_file, "title": f"cost ({stack.stack})"}, text)


def _annotation(stack: StackResult, diagnostic: Diagnostic) -> str:
    properties = {
        "file": stack.stack_file,
        "line": str(stack.line(diagnostic.urn)),
        "title": f"{diagnostic.policy} ({stack.stack})",
    }
    return _command(_COMMANDS[diagnostic.level], properties, located_message(stack, diagnostic))


def _command(name: str, properties: dict[str, str], message: str) -> str:
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{name} {joined}::{escape_data(message)}"


def escape_data(text: str) -> str:
    # "%" first, or the escapes added below would be escaped again; then nothing a log viewer obeys
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
