"""ML Platform Blueprints: blueprint loader, catalog, generator, offline engine and CLI."""

from importlib import metadata

try:
    __version__ = metadata.version("ml-platform-blueprints")
except metadata.PackageNotFoundError:  # running from a checkout without installing
    __version__ = "0.0.0+unknown"
