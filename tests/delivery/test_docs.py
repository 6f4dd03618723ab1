"""The per-cloud pages cannot silently miss a component: every `pulumi.ComponentResource`
subclass in `components/<cloud>/*.py` is named in `docs/<cloud>.md` as a code span
(`` `GpuNodePool` ``), and every `mlplat:<cloud>:<Type>` token the code registers appears
there too. The components are found by parsing the sources (no import, no Pulumi runtime), so a
new file or class is picked up without touching this test."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLOUDS = ("aws", "gcp", "azure")
README = ROOT / "README.md"


def _base_name(node: ast.expr) -> str:
    """`pulumi.ComponentResource` -> "ComponentResource"; `Foo` -> "Foo"."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def component_classes(cloud: str) -> set[str]:
    """Names of the ComponentResource subclasses (direct or through another component class)."""
    bases: dict[str, set[str]] = {}
    for path in sorted((ROOT / "components" / cloud).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(_base_name(b) for b in node.bases)
    found = {"ComponentResource"}
    while True:
        more = {name for name, parents in bases.items() if parents & found} - found
        if not more:
            return found - {"ComponentResource"}
        found |= more


def type_tokens(cloud: str) -> set[str]:
    """Every `mlplat:<cloud>:<Type>` string literal in the cloud's component sources."""
    pattern = re.compile(rf"^mlplat:{cloud}:[A-Za-z][A-Za-z0-9]*$")
    tokens: set[str] = set()
    for path in sorted((ROOT / "components" / cloud).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and pattern.match(node.value):
                tokens.add(node.value)
    return tokens


def page(cloud: str) -> str:
    path = ROOT / "docs" / f"{cloud}.md"
    assert path.is_file(), f"docs/{cloud}.md is missing"
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("cloud", CLOUDS)
def test_components_are_found(cloud: str) -> None:
    """Guard against a vacuous pass: each cloud has its components and their tokens."""
    classes, tokens = component_classes(cloud), type_tokens(cloud)
    assert {"Platform", "Cluster", "GpuNodePool", "TieredBucket", "EncryptionKey", "Budget"} <= classes
    assert {f"mlplat:{cloud}:{name}" for name in ("Platform", "Cluster", "Budget")} <= tokens


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_component_class_is_named_on_its_page(cloud: str) -> None:
    text = page(cloud)
    missing = sorted(name for name in component_classes(cloud) if f"`{name}`" not in text)
    assert not missing, f"docs/{cloud}.md does not name these components (as `Name`): {missing}"


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_type_token_is_on_its_page(cloud: str) -> None:
    text = page(cloud)
    missing = sorted(token for token in type_tokens(cloud) if token not in text)
    assert not missing, f"docs/{cloud}.md does not mention these type tokens: {missing}"


def test_readme_lists_the_cloud_pages() -> None:
    match = re.search(r"^## Docs\n(.*?)(?=^## |\Z)", README.read_text(encoding="utf-8"), flags=re.M | re.S)
    assert match, "README has no '## Docs' section"
    section = match.group(1)
    for cloud in CLOUDS:
        assert f"docs/{cloud}.md" in section, f"README's Docs section does not list docs/{cloud}.md"
    for link in re.findall(r"\]\((docs/[^)]+)\)", section):
        assert (ROOT / link).is_file(), f"README links to missing {link}"


def test_the_cluster_layer_components_and_tokens_are_on_the_architecture_page() -> None:
    """components/kubernetes/ is documented where the layer is explained, like each cloud's
    components on its page."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in (ROOT / "components" / "kubernetes").glob("*.py") if p.name != "__init__.py")
    assert not [f for f in files if f"`{f}`" not in text], "docs/architecture.md does not name every module"
    tokens = type_tokens("kubernetes")
    assert tokens >= {"mlplat:kubernetes:ClusterLayer", "mlplat:kubernetes:Tenancy"}
    missing = sorted(t for t in tokens if t.rsplit(":", 1)[1] not in text)
    assert not missing, f"docs/architecture.md does not name these components: {missing}"
