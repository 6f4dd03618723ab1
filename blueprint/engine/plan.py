"""`mlbp plan`: the synthesized resources of a stack as a tree by parent, or as JSON."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from blueprint.engine.model import ResourceGraph, ResourceRecord


def plan_json(graph: ResourceGraph) -> str:
    resources: list[dict[str, Any]] = [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "custom": r.custom,
            "protect": r.protect,
            "retainOnDelete": r.retain_on_delete,
            "dependencies": list(r.dependencies),
            "inputs": r.inputs,
        }
        for r in sorted(graph.resources, key=lambda r: r.urn)  # registration order is async: sort for stable diffs
    ]
    return json.dumps({"stack": graph.stack, "resources": resources}, indent=2, sort_keys=False) + "\n"


def plan_text(graph: ResourceGraph) -> str:
    children: dict[str | None, list[ResourceRecord]] = {}
    urns = {r.urn for r in graph.resources}
    for r in graph.resources:
        parent = r.parent if r.parent in urns else None  # the stack itself is not recorded
        children.setdefault(parent, []).append(r)
    lines = [f"{graph.stack} ({graph.project})"]

    def walk(parent: str | None, indent: str) -> None:
        kids = sorted(children.get(parent, []), key=lambda r: (r.custom, r.name, r.type))
        for i, r in enumerate(kids):
            last = i == len(kids) - 1
            flags = " [protected]" if r.protect else ""
            lines.append(f"{indent}{'└─ ' if last else '├─ '}{r.name}  {r.type}{flags}")
            walk(r.urn, indent + ("   " if last else "│  "))

    walk(None, "")
    counts = Counter(r.type for r in graph.resources if r.custom)
    lines.append("")
    lines.append(f"{sum(counts.values())} cloud resources in {len(graph.resources) - sum(counts.values())} components:")
    lines += [f"  {n:4}  {t}" for t, n in sorted(counts.items())]
    return "\n".join(lines) + "\n"
