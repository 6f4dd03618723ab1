"""Look up a resource's SDK class from its type token, to ask which properties it has.

Two ways to the same answer. Importing the SDK module and inspecting the class is the
reference, but a provider package imports every resource module of a cloud service on first
use (`pulumi_aws.ec2`: ~200 modules, ~0.6 s). So `resource_parameters` first reads the
parameter names from the class's own source file, found from the type token the way the SDK
generator names files, without executing the SDK; whenever the file, the class or its
`_internal_init` is not where the generator puts them, it imports and inspects as before.
tests/components/test_sdk.py holds both to the same answers.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import keyword
import re
from functools import cache
from pathlib import Path

__all__ = ["imported_parameters", "py_name", "resource_parameters", "source_parameters"]

_PACKAGES = {"aws": "pulumi_aws", "gcp": "pulumi_gcp", "azure-native": "pulumi_azure_native"}
_INIT = "_internal_init"
_STAR_IMPORT = re.compile(r"^from \.(\w+) import \*$", re.MULTILINE)
_TOP_LEVEL = re.compile(r"^\S", re.MULTILINE)
_METHOD = re.compile(rf"^    def {_INIT}\(", re.MULTILINE)
# The end of a signature: `):` or `) -> X:` closing a line (never inside generated argument lists).
_SIGNATURE_END = re.compile(r"\)(\s*->[^\n]*)?:[ \t]*(#[^\n]*)?$", re.MULTILINE)
# Python 2 and 3 keywords, which the generator suffixes with `_` (codegen `EnsureKeywordSafe`).
_KEYWORDS = frozenset(keyword.kwlist) | {"exec", "print"}


@cache
def resource_parameters(type_token: str) -> frozenset[str]:
    """Python parameter names of the resource's constructor (empty if unknown).

    `aws:s3/bucket:Bucket` -> pulumi_aws.s3.Bucket; `azure-native:storage:StorageAccount` ->
    pulumi_azure_native.storage.StorageAccount."""
    found = source_parameters(type_token)
    return found if found is not None else imported_parameters(type_token)


def _split(type_token: str) -> tuple[str, str, str] | None:
    """(SDK package, its module holding the class, class name); None for non-SDK types."""
    try:
        package, module, cls_name = type_token.split(":")
    except ValueError:
        return None
    root = _PACKAGES.get(package)
    return None if root is None else (root, module.split("/")[0], cls_name)


def imported_parameters(type_token: str) -> frozenset[str]:
    """The reference answer: import the SDK module and inspect the class (slow: runs the SDK)."""
    parts = _split(type_token)
    if parts is None:
        return frozenset()
    root, module, cls_name = parts
    try:
        mod = importlib.import_module(f"{root}.{module}")
        cls = getattr(mod, cls_name)
        params = inspect.signature(cls._internal_init).parameters
    except (ImportError, AttributeError, ValueError):
        return frozenset()
    return frozenset(params)


def source_parameters(type_token: str) -> frozenset[str] | None:
    """The same answer read from the SDK's source without executing it; None when the class is
    not exactly where the generator puts it (then only importing can tell)."""
    parts = _split(type_token)
    if parts is None:
        return None
    root, module, cls_name = parts
    if not (module.isidentifier() and cls_name.isidentifier()):
        return None
    folder = _package_dir(root)
    if folder is None:
        return None
    exported = _star_imports(folder / module)
    for stem in dict.fromkeys((py_name(cls_name), py_name(cls_name, legacy=True))):
        if stem in exported:
            found = _parameters_in(folder / module / f"{stem}.py", cls_name)
            if found is not None:
                return found
    return None


@cache
def _package_dir(root: str) -> Path | None:
    # find_spec of the top-level package only: for a subpackage it would run the parent's __init__.
    try:
        spec = importlib.util.find_spec(root)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def _star_imports(module_dir: Path) -> frozenset[str]:
    """The files the module's __init__ re-exports with `from .<file> import *`."""
    try:
        text = (module_dir / "__init__.py").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return frozenset()
    return frozenset(_STAR_IMPORT.findall(text))


def _parameters_in(path: Path, cls_name: str) -> frozenset[str] | None:
    """Parameter names of `cls_name._internal_init` as defined in the file `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    classes = list(re.finditer(rf"^class {cls_name}\b", text, re.MULTILINE))
    if len(classes) != 1:
        return None
    body_start = text.find("\n", classes[0].end()) + 1
    if body_start == 0:
        return None
    body_end = _TOP_LEVEL.search(text, body_start)  # the next top-level statement
    body = text[body_start : body_end.start() if body_end else len(text)]
    methods = list(_METHOD.finditer(body))
    if len(methods) != 1:
        return None
    start = methods[0].start()
    before = body[:start].rstrip().rsplit("\n", 1)[-1].strip()
    if before.startswith("@"):  # a decorator could change what inspect sees
        return None
    end = _SIGNATURE_END.search(body, methods[0].end())
    if end is None:
        return None
    try:
        tree = ast.parse(body[start + 4 : end.end()] + "\n    pass\n")
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        return None
    args = tree.body[0].args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return frozenset(names)


def py_name(name: str, *, legacy: bool = False) -> str:
    """The SDK generator's snake_case of a camelCase name (pulumi codegen `PyName`), which
    names each resource's module: `BucketV2` -> bucket_v2, `SSLPolicy` -> ssl_policy."""
    words: list[str] = []
    current = ""
    state = "first"
    for given in name:
        char = given if given.isalnum() or given == "_" else "_"
        if state == "first":
            if not (char.isalpha() or char == "_"):
                current += "_"
            state = "upper" if char.isupper() else "lower"
            current += char.lower()
        elif state == "upper":
            state = "acronym" if char.isupper() else "lower"
            current += char.lower()
        elif state == "acronym":
            if char.isupper():
                current += char.lower()
            elif char.isdigit() or (char == "s" and not legacy):
                state = "lower"
                current += char
            else:
                words.append(current[:-1])
                current = current[-1] + char
                state = "lower"
        elif char.isupper():
            words.append(current)
            current = char.lower()
            state = "upper"
        else:
            current += char
    if current:
        words.append(current)
    out = _join(words)
    return out + "_" if out in _KEYWORDS else out


def _join(words: list[str]) -> str:
    # As the generator does: an underscore before each word once there is text.
    out = ""
    for word in words:
        out = f"{out}_{word}" if out else word
    return out
