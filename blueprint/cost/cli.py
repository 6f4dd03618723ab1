"""`mlbp cost STACK [--format text|json|markdown] [--compare GIT_REF]`.

Registered by the main CLI group with `cli.add_command(cost_command)`. Exit codes: 0 priced
(whatever the budget says; the policy pack enforces the budget), 2 bad input (unknown stack,
invalid stack file, bad git ref, the program failing under mocks)."""

from __future__ import annotations

from pathlib import Path

import click

from blueprint.clierror import InputError
from blueprint.errors import BlueprintError
from blueprint.project import Project, find_project


def _project(ctx: click.Context) -> Project:
    obj = ctx.find_root().obj
    project = getattr(obj, "project", None)
    return project if isinstance(project, Project) else find_project()


@click.command("cost")
@click.argument("stack")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for terminals, json for machines, markdown for a PR comment.",
)
@click.option(
    "--compare",
    "ref",
    metavar="GIT_REF",
    help="Also price the same stack file at this git revision and show what changed.",
)
@click.pass_context
def cost_command(ctx: click.Context, stack: str, fmt: str, ref: str | None) -> None:
    """Estimate STACK's monthly cost from what it will deploy, against its budget.

    The stack is synthesized offline (like `mlbp plan`) and every priced resource is shown
    low (minimum nodes) / expected (the blueprint's expected averages) / high (maximum nodes)
    for a 730-hour month, with the arithmetic behind each figure. Prices come from
    blueprint/data/prices/<cloud>.yaml, each with its source and date; a price that is not
    there is a note, never a silent zero.
    """
    # Imported here: the main CLI registers this command without paying for the cost model.
    from blueprint.cost import render
    from blueprint.cost.compare import CompareError, diff, estimate_at_ref
    from blueprint.cost.estimator import estimate
    from blueprint.engine.workers import SynthError, synthesize_stacks
    from blueprint.loader import load_stack_file

    project = _project(ctx)
    try:
        (path,) = project.resolve_stacks((stack,), False)
        display = project.display(path)
        blueprint = load_stack_file(path, display, project=project.name).blueprint
    except BlueprintError as exc:
        raise InputError(exc.problems) from None
    (result,) = synthesize_stacks(project.root, [path], jobs=1, sources={path: display})
    if isinstance(result, SynthError):
        raise InputError([str(result)])
    current = estimate(result, blueprint)
    if ref is None:
        out = {"text": render.text, "json": render.as_json, "markdown": render.markdown}[fmt](current)
        click.echo(out, nl=False)
        return
    try:
        old = estimate_at_ref(project.root, Path(path), ref)
    except CompareError as exc:
        raise InputError([str(exc)]) from None
    comparison = diff(ref, old, current)
    out = {"text": render.compare_text, "json": render.compare_json, "markdown": render.compare_markdown}[fmt](
        comparison
    )
    click.echo(out, nl=False)
