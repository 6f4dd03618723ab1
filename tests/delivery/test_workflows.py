"""The GitHub workflows are valid by GitHub's own workflow schema (shipped inside
check-jsonschema, so this works offline), and the check really rejects a broken one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def check_workflow(path: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or "check-jsonschema"
    return subprocess.run(
        [exe, "--builtin-schema", "vendor.github-workflows", str(path)], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_the_github_schema(workflow: Path) -> None:
    result = check_workflow(workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_workflow_fails_the_schema_check() -> None:
    result = check_workflow(ROOT / "tests" / "fixtures" / "workflows" / "broken.yml")
    assert result.returncode == 1
    assert "runs-on" in result.stdout + result.stderr


def test_pr_check_fails_on_mandatory_violations_and_uploads_sarif() -> None:
    doc = yaml.safe_load((ROOT / ".github" / "workflows" / "pr-check.yml").read_text())
    steps = doc["jobs"]["check"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "mlbp check --all --format sarif --output results.sarif" in runs
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)
    assert (
        "<!-- mlbp-check -->"
        in steps[[s.get("name") for s in steps].index("PR comment (one, updated in place)")]["with"]["script"]
    )
    assert "exit 1" in steps[-1]["run"]


def test_deploy_uses_oidc_and_the_policy_pack_per_environment() -> None:
    doc = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    assert doc["permissions"]["id-token"] == "write"
    steps = doc["jobs"]["pulumi"]["steps"]
    pulumi_steps = [s for s in steps if s.get("uses", "").startswith("pulumi/actions")]
    assert {s["with"]["command"] for s in pulumi_steps} == {"preview", "up"}
    for s in pulumi_steps:
        assert s["with"]["policyPacks"] == "policies"
        assert s["with"]["policyPackConfigs"] == "policies/config/${{ matrix.environment }}.json"
    assert doc["jobs"]["pulumi"]["concurrency"]["group"] == "pulumi-${{ matrix.stack }}"
    secrets_used = yaml.safe_dump(doc)
    for long_lived in ("AWS_SECRET_ACCESS_KEY", "AZURE_CLIENT_SECRET", "GOOGLE_CREDENTIALS"):
        assert long_lived not in secrets_used
