"""The day checks run on, in one place: validation of Kubernetes versions (support ends on a
date), `mlbp new` (the newest supported version) and the policy pack (support ending soon).

`today()` is the UTC date, unless `MLBP_TODAY=YYYY-MM-DD` is set in the environment. The
environment variable reaches every process that checks a stack (the synthesis workers and the
policy pack inherit it), so tests and `mlbp check` runs that must be reproducible set it
rather than patching a function in one process.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

__all__ = ["TODAY_ENV", "ClockError", "today"]

TODAY_ENV = "MLBP_TODAY"


class ClockError(ValueError):
    """`MLBP_TODAY` is set but is not a calendar date."""


def today() -> date:
    """The day checks run on: `$MLBP_TODAY` when set, else today's date in UTC."""
    given = os.environ.get(TODAY_ENV, "").strip()
    if not given:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(given)
    except ValueError:
        raise ClockError(f"{TODAY_ENV}={given!r} is not a calendar date (YYYY-MM-DD)") from None
