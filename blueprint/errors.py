"""The loader's one error type: every problem found, each a `file: $.path: message` line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable


class BlueprintError(Exception):
    """Raised with all problems of one or more inputs; `str()` is one line per problem."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(self.problems))


def format_path(parts: Iterable[str | int]) -> str:
    """`$.gpuPools[1].maxNodes`; keys that are not identifiers get brackets: `$.labels["a/b"]`."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.replace("-", "_").isidentifier():
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"  # escaped: one problem stays on one line
    return out


# What a terminal (or a log viewer) would act on rather than show: C0 controls but tab and line
# feed (ESC starts colour and cursor sequences, BEL rings, NUL truncates), DEL, C1 controls
# (U+009B is a one-character CSI), and the Unicode bidirectional overrides and isolates.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text from elsewhere (a policy pack) as it may reach a terminal: each unprintable
    character shown as its escape (`\\x1b`, `\\x00`, `\\u202e`); tabs and line breaks are kept."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


def printable_json(text: str) -> str:
    """JSON text (`ensure_ascii=False`) with those characters as `\\uXXXX` escapes: the same
    JSON value, safe on a terminal. They only occur inside strings, where the escape is valid."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
