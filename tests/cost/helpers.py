"""Fixture builders for cost tests: resource records shaped like synthesized ones, blueprints
built from the shipped example stacks, and small price books with round numbers."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from blueprint.cost.prices import PriceBook, parse_price_book
from blueprint.engine.model import ResourceGraph, ResourceRecord
from blueprint.loader import CONFIG_KEY, parse_blueprint
from blueprint.model import Blueprint

ROOT = Path(__file__).resolve().parents[2]
STACK = "t"


def component(cloud: str, kind: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::ml-platform::mlplat:{cloud}:Platform$mlplat:{cloud}:{kind}::{name}"


def record(
    type_: str,
    name: str,
    inputs: dict[str, Any],
    *,
    parent: str | None = None,
    outputs: dict[str, Any] | None = None,
    id_: str | None = None,
) -> ResourceRecord:
    parent_type = parent.split("::")[2].rsplit("$", 1)[-1] if parent else "pulumi:pulumi:Stack"
    return ResourceRecord(
        urn=f"urn:pulumi:{STACK}::ml-platform::{parent_type}${type_}::{name}",
        type=type_,
        name=name,
        parent=parent,
        custom=True,
        inputs=inputs,
        outputs=outputs or {},
        id=id_,
    )


def component_record(cloud: str, kind: str, name: str) -> ResourceRecord:
    urn = component(cloud, kind, name)
    return ResourceRecord(urn=urn, type=f"mlplat:{cloud}:{kind}", name=name, parent=None, custom=False, inputs={})


def graph(*records: ResourceRecord) -> ResourceGraph:
    return ResourceGraph(project="ml-platform", stack=STACK, resources=records)


def raw_blueprint(stack: str) -> dict[str, Any]:
    doc = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    return copy.deepcopy(doc["config"][CONFIG_KEY])


def blueprint(stack: str, **changes: Any) -> Blueprint:
    """A shipped example stack's blueprint with top-level keys replaced."""
    raw = raw_blueprint(stack)
    raw.update(changes)
    return parse_blueprint(raw, f"{stack} (test)")


def book(raw: dict[str, Any]) -> PriceBook:
    base = {
        "currency": "USD",
        "read": "2026-11-28",
        "sources": {"fx": {"url": "https://example.invalid", "what": "test"}},
    }
    return parse_price_book({**base, **raw})
