"""Hostile packs: a pack that does not run what it declares gets no clean verdict, and text a
pack sends (messages, policy names, stderr) reaches a terminal shown, never obeyed."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from blueprint.engine.analyzer import PackError, analyze
from blueprint.engine.packs import _Tail
from blueprint.engine.reports import FORMATS, CheckReport, as_text, render
from blueprint.errors import printable
from tests.engine.test_analyzer import GRAPH, PACKS, launched  # noqa: F401  # `launched`: a fixture
from tests.engine.test_report import AWS_PROD, diagnostic

HOSTILE = "bell\x07 nul\x00 esc\x1b[2J\x1b]0;pwned\x07 csi\x9b31m del\x7f rtl\u202eevil cr\rover"
RAW_CONTROLS = ["\x07", "\x00", "\x1b", "\x9b", "\x7f", "\u202e", "\r"]


def test_a_pack_declaring_a_stack_policy_without_analyzestack_is_an_error(
    launched: list[subprocess.Popen[bytes]],  # noqa: F811
) -> None:
    """It used to get "no violations", exit 0: the stack policy never ran."""
    with pytest.raises(PackError) as caught:
        analyze(PACKS / "no-analyze-stack", GRAPH, timeout=30)
    assert str(caught.value) == (
        f"policy pack {PACKS / 'no-analyze-stack'} declares stack policies (whole-stack) "
        "but does not implement AnalyzeStack: they did not run"
    )
    assert len(launched) == 1  # and the fixture checks it was stopped


def test_the_check_cli_fails_closed_on_that_pack() -> None:
    from tests.cli.runner import mlbp

    result = mlbp("check", "-j", "1", "--policy-pack", str(PACKS / "no-analyze-stack"), "aws-dev")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"aws-dev: policy pack {PACKS / 'no-analyze-stack'} declares stack policies (whole-stack) "
        "but does not implement AnalyzeStack: they did not run"
    ]


def test_printable_escapes_what_a_terminal_would_obey() -> None:
    shown = printable(HOSTILE)
    assert shown == ("bell\\x07 nul\\x00 esc\\x1b[2J\\x1b]0;pwned\\x07 csi\\x9b31m del\\x7f rtl\\u202eevil cr\\rover")
    assert printable("tab\tand\nline feed, ünïcödé, 東京") == "tab\tand\nline feed, ünïcödé, 東京"


def _hostile_report() -> CheckReport:
    bad = diagnostic(
        "gpu-scale\x1b[31m", "mandatory", HOSTILE + "\nsecond line \x1b[0m", AWS_PROD.analysis.diagnostics[0].urn
    )
    analysis = replace(AWS_PROD.analysis, diagnostics=(bad,))
    return CheckReport(stacks=(replace(AWS_PROD, analysis=analysis),))


@pytest.mark.parametrize("color", [False, True])
def test_text_report_shows_pack_control_characters_escaped(color: bool) -> None:
    text = as_text.render(_hostile_report(), color=color)
    without_our_colours = text
    for code in ("\x1b[0m", "\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[33m", "\x1b[2m", "\x1b[32m"):
        without_our_colours = without_our_colours.replace(code, "")
    for raw in RAW_CONTROLS:
        assert raw not in without_our_colours, repr(raw)
    assert "esc\\x1b[2J" in text and "gpu-scale\\x1b[31m" in text and "second line \\x1b[0m" in text


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f in ("github", "markdown", "text")])
def test_terminal_formats_carry_no_raw_control_characters(fmt: str) -> None:
    out = render(_hostile_report(), fmt)
    for raw in RAW_CONTROLS:
        assert raw not in out, (fmt, repr(raw))


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_machine_formats_keep_the_message_exactly(fmt: str) -> None:
    """JSON escapes control characters itself; the data stays what the pack said."""
    out = render(_hostile_report(), fmt)
    for raw in RAW_CONTROLS:
        assert raw not in out
    found = json.loads(out)
    messages = (
        [d["message"] for d in found["stacks"][0]["violations"]]
        if fmt == "json"
        else [r["message"]["text"] for r in found["runs"][0]["results"]]
    )
    assert any(HOSTILE in m for m in messages), messages


def test_pack_stderr_in_errors_is_escaped() -> None:
    tail = _Tail(10)
    tail.add(b"\x1b[31mTraceback\x07\r\n")
    assert tail.text() == "\\x1b[31mTraceback\\x07"


def test_a_fixture_pack_exists_for_each_failure_the_tests_name() -> None:
    assert (PACKS / "no-analyze-stack" / "PulumiPolicy.yaml").is_file()
    assert Path(PACKS / "no-analyze-stack" / "__main__.py").read_text().count("UNIMPLEMENTED") >= 1
