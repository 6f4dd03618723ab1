"""`mlbp`: generate, validate and check ML platform blueprints without a cloud account.

Exit codes: 0 ok, 1 policy violations (check), 2 bad input or engine error."""

from __future__ import annotations

import gc
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.decorators import FC

from blueprint import __version__
from blueprint.catalog import CLOUDS, load_catalog
from blueprint.clierror import InputError
from blueprint.cliparams import MAX_TIMEOUT_SECONDS, FiniteFloatRange
from blueprint.cost.cli import cost_command
from blueprint.engine.reports import FORMATS
from blueprint.engine.workers import GC_THRESHOLDS
from blueprint.errors import BlueprintError
from blueprint.presets import PRESETS, build_preset, environment_of
from blueprint.project import Project, find_project, project_at
from blueprint.signals import install_handlers

if TYPE_CHECKING:
    from blueprint.engine.model import ResourceGraph
    from blueprint.loader import StackFile

# Commands import what they run when they run: `mlbp check` starts its synthesis workers
# first, so their start-up overlaps the engine's imports (pulumi, grpc, jsonschema).

EXIT_OK, EXIT_VIOLATIONS = 0, 1  # and 2 for bad input: InputError (blueprint.clierror)
STACK_NAME = re.compile(r"[A-Za-z0-9_.-]+")  # Pulumi's rule; also keeps `new` inside stacks/


@dataclass
class Context:
    """`--project-dir` as given; the project is found when a command first needs one, so
    `mlbp --project-dir X schema` does not depend on X."""

    project_dir: str | None
    _project: Project | None = None

    @property
    def project(self) -> Project:
        if self._project is None:
            try:
                self._project = find_project() if self.project_dir is None else project_at(Path(self.project_dir))
            except BlueprintError as exc:
                raise InputError(exc.problems) from None
        return self._project


pass_context = click.make_pass_decorator(Context)


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
_ALL_STACKS = click.option("--all", "all_stacks", is_flag=True, help="Every stacks/Pulumi.*.yaml.")


def _format_option(choices: tuple[str, ...], help: str, default: str = "text") -> Callable[[FC], FC]:
    return click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True, help=help)


def _resolve(c: Context, stacks: tuple[str, ...], all_stacks: bool) -> list[Path]:
    try:
        return c.project.resolve_stacks(stacks, all_stacks)
    except BlueprintError as exc:
        raise InputError(exc.problems) from None


def _load_each(c: Context, paths: list[Path], problems: list[str]) -> Iterator[tuple[str, StackFile]]:
    """(display name, stack file) of each file that loads; the others' problems go to `problems`."""
    from blueprint.loader import load_stack_file

    for path in paths:
        display = c.project.display(path)
        try:
            sf = load_stack_file(path, display, project=c.project.name)
        except BlueprintError as exc:
            problems.extend(exc.problems)
        else:
            yield display, sf


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="mlbp")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False),
    help="Checkout of the template (holding Pulumi.yaml). Default: found from the current folder upwards.",
)
@click.pass_context
def cli(ctx: click.Context, project_dir: str | None) -> None:
    """ML Platform Blueprints: one blueprint per environment (stacks/Pulumi.<env>.yaml) turned
    into a secure, cost-controlled ML platform on AWS, GCP or Azure.

    \b
    Exit codes: 0 ok, 1 policy violations, 2 bad input or engine error.
    """
    if project_dir == "":
        raise InputError(["--project-dir: empty folder name"])
    ctx.obj = Context(project_dir=project_dir)


@cli.command()
@click.argument("stack")
@click.option("--cloud", type=click.Choice(CLOUDS), required=True, help="Target cloud.")
@click.option("--region", required=True, help="Region, e.g. eu-west-1, europe-west4, westeurope.")
@click.option(
    "--preset",
    type=click.Choice(PRESETS),
    default="dev",
    show_default=True,
    help="training: A100-class pools scaling to zero; inference: L4/T4-class serving; dev: one small spot T4 pool.",
)
@click.option(
    "--environment",
    type=click.Choice(["dev", "staging", "prod"]),
    help="Default: guessed from STACK (…prod… -> prod, …stag… -> staging, else dev).",
)
@click.option(
    "--owner", default="ml-platform-team", show_default=True, help="Team or email; the owner tag and budget contact."
)
@click.option(
    "--cost-center", default="cc-0000", show_default=True, help="Cost-allocation code (tag and budget filter)."
)
@click.option(
    "--monthly-budget", type=FiniteFloatRange(min=0, min_open=True), help="Budget in USD/month. Default: by preset."
)
@click.option("--force", is_flag=True, help="Overwrite an existing stack file.")
@pass_context
def new(
    c: Context,
    stack: str,
    cloud: str,
    region: str,
    preset: str,
    environment: str | None,
    owner: str,
    cost_center: str,
    monthly_budget: float | None,
    force: bool,
) -> None:
    """Write stacks/Pulumi.STACK.yaml from a preset: a complete, policy-clean blueprint.

    \b
    Example: mlbp new aws-prod --cloud aws --region eu-west-1 --preset training
    """
    from blueprint.generator import WriteError, render_stack, validate_generated, write_file
    from blueprint.stacknames import stack_name_problems

    if not STACK_NAME.fullmatch(stack):  # before any path is built from it
        shown = stack.replace("\n", "\\n").replace("\r", "\\r")
        raise InputError([f"{shown}: not a stack name (letters, digits, '-', '_' and '.' only)"])
    name_problems = stack_name_problems(stack, cloud, project=c.project.name)
    if name_problems:
        raise InputError(name_problems)
    path = c.project.stack_path(stack)
    display = c.project.display(path)
    if os.path.lexists(path) and not force:
        raise InputError([f"{display}: already exists; use --force to overwrite"])
    try:
        blueprint = build_preset(
            preset=preset,  # type: ignore[arg-type]
            cloud=cloud,  # type: ignore[arg-type]
            region=region,
            environment=environment or environment_of(stack),  # type: ignore[arg-type]
            owner=owner,
            cost_center=cost_center,
            monthly_budget_usd=monthly_budget,
        )
        validate_generated(blueprint, display)
    except BlueprintError as exc:
        raise InputError(exc.problems) from None
    try:
        text = render_stack(blueprint, schema_ref="../blueprint/schema.json")
        write_file(path, text, overwrite=force, display=display)
    except WriteError as exc:
        raise InputError([str(exc)]) from None
    click.echo(f"wrote {display} ({preset} preset, {cloud} {region}); next: mlbp validate {stack}")


@cli.command()
@click.argument("stacks", nargs=-1)
@_ALL_STACKS
@pass_context
def validate(c: Context, stacks: tuple[str, ...], all_stacks: bool) -> None:
    """Validate stack blueprints against the schema, the catalog and the cross-field rules.

    STACKS are names (aws-prod -> stacks/Pulumi.aws-prod.yaml) or paths. Every problem of
    every stack is printed as `file: $.path: message`; exit code 2 if there is any.
    """
    problems: list[str] = []
    for display, sf in _load_each(c, _resolve(c, stacks, all_stacks), problems):
        bp = sf.blueprint
        click.echo(
            f"ok  {display}: {bp.cloud} {bp.region} {bp.environment}, {len(bp.gpu_pools)} GPU pools, "
            f"{len(bp.buckets)} buckets, budget ${bp.budget.monthly_limit_usd:,.0f}/month"
        )
    if problems:
        raise InputError(problems)


@cli.command()
@click.argument("stack")
@_format_option(("text", "json"), "text: a tree by parent with counts per type; json: every resource with its inputs.")
@pass_context
def plan(c: Context, stack: str, fmt: str) -> None:
    """Show what STACK would deploy: the Pulumi program synthesized offline under mocks.

    No cloud credentials and no Pulumi CLI are needed; computed values (ids, ARNs) are
    realistic stand-ins.
    """
    from blueprint.engine.plan import plan_json, plan_text

    result = _synthesize_one(c, stack)
    click.echo(plan_json(result) if fmt == "json" else plan_text(result), nl=False)


@cli.command()
@click.argument("stacks", nargs=-1)
@_ALL_STACKS
@click.option(
    "--policy-pack",
    "pack_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="CrossGuard pack folder (Python or Node). Default: the project's policies/.",
)
@click.option(
    "--policy-pack-config",
    "pack_config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config for every stack, as for pulumi --policy-pack-config. "
    "Default: <pack>/config/<environment>.json per stack, if present.",
)
@_format_option(
    FORMATS,
    "sarif for code scanning, junit for test reports, markdown for a PR comment, github for workflow annotations.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="Write the report here (atomically) instead of standard output. A FIFO or a character "
    "device (/dev/stdout) is written through, never replaced.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="cores",
    help="Stacks synthesized and analyzed in parallel.",
)
@click.option(
    "--timeout",
    type=FiniteFloatRange(min=0, min_open=True, max=MAX_TIMEOUT_SECONDS),
    default=120.0,
    show_default=True,
    help="Seconds each stack may take, synthesis and policy pack together, before the check fails.",
)
@click.option(
    "--compare",
    metavar="GIT_REF",
    help="Also price each stack file at this git revision and let the cost-increase-threshold policy "
    "flag a larger increase (e.g. origin/main in a pull request).",
)
@pass_context
def check(
    c: Context,
    stacks: tuple[str, ...],
    all_stacks: bool,
    pack_dir: Path | None,
    pack_config: Path | None,
    compare: str | None,
    fmt: str,
    output: str | None,
    jobs: int,
    timeout: float,
) -> None:
    """Check stacks against the policy pack offline: no cloud credentials, no Pulumi CLI.

    Each stack is synthesized under Pulumi's mocks and the pack is run over Pulumi's analyzer
    protocol, exactly as `pulumi preview --policy-pack` would. Exit 0 when no mandatory policy
    is violated, 1 when one is, 2 on bad input or when the pack crashes, hangs or misbehaves
    (the check never reports a clean result it did not get).
    """
    from blueprint.engine.workers import SynthesisPool

    paths = _resolve(c, stacks, all_stacks)
    _check_pack_dir(pack_dir)
    if output is not None:
        _write_output(output, None)  # a destination that cannot be written fails before the check runs
    with SynthesisPool(c.project.root, jobs=jobs, expected=len(paths)) as pool:
        from blueprint.engine.check import CheckError, CheckOptions, run_check
        from blueprint.engine.reports import as_text, render

        options = CheckOptions(
            pack_dir=pack_dir or c.project.policies_dir,
            pack_config=pack_config,
            jobs=jobs,
            timeout=timeout,
            compare_ref=compare,
        )
        show_progress = sys.stderr.isatty()
        try:
            report = run_check(
                c.project,
                paths,
                options,
                progress=lambda line: click.echo(line, err=True) if show_progress else None,
                pool=pool,
            )
        except CheckError as exc:
            raise InputError(exc.problems) from None
    color = fmt == "text" and output is None and sys.stdout.isatty()
    text = as_text.render(report, color=color) if fmt == "text" else render(report, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        _write_output(output, text)
        click.echo(f"wrote {output} ({fmt})", err=True)
    sys.exit(report.exit_code())


@cli.command()
@click.argument("stack")
@_format_option(("mermaid", "dot"), "mermaid renders in GitHub PR comments; dot is for Graphviz.", default="mermaid")
@pass_context
def graph(c: Context, stack: str, fmt: str) -> None:
    """Draw STACK's resources: components contain their resources (solid arrows), dashed
    arrows are dependencies. Synthesized offline, like `mlbp plan`."""
    from blueprint.engine.graph import dot, mermaid

    resource_graph = _synthesize_one(c, stack)
    click.echo(mermaid(resource_graph) if fmt == "mermaid" else dot(resource_graph), nl=False)


@cli.command("stacks")
@_format_option(("text", "json"), "json: a list for a CI matrix, [{stack, file, cloud, environment, region}].")
@pass_context
def stacks_cmd(c: Context, fmt: str) -> None:
    """List the stacks in stacks/ with their cloud, environment and region (validated)."""
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    for display, sf in _load_each(c, _resolve(c, (), True), problems):
        bp = sf.blueprint
        rows.append(
            {
                "stack": sf.name,
                "file": display,
                "cloud": bp.cloud,
                "environment": bp.environment,
                "region": bp.region,
            }
        )
    if problems:
        raise InputError(problems)
    if fmt == "json":
        click.echo(json.dumps(rows))
    else:
        for row in rows:
            click.echo(f"{row['stack']:20} {row['cloud']:6} {row['environment']:8} {row['region']}")


@cli.command("schema")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="Write to this file (for editors) instead of standard output.",
)
def schema_cmd(output: str | None) -> None:
    """Print the blueprint JSON Schema (draft 2020-12), for editors and other tools."""
    from blueprint.schema import schema

    text = json.dumps(schema(), indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        _write_output(output, text)
        click.echo(f"wrote {output}", err=True)


@cli.command()
@click.option("--cloud", type=click.Choice(CLOUDS), help="Only this cloud.")
def catalog(cloud: str | None) -> None:
    """List the GPUs (neutral names), their machines per cloud, and the regions."""
    cat = load_catalog()
    for c in [cloud] if cloud else CLOUDS:
        click.echo(f"{c}: regions {', '.join(cat.regions[c])}")  # type: ignore[index]
        for accel in cat.accelerators_on(c):  # type: ignore[arg-type]
            offers = ", ".join(f"{o.gpus}x {o.name}" for o in cat.accelerator_offers(accel, c))  # type: ignore[arg-type]
            click.echo(f"  {accel:10} {offers}")


cli.add_command(cost_command)
# Every command carries the settings itself, not only through the group: click caches a
# command's help option the first time it is built, also when the command runs on its own.
for _command in cli.commands.values():
    _command.context_settings = {**CONTEXT_SETTINGS, **_command.context_settings}


def _check_pack_dir(pack_dir: Path | None) -> None:
    """`--policy-pack DIR` that cannot be a pack: one line now, not one per stack later."""
    if pack_dir is None:
        return  # the project's own policies/ (a broken one fails the check closed, per stack)
    label = f"{pack_dir}: --policy-pack"
    try:
        is_dir = pack_dir.is_dir()
        has_spec = is_dir and (pack_dir / "PulumiPolicy.yaml").is_file()
    except OSError as exc:  # a name too long
        raise InputError([f"{label}: cannot read: {exc.strerror or exc}"]) from None
    if not is_dir:
        raise InputError([f"{label}: {'not a folder' if os.path.lexists(pack_dir) else 'no such folder'}"])
    if not has_spec:
        raise InputError([f"{label}: no PulumiPolicy.yaml in this folder (not a CrossGuard policy pack)"])


def _write_output(output: str, text: str | None) -> None:
    """`-o FILE` of every command: one writer, one line for whatever goes wrong (exit 2).
    Without text: only check that FILE could be written."""
    from blueprint.generator import WriteError, check_writable, write_file

    if not output:
        raise InputError(["--output: empty file name"])
    try:
        if text is None:
            check_writable(Path(output), devices=True)
        else:
            write_file(Path(output), text, devices=True)
    except WriteError as exc:
        raise InputError([str(exc)]) from None


def _synthesize_one(c: Context, stack: str) -> ResourceGraph:
    from blueprint.engine.workers import SynthError, SynthesisPool

    # The worker starts first, so its start-up overlaps validating the stack file.
    with SynthesisPool(c.project.root, jobs=1, expected=1) as pool:
        from blueprint.loader import load_stack_file

        (path,) = _resolve(c, (stack,), False)
        try:
            sf = load_stack_file(path, c.project.display(path), project=c.project.name)
        except BlueprintError as exc:
            raise InputError(exc.problems) from None
        try:
            return pool.submit(sf.name, sf.config, c.project.display(path)).graph()
        except SynthError as exc:
            raise InputError([str(exc)]) from None


def main() -> None:
    install_handlers()  # done already by `mlbp` (blueprint.__main__); not by callers of this one
    gc.set_threshold(*GC_THRESHOLDS)  # see blueprint.engine.workers
    cli.main(prog_name="mlbp", standalone_mode=True)
