"""ML Platform Blueprints: blueprint loader, catalog, generator, offline engine and CLI."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # Looked up when asked for, not on import: `mlbp` takes Ctrl-C as its own before anything
    # heavy is imported (blueprint.__main__), and importlib.metadata is not light.
    if name != "__version__":
        raise AttributeError(f"module 'blueprint' has no attribute {name!r}")
    from importlib import metadata  # noqa: PLC0415

    try:
        return metadata.version("ml-platform-blueprints")
    except metadata.PackageNotFoundError:  # running from a checkout without installing
        return "0.0.0+unknown"
