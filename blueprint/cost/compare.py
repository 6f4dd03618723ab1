"""Price the same stack file at another git revision and compare line by line.

The old stack file is read with `git show REF:path`, written under its own file name into a
fresh temporary folder (the stack name, and so every URN, stays the same), synthesized with
the current program in its own process, priced, and the folder removed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blueprint.cost.estimator import estimate
from blueprint.cost.model import Estimate, LineItem
from blueprint.engine.workers import SynthError, synthesize_stacks
from blueprint.errors import BlueprintError
from blueprint.loader import load_stack_file


class CompareError(Exception):
    """Bad input for a comparison (unknown ref, file missing at the ref); one line."""


class StackNotAtRef(CompareError):
    """The stack file did not exist at the revision: a new stack."""


@dataclass(frozen=True, kw_only=True)
class LineChange:
    urn: str
    type: str
    status: str  # "added" | "removed" | "changed"
    old: LineItem | None
    new: LineItem | None

    @property
    def delta(self) -> float:
        return (self.new.expected if self.new else 0.0) - (self.old.expected if self.old else 0.0)

    def as_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "status": self.status,
            "old": self.old.as_json() if self.old else None,
            "new": self.new.as_json() if self.new else None,
            "deltaExpected": round(self.delta, 2),
        }


@dataclass(frozen=True, kw_only=True)
class Comparison:
    ref: str
    old: Estimate
    new: Estimate
    changes: tuple[LineChange, ...]

    @property
    def delta(self) -> float:
        return self.new.expected_usd - self.old.expected_usd

    @property
    def percent(self) -> float | None:
        return None if self.old.expected_usd == 0 else self.delta / self.old.expected_usd * 100.0

    def as_json(self) -> dict[str, Any]:
        return {
            "stack": self.new.stack,
            "currency": "USD",
            "base": {"ref": self.ref, **self.old.as_json()},
            "head": self.new.as_json(),
            "delta": {
                "low": round(self.new.low_usd - self.old.low_usd, 2),
                "expected": round(self.delta, 2),
                "high": round(self.new.high_usd - self.old.high_usd, 2),
                "expectedPercent": None if self.percent is None else round(self.percent, 2),
            },
            "changes": [c.as_json() for c in self.changes],
        }


def diff(ref: str, old: Estimate, new: Estimate) -> Comparison:
    before = {i.urn: i for i in old.items}
    after = {i.urn: i for i in new.items}
    changes: list[LineChange] = []
    for urn in sorted(set(before) | set(after)):
        o, n = before.get(urn), after.get(urn)
        if o is None and n is not None:
            changes.append(LineChange(urn=urn, type=n.type, status="added", old=None, new=n))
        elif n is None and o is not None:
            changes.append(LineChange(urn=urn, type=o.type, status="removed", old=o, new=None))
        elif (
            o is not None
            and n is not None
            and (round(o.low, 2), round(o.expected, 2), round(o.high, 2), o.basis)
            != (round(n.low, 2), round(n.expected, 2), round(n.high, 2), n.basis)
        ):
            changes.append(LineChange(urn=urn, type=n.type, status="changed", old=o, new=n))
    changes.sort(key=lambda c: (-abs(c.delta), c.urn))
    return Comparison(ref=ref, old=old, new=new, changes=tuple(changes))


def git_show(root: Path, ref: str, path: Path) -> str:
    """The text of `path` at `ref`; CompareError with one line when git cannot answer."""
    if not ref or ref.startswith("-"):  # never an option to git
        raise CompareError(f"{ref!r}: not a git revision")
    git = shutil.which("git")
    if git is None:
        raise CompareError("git is not installed; --compare reads the stack file from git history")
    top_run = subprocess.run(
        [git, "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True, check=False
    )
    if top_run.returncode != 0:
        raise CompareError(f"{root}: not inside a git repository; --compare needs git history")
    top = top_run.stdout.strip()
    try:
        rel = path.resolve().relative_to(Path(top).resolve()).as_posix()
    except ValueError:
        raise CompareError(
            f"{path}: outside the git repository {top}; --compare reads the stack file's history from it"
        ) from None
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise CompareError(f"{path}: cannot resolve: {exc}") from None
    verify = subprocess.run(
        [git, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if verify.returncode != 0:
        raise CompareError(f"{ref}: not a git revision in {top}")
    shown = subprocess.run([git, "show", f"{ref}:{rel}"], cwd=root, capture_output=True, text=True, check=False)
    if shown.returncode != 0:
        raise StackNotAtRef(f"{rel} does not exist at {ref}")
    return shown.stdout


def estimate_at_ref(root: Path, stack_path: Path, ref: str) -> Estimate:
    """Synthesize and price the stack file as it was at `ref` (with the current program)."""
    text = git_show(root, ref, stack_path)
    with tempfile.TemporaryDirectory(prefix="mlbp-cost-") as tmp:
        old_path = Path(tmp) / stack_path.name
        old_path.write_text(text, encoding="utf-8")
        try:
            blueprint = load_stack_file(old_path, f"{stack_path.name}@{ref}").blueprint
        except BlueprintError as exc:
            raise CompareError(f"{stack_path.name} at {ref} is not a valid stack: {exc.problems[0]}") from None
        (result,) = synthesize_stacks(root, [old_path], jobs=1, sources={old_path: f"{stack_path.name}@{ref}"})
    if isinstance(result, SynthError):
        raise CompareError(f"{stack_path.name} at {ref}: {result}")
    return estimate(result, blueprint)
