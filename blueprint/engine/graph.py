"""`mlbp graph`: the resource tree and its dependencies as Mermaid (pastes into a GitHub PR)
or Graphviz dot. Components are subgraphs; solid edges are parent -> child, dashed edges
are dependencies between resources."""

from __future__ import annotations

import re

from blueprint.engine.model import ResourceGraph, ResourceRecord


def _node_id(urn: str, ids: dict[str, str]) -> str:
    return ids.setdefault(urn, f"n{len(ids)}")


def _label(r: ResourceRecord) -> str:
    kind = r.type.split(":")[-1]
    return f"{r.name}<br/>{kind}"


def _dependency_edges(graph: ResourceGraph) -> list[tuple[str, str]]:
    known = {r.urn for r in graph.resources}
    edges = {
        (dep, r.urn)
        for r in graph.resources
        for dep in set(r.dependencies) | {u for urns in r.property_dependencies.values() for u in urns}
        if dep in known and dep != r.parent
    }
    return sorted(edges)


def _sorted(graph: ResourceGraph) -> list[ResourceRecord]:
    return sorted(graph.resources, key=lambda r: r.urn)


def mermaid(graph: ResourceGraph) -> str:
    ids: dict[str, str] = {}
    lines = ["flowchart LR"]
    for r in _sorted(graph):
        text = re.sub(r'["\[\]]', "", _label(r))
        shape = f'(["{text}"])' if not r.custom else f'["{text}"]'
        lines.append(f"  {_node_id(r.urn, ids)}{shape}")
    for r in _sorted(graph):
        if r.parent and r.parent in ids:
            lines.append(f"  {ids[r.parent]} --> {ids[r.urn]}")
    lines += [f"  {ids[a]} -.-> {ids[b]}" for a, b in _dependency_edges(graph)]
    return "\n".join(lines) + "\n"


def dot(graph: ResourceGraph) -> str:
    ids: dict[str, str] = {}
    lines = [f'digraph "{graph.stack}" {{', "  rankdir=LR;", "  node [shape=box, fontsize=10];"]
    for r in _sorted(graph):
        text = _label(r).replace("<br/>", "\\n").replace('"', "'")
        style = "" if r.custom else ", style=rounded"
        lines.append(f'  {_node_id(r.urn, ids)} [label="{text}"{style}];')
    for r in _sorted(graph):
        if r.parent and r.parent in ids:
            lines.append(f"  {ids[r.parent]} -> {ids[r.urn]};")
    lines += [f"  {ids[a]} -> {ids[b]} [style=dashed];" for a, b in _dependency_edges(graph)]
    lines.append("}")
    return "\n".join(lines) + "\n"
