"""`python -m blueprint` is `mlbp`."""

from blueprint.cli import main

main()
