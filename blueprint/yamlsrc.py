"""Strict YAML reading for stack files: duplicate keys are errors (PyYAML silently keeps the
last one), and we keep each node's line so reports can point into the file.

Stack files are user input and always go through the pure-Python `parse_yaml` (its messages
and its nesting and alias limits are part of the contract). Only the data files we ship
(`load_trusted`) and the second pass for line numbers, over text `parse_yaml` has already
accepted, use libyaml when PyYAML has it."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MERGE_TAG = "tag:yaml.org,2002:merge"
# A stack file holds hundreds of values; aliases can make a few bytes stand for billions
# ("billion laughs"), which would hang every consumer walking the result.
MAX_VALUES = 100_000


def _nesting_capped_libyaml() -> bool:
    """Whether PyYAML's libyaml refuses deep nesting (0.2.6 and later stop at 1000 levels): its
    composer recurses in C, where Python's recursion limit does not apply."""
    if not yaml.__with_libyaml__:
        return False
    try:
        from yaml import _yaml  # noqa: PLC0415  # the C extension, present with __with_libyaml__

        return tuple(_yaml.get_version()) >= (0, 2, 6)
    except (ImportError, AttributeError):
        return False


_TRUSTED_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = (
    yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
)
_LINE_LOADERS: tuple[type[yaml.SafeLoader] | type[yaml.CSafeLoader], ...] = (
    (yaml.CSafeLoader, yaml.SafeLoader) if _nesting_capped_libyaml() else (yaml.SafeLoader,)
)


class _StrictLoader(yaml.SafeLoader):
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:  # `<<: *anchor`, flattened by SafeLoader
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # a list or mapping as a key
                raise yaml.constructor.ConstructorError(
                    None, None, "found unhashable key", key_node.start_mark
                ) from None
            if duplicate:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str) -> Any:
    """Parse one YAML document; raises yaml.YAMLError with a line-numbered message, also for
    nesting too deep to parse, aliases that refer to themselves or expand beyond MAX_VALUES."""
    loader = _StrictLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise yaml.YAMLError("nested too deeply") from None
        if node is None:
            return None
        _check_expansion(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: Node) -> None:
    """Count the values the document stands for with aliases expanded (each shared node once,
    iteratively: no recursion limit), rejecting cycles and more than MAX_VALUES."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            if sizes[key] > MAX_VALUES:
                raise yaml.composer.ComposerError(
                    None, None, f"more than {MAX_VALUES} values once aliases are expanded", node.start_mark
                )
        elif key in on_path:
            raise yaml.composer.ComposerError(None, None, "alias refers to the value containing it", node.start_mark)
        elif key not in sizes:
            on_path.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node) if id(c) not in sizes)


def load_trusted(text: str) -> Any:
    """Parse a data file we ship (catalog, prices): not user input, so libyaml's loader when
    available (about ten times faster), PyYAML's SafeLoader otherwise. Same values either way."""
    return yaml.load(text, Loader=_TRUSTED_LOADER)  # noqa: S506  # a safe loader either way


def yaml_error_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    if context and problem.startswith("but "):  # "expected a single document ..., but found another"
        problem = f"{context}, {problem}"
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"invalid YAML: {where}{problem}"


def line_index(text: str, root_path: tuple[str, ...]) -> dict[tuple[str | int, ...], int]:
    """1-based line of every mapping value / sequence item below `root_path` (a chain of
    mapping keys from the document root), keyed by its path relative to that node.

    Runs on text `parse_yaml` accepted: composed with libyaml when available (nesting capped
    there), else, or if libyaml disagrees, with the pure-Python composer."""
    for loader in _LINE_LOADERS:
        try:
            node = yaml.compose(text, Loader=loader)
            break
        except (yaml.YAMLError, RecursionError):
            continue
    else:
        return {}
    for key in root_path:
        node = _child(node, key) if node is not None else None
    lines: dict[tuple[str | int, ...], int] = {}
    if node is not None:
        _walk(node, (), lines)
    return lines


def _child(node: Node, key: str) -> Node | None:
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key and isinstance(v, Node):
                return v
    return None


def _walk(node: Node, path: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode):
                child = (*path, k.value)
                lines[child] = k.start_mark.line + 1
                _walk(v, child, lines)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines)
