"""Where things are in a checkout of the template, and how CLI stack arguments resolve."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from blueprint.errors import BlueprintError

# Set for the Pulumi program by `mlbp` (offline synthesis): the stack file as messages name it,
# which need not be stacks/Pulumi.<stack>.yaml (`mlbp check path/to/Pulumi.x.yaml`).
STACK_SOURCE_ENV = "MLBP_STACK_SOURCE"


def stack_source(stack: str) -> str:
    """The stack file of `stack` as the program's error messages name it: where `pulumi`
    reads it (stacks/, Pulumi.yaml's stackConfigDir) unless `mlbp` says it came from elsewhere."""
    return os.environ.get(STACK_SOURCE_ENV) or f"stacks/Pulumi.{stack}.yaml"


@dataclass(frozen=True, kw_only=True)
class Project:
    root: Path

    @property
    def name(self) -> str:
        """Pulumi.yaml's `name` (the template's `ml-platform` if it cannot be read): part of
        the names the platform derives from each stack."""
        try:
            doc = yaml.safe_load((self.root / "Pulumi.yaml").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            doc = None
        name = doc.get("name") if isinstance(doc, dict) else None
        return name if isinstance(name, str) and name else "ml-platform"

    @property
    def stacks_dir(self) -> Path:
        return self.root / "stacks"

    @property
    def policies_dir(self) -> Path:
        return self.root / "policies"

    def stack_path(self, name: str) -> Path:
        return self.stacks_dir / f"Pulumi.{name}.yaml"

    def all_stacks(self) -> list[Path]:
        return sorted(self.stacks_dir.glob("Pulumi.*.yaml"))

    def display(self, path: Path) -> str:
        """Repo-relative path for messages, as a reviewer sees it in a PR: the path as given
        (a symlink in stacks/ is named as such), else as resolved, else as given. Never raises
        (a symlink loop, a name too long)."""
        root = self.root.resolve()
        for candidate in (os.path.abspath(path), os.path.realpath(path)):
            try:
                return str(Path(candidate).relative_to(root))
            except ValueError:
                continue
        return str(path)

    def resolve_stacks(self, args: tuple[str, ...], all_stacks: bool) -> list[Path]:
        """`aws-prod` means stacks/Pulumi.aws-prod.yaml; anything with a slash or a .yaml
        ending is a path. Unknown names are reported together; what a name is (a FIFO, a
        symlink loop) is left to the loader, which says so in one line."""
        paths = self.all_stacks() if all_stacks else []
        missing: list[str] = []
        for arg in args:
            path = Path(arg) if ("/" in arg or arg.endswith((".yaml", ".yml"))) else self.stack_path(arg)
            problem = _lstat_problem(path)
            printable = "".join(c if c.isprintable() else repr(c)[1:-1] for c in arg)
            shown = printable if len(arg) <= 120 else f"{printable[:100]}... ({len(arg)} characters)"  # one line
            if problem == "missing":
                known = ", ".join(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in self.all_stacks())
                where = "".join(c if c.isprintable() else repr(c)[1:-1] for c in self.display(path))
                missing.append(f"{shown}: no such stack ({where} does not exist; stacks: {known or 'none'})")
            elif problem:
                missing.append(f"{shown}: {problem}")
            elif path not in paths:
                paths.append(path)
        if missing:
            raise BlueprintError(missing)
        if not paths:
            raise BlueprintError(["no stacks given: name one (e.g. aws-dev), a path, or use --all"])
        return paths


def _lstat_problem(path: Path) -> str:
    """ "missing", a reason the name cannot be a file at all, or "" (something is there)."""
    if not str(path) or str(path) == ".":
        return "missing"
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except ValueError:  # an embedded NUL
        return "not a file name"
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return "no such stack: the file name is too long for this system"
        return f"cannot read: {exc.strerror or exc}"
    return ""


def find_project(start: Path | None = None) -> Project:
    """The nearest folder at or above `start` holding Pulumi.yaml; else `start` itself."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "Pulumi.yaml").is_file():
            return Project(root=folder)
    return Project(root=here)


def project_at(folder: Path) -> Project:
    """`--project-dir FOLDER`: that very folder, which must hold Pulumi.yaml. Nothing is
    searched: a typo must not land `mlbp new` in the stacks/ of a project further up."""
    label = str(folder) or "''"
    try:
        found = folder.is_dir() if str(folder) else False
        holds = found and (folder / "Pulumi.yaml").is_file()
    except OSError as exc:  # a name too long, a symlink loop
        raise BlueprintError([f"{label}: --project-dir: cannot read: {exc.strerror or exc}"]) from None
    if not found:
        what = "not a folder" if os.path.lexists(folder) else "no such folder"
        raise BlueprintError([f"{label}: --project-dir: {what}"])
    if not holds:
        raise BlueprintError([f"{label}: --project-dir: no Pulumi.yaml in this folder (not a template checkout)"])
    return Project(root=folder.resolve())
