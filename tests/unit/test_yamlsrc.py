"""Where YAML parsing may use libyaml: our own data files, and the line-number pass over stack
files already accepted by the strict pure-Python parser. Either way the answers are PyYAML's."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from blueprint import yamlsrc
from blueprint.catalog import load_catalog, not_offered
from blueprint.cost.prices import load_price_book
from blueprint.yamlsrc import line_index, load_trusted, parse_yaml

ROOT = Path(__file__).resolve().parents[2]
DATA_FILES = sorted((ROOT / "blueprint" / "data").rglob("*.yaml"))
STACK_FILES = sorted((ROOT / "stacks").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "fixtures" / "good_stacks").glob("*.yaml")
)
BLUEPRINT = ("config", "ml-platform:blueprint")


def test_there_are_data_and_stack_files() -> None:
    assert len(DATA_FILES) >= 4 and len(STACK_FILES) >= 6


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_shipped_data_loads_as_safe_load_reads_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert load_trusted(text) == yaml.safe_load(text)


def test_catalog_and_prices_load_through_the_trusted_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = yamlsrc.load_trusted

    def counting(text: str) -> object:
        seen.append(len(text))
        return real(text)

    for module in ("blueprint.catalog", "blueprint.cost.prices"):
        monkeypatch.setattr(f"{module}.load_trusted", counting)
    for cached in (load_catalog, not_offered, load_price_book):
        cached.cache_clear()
    try:
        assert load_catalog().accelerators
        assert not_offered("aws") is not None
        assert load_price_book("gcp").cloud == "gcp"
        assert len(seen) == 3
    finally:
        for cached in (load_catalog, not_offered, load_price_book):
            cached.cache_clear()


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_line_numbers_are_pyyamls_with_either_composer(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    parse_yaml(text)  # line_index runs on accepted text only
    fast = line_index(text, BLUEPRINT)
    monkeypatch.setattr(yamlsrc, "_LINE_LOADERS", (yaml.SafeLoader,))
    assert fast == line_index(text, BLUEPRINT)
    assert len(fast) > 5


@pytest.mark.parametrize(
    "text", ["[" * 5000 + "]" * 5000, "- " * 5000 + "x", "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 3000))]
)
def test_line_numbers_of_absurdly_deep_text_are_given_up_not_crashed_on(text: str) -> None:
    assert line_index(text, ()) == {}


def test_libyaml_line_pass_only_where_libyaml_caps_nesting() -> None:
    if yaml.__with_libyaml__ and yamlsrc._nesting_capped_libyaml():
        assert yamlsrc._LINE_LOADERS[0] is yaml.CSafeLoader
    else:
        assert list(yamlsrc._LINE_LOADERS) == [yaml.SafeLoader]
