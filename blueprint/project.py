"""Where things are in a checkout of the template, and how CLI stack arguments resolve."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from blueprint.errors import BlueprintError


@dataclass(frozen=True, kw_only=True)
class Project:
    root: Path

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
        """Repo-relative path for messages, as a reviewer sees it in a PR."""
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)

    def resolve_stacks(self, args: tuple[str, ...], all_stacks: bool) -> list[Path]:
        """`aws-prod` means stacks/Pulumi.aws-prod.yaml; anything with a slash or a .yaml
        ending is a path. Unknown names are reported together."""
        paths = self.all_stacks() if all_stacks else []
        missing: list[str] = []
        for arg in args:
            path = Path(arg) if ("/" in arg or arg.endswith((".yaml", ".yml"))) else self.stack_path(arg)
            if not path.exists():
                known = ", ".join(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in self.all_stacks())
                missing.append(f"{arg}: no such stack ({self.display(path)} does not exist; stacks: {known or 'none'})")
            elif path not in paths:
                paths.append(path)
        if missing:
            raise BlueprintError(missing)
        if not paths:
            raise BlueprintError(["no stacks given: name one (e.g. aws-dev), a path, or use --all"])
        return paths


def find_project(start: Path | None = None) -> Project:
    """The nearest folder at or above `start` holding Pulumi.yaml; else `start` itself."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "Pulumi.yaml").is_file():
            return Project(root=folder)
    return Project(root=here)
