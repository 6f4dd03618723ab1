"""The loader's one error type: every problem found, each a `file: $.path: message` line."""

from __future__ import annotations

import json
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
