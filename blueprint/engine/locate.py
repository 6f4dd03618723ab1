"""Where in the stack file a resource comes from: the blueprint entry that produced it.

Components are named after their blueprint entry (a GPU pool component is named like the
pool), so a resource is located by walking up to the nearest component whose type and name
match an entry. Works for every cloud: type tokens are `mlplat:<cloud>:<Type>`."""

from __future__ import annotations

from blueprint.engine.model import ResourceGraph, ResourceRecord
from blueprint.loader import StackFile

# Component type -> the blueprint list its name is an entry of.
_LISTS = {
    "GpuNodePool": "gpuPools",
    "AutoscalingGroup": "autoscalingGroups",
    "TieredBucket": "buckets",
    "WorkloadIdentity": "workloads",
}
# Component type -> the blueprint section it comes from as a whole.
_SECTIONS = {
    "Cluster": "cluster",
    "Network": "network",
    "EncryptionKey": "encryption",
    "Budget": "budget",
}


def blueprint_lines(graph: ResourceGraph, stack_file: StackFile) -> dict[str, int]:
    """urn -> 1-based line in the stack file; resources with no entry of their own (the
    access-log bucket, the node role) point at the start of the blueprint."""
    by_urn = graph.by_urn()
    bp = stack_file.blueprint
    index = {
        "gpuPools": [p.name for p in bp.gpu_pools],
        "autoscalingGroups": [g.name for g in bp.autoscaling_groups],
        "buckets": [b.name for b in bp.buckets],
        "workloads": [w.name for w in bp.workloads],
    }
    lines: dict[str, int] = {}
    for record in graph.resources:
        line = _line(record, by_urn, index, stack_file)
        if line is not None:
            lines[record.urn] = line
    return lines


def _line(
    record: ResourceRecord | None,
    by_urn: dict[str, ResourceRecord],
    index: dict[str, list[str]],
    stack_file: StackFile,
) -> int | None:
    while record is not None:
        kind = record.type.split(":")[-1] if record.type.startswith("mlplat:") else ""
        if kind in _LISTS and record.name in index[_LISTS[kind]]:
            return stack_file.line_of(_LISTS[kind], index[_LISTS[kind]].index(record.name))
        if kind in _SECTIONS:
            # A section the user left to defaults has no line of its own: point at the blueprint.
            return stack_file.line_of(_SECTIONS[kind]) or stack_file.line_of()
        record = by_urn.get(record.parent) if record.parent else None
    return stack_file.line_of()
