"""`mlbp new`: render a stack file from a preset and write it atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from blueprint.catalog import Cloud
from blueprint.loader import CONFIG_KEY, parse_blueprint
from blueprint.semantics import PROVIDER_REGION_KEY


def render_stack(blueprint: dict[str, Any], *, schema_ref: str) -> str:
    """The stack file text: a schema comment for editors, provider config, the blueprint."""
    cloud: Cloud = blueprint["cloud"]
    config: dict[str, Any] = {PROVIDER_REGION_KEY[cloud]: blueprint["region"]}
    if cloud == "gcp":
        config["gcp:project"] = blueprint["gcp"]["project"]
        # With `gcloud auth application-default login` (user credentials) some Google APIs
        # refuse calls that name no quota project: bill them to the stack's own project.
        config["gcp:userProjectOverride"] = True
        config["gcp:billingProject"] = blueprint["gcp"]["project"]
    if cloud == "azure":
        config["azure-native:subscriptionId"] = blueprint["azure"]["subscriptionId"]
    config[CONFIG_KEY] = blueprint
    body = yaml.safe_dump({"config": config}, sort_keys=False, width=100, default_flow_style=False)
    return f"# yaml-language-server: $schema={schema_ref}\n{body}"


def write_atomically(path: Path, text: str, *, overwrite: bool) -> None:
    """Write via a temporary file in the same folder and rename: readers never see half a
    file, and an interrupted run leaves the old file (or none) in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails with FileExistsError instead of clobbering a racing writer
            os.unlink(tmp)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def validate_generated(blueprint: dict[str, Any], source: str) -> None:
    """Generated blueprints go through the same loader as hand-written ones."""
    parse_blueprint(blueprint, source)
