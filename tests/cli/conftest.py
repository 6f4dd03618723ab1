from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.runner import REPO


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh checkout of the template: Pulumi.yaml and an empty stacks/ folder."""
    root = tmp_path / "repo"
    (root / "stacks").mkdir(parents=True)
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    return root
