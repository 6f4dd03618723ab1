"""JUnit XML, so CI test-report views list every policy evaluation.

One <testsuite> per stack and one <testcase> per (policy, resource) pair the pack evaluated
(`AnalysisResult.evaluated`), plus any pair that reported a violation without being listed
there, so no violation is ever dropped. Only mandatory violations fail a testcase (<failure>);
advisory (and remediate/disabled) ones leave it passed and are noted in <system-out>, matching
the exit code, which advisories never change.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from blueprint.engine.model import Diagnostic
from blueprint.engine.reports.base import CheckReport, StackResult, cost_properties

# Characters XML 1.0 cannot carry even escaped; a message with one would make the file unparsable.
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Pair = tuple[str, str | None]  # (policy, urn); urn None for stack-level policies


def render(report: CheckReport) -> str:
    suites = [_suite(stack) for stack in report.ordered()]
    tests = sum(int(s.get("tests", "0")) for s in suites)
    failures = sum(int(s.get("failures", "0")) for s in suites)
    root = ET.Element("testsuites", name="mlbp check", tests=str(tests), failures=str(failures), errors="0")
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(stack: StackResult) -> ET.Element:
    cases = _testcases(stack)
    failures = sum(1 for case in cases if case.find("failure") is not None)
    suite = ET.Element(
        "testsuite",
        name=_clean(stack.stack),
        tests=str(len(cases)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (("cloud", stack.cloud), ("environment", stack.environment), ("stackFile", stack.stack_file)):
        ET.SubElement(properties, "property", name=name, value=_clean(value))
    for name, amount in cost_properties(stack).items():
        ET.SubElement(properties, "property", name=f"cost.{name}", value="" if amount is None else f"{amount:.2f}")
    suite.extend(cases)
    return suite


def _testcases(stack: StackResult) -> list[ET.Element]:
    found: dict[Pair, list[Diagnostic]] = {}
    for diagnostic in stack.violations():
        found.setdefault((diagnostic.policy, diagnostic.urn), []).append(diagnostic)
    pairs = sorted(set(stack.analysis.evaluated) | found.keys(), key=lambda p: (p[0], p[1] or ""))
    return [_testcase(stack, pair, found.get(pair, [])) for pair in pairs]


def _testcase(stack: StackResult, pair: Pair, found: Sequence[Diagnostic]) -> ET.Element:
    policy, urn = pair
    case = ET.Element("testcase", classname=_clean(f"{stack.stack}.{policy}"), name=_clean(urn or "(stack)"))
    failing = [d for d in found if d.level == "mandatory"]
    notes = [d for d in found if d.level != "mandatory"]
    if failing:
        failure = ET.SubElement(case, "failure", message=_clean(failing[0].message), type="mandatory")
        failure.text = _details(stack, failing)
    if notes:
        ET.SubElement(case, "system-out").text = _details(stack, notes)
    return case


def _details(stack: StackResult, diagnostics: Sequence[Diagnostic]) -> str:
    where = stack.location(diagnostics[0].urn)
    return _clean("\n".join(f"{d.level}: {d.message} ({where})" for d in diagnostics))


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text)
