"""Option types for numbers from the command line: finite, and within the range the code can use.

click's `FloatRange` lets `nan` through every bound (comparisons with NaN are false) and `inf`
through an open-ended one; `float("1e400")` is infinity too."""

from __future__ import annotations

import math
from typing import Any

import click

MAX_TIMEOUT_SECONDS = 24 * 3600.0  # a day: beyond any CI job, and within what threads and sockets accept


class FiniteFloatRange(click.FloatRange):
    """A `FloatRange` that refuses NaN and the infinities."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return super().convert(number, param, ctx)
