"""``frontdesk …`` commands. Thin: parse options, call the library, print.

Heavy modules (the eval stack, litellm) are imported inside commands so ``--help`` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from typer.core import TyperCommand, TyperOption

app = typer.Typer(
    name="frontdesk",
    help="Evaluate tool-using agents against simulated customers; report pass^k.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True, soft_wrap=True)  # an error stays one line, however narrow the terminal

# `frontdesk run` option -> RunConfig field (dotted: inside ``limits``). Options default to None, so
# RunConfig alone holds the defaults; the help shows them (read when `run --help` is rendered).
RUN_FIELDS = {
    "agent_strategy": "agent_strategy",
    "user_strategy": "user_strategy",
    "trials": "trials",
    "split": "split",
    "concurrency": "concurrency",
    "seed": "seed",
    "max_turns": "limits.max_turns",
    "max_tool_errors": "limits.max_tool_errors",
    "timeout": "limits.timeout_s",
    "agent_temperature": "agent_temperature",
    "user_temperature": "user_temperature",
    "judge": "judge",
    "max_cost": "max_cost_usd",
    "transport": "transport",
    "max_calls_in_flight": "max_calls_in_flight",
    "rpm": "requests_per_minute",
    "call_timeout": "call_timeout_s",
    "max_retries": "max_retries",
    "workers": "workers",
    "executor": "executor",
    "ray_address": "ray_address",
}


def _draw_sample(spec: str, seed: int) -> Any:
    """``POPULATION:N`` → the seeded stratified draw (frontdesk/simulators/population.py)."""
    from frontdesk.errors import ConfigError
    from frontdesk.simulators import draw_personas, resolve_population

    name, _, count = spec.rpartition(":")
    if not name or not count.isdigit() or int(count) < 1:
        raise ConfigError(
            f"--persona-sample {spec!r}: give POPULATION:N, e.g. us-adults:12 or my-population.yaml:20 (N ≥ 1)"
        )
    return draw_personas(resolve_population(name), int(count), seed)


class _RunCommand(TyperCommand):
    """Shows RunConfig's defaults in ``run --help`` without importing it for every command."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from frontdesk.eval.config import run_defaults

        defaults = run_defaults()
        for param in self.params:
            value = defaults.get({**RUN_FIELDS, "agent": "agent", "user": "user"}.get(param.name or "", ""))
            if isinstance(param, TyperOption) and value is not None:
                param.show_default = str(value)
        # Plain help: rich's option table cuts long option names ("--max-calls-in-flig…") on an
        # 80-column terminal, and an option that cannot be read cannot be typed.
        self.rich_markup_mode = None
        super().format_help(ctx, formatter)


def _parse_params(items: list[str]) -> dict[str, Any]:
    from frontdesk.errors import ConfigError

    params: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--llm-param {item!r} must look like KEY=VALUE, e.g. max_tokens=512")
        try:
            params[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            params[key.strip()] = raw  # a bare string such as api_base=http://localhost:8000
    return params


@app.command(cls=_RunCommand)
def run(
    domain: str = typer.Option(..., "--domain", "-d", help="Domain to run (see `frontdesk domains`)."),
    agent: str | None = typer.Option(
        None,
        "--agent",
        help="Agent under test: a litellm model string (e.g. openai/gpt-4o-mini), scripted/oracle, scripted/null "
        "or scripted/learner (for --sequential: learns from its memory notes).",
    ),
    user: str | None = typer.Option(
        None, "--user", help="Simulated customer: a litellm model string or scripted/user."
    ),
    agent_strategy: str | None = typer.Option(None, help="How an LLM agent is driven."),
    user_strategy: str | None = typer.Option(None, help="How an LLM customer is driven: plain, think or verify."),
    trials: int | None = typer.Option(None, "--trials", "-k", min=1, help="Trials per task (k for pass^k)."),
    task: list[str] = typer.Option([], "--task", "-t", help="Run only this task id (repeatable)."),
    split: str | None = typer.Option(None, help="Run only tasks of this split: train or test."),
    concurrency: int | None = typer.Option(None, "--concurrency", "-c", min=1, help="Trials running at once."),
    seed: int | None = typer.Option(None, help="Run seed; each trial's seed derives from (seed, task, trial)."),
    out_dir: Path | None = typer.Option(
        None, "--out", "-o", help="Run folder. Default: runs/<domain>-<agent>-<user>-<config hash>."
    ),
    max_turns: int | None = typer.Option(
        None, min=2, help="Agent and user messages per trial before it ends as max_turns."
    ),
    max_tool_errors: int | None = typer.Option(None, min=1, help="Failed agent tool calls before a trial ends."),
    timeout: float | None = typer.Option(None, min=1.0, help="Wall-clock seconds per trial."),
    agent_temperature: float | None = typer.Option(None, help="Sampling temperature of an LLM agent."),
    user_temperature: float | None = typer.Option(None, help="Sampling temperature of an LLM customer."),
    llm_param: list[str] = typer.Option(
        [], "--llm-param", help="Extra litellm parameter KEY=VALUE for every model call (repeatable)."
    ),
    persona: list[str] = typer.Option(
        [], "--persona", "-p", help="Customer persona by name (repeatable); 'all' runs every library persona."
    ),
    persona_file: list[Path] = typer.Option([], "--persona-file", help="A persona YAML file of your own (repeatable)."),
    persona_sample: str | None = typer.Option(
        None,
        "--persona-sample",
        metavar="POPULATION:N",
        help="Draw N personas to match a population (a shipped one: us-adults, global-telecom; or a YAML file), "
        "stratified and seeded by --seed; the draw is recorded and `report` post-stratifies by it.",
    ),
    judge: str | None = typer.Option(
        None, "--judge", help="Model that scores tasks' judged assertions: any litellm model string."
    ),
    max_cost: float | None = typer.Option(
        None, "--max-cost", min=0.0, help="Stop starting trials once this invocation has spent this many USD."
    ),
    cache: bool = typer.Option(
        False, "--cache", help="Replay identical model requests of the same trial from runs/.response-cache."
    ),
    transport: str | None = typer.Option(
        None,
        help="How model calls travel: auto (openai-http for openai/<name> and OpenAI's own models except its "
        "reasoning ones, and for a bare name litellm does not know given --llm-param api_base; litellm for every "
        "other model), litellm (any provider) or openai-http (OpenAI-compatible endpoints only: vLLM, SGLang, "
        "OpenAI; a fraction of the CPU per call). The manifest records the one each model's calls took.",
    ),
    max_calls_in_flight: int | None = typer.Option(None, min=1, help="Model calls at once, per provider."),
    rpm: float | None = typer.Option(None, "--rpm", min=0.001, help="Requests per minute, per provider."),
    call_timeout: float | None = typer.Option(
        None, min=0.1, help="Seconds before a model call is abandoned and retried."
    ),
    max_retries: int | None = typer.Option(None, min=0, help="Retries of a transient provider failure per call."),
    workers: int | None = typer.Option(None, min=1, help="Worker processes (or Ray actors) sharing the trials."),
    executor: str | None = typer.Option(None, help="Where trials run: local (this machine) or ray."),
    ray_address: str | None = typer.Option(None, help="Address of an existing Ray cluster (with --executor ray)."),
    ratings: str | None = typer.Option(
        None,
        "--ratings",
        help="on: after each scored trial the customer rates the conversation (1-7 on six dimensions), beside "
        "the reward, never in it; an LLM customer makes one more call per trial. off: skip it.",
    ),
    sequential: bool = typer.Option(
        False,
        "--sequential",
        help="One agent serves each queue of customers in order, on one database that persists along the queue; "
        "each trial is one order of the same customers (pass^k over orders). Reports the learning curve and leaks.",
    ),
    queue_size: int | None = typer.Option(
        None,
        "--queue-size",
        min=1,
        help="With --sequential: customers per queue, a seeded draw of customers whose requests do not collide "
        "(returning customers with the conversation they follow); default: all selected tasks.",
    ),
    queue_order: str | None = typer.Option(
        None,
        "--queue-order",
        metavar="shuffled|by-tag|FILE",
        help="With --sequential: shuffled (a seeded order per trial, the default), by-tag (customers grouped by "
        "their first tag) or a YAML/JSON file of orders, {orders: [[task ids], ...]}, one per trial.",
    ),
    memory: str | None = typer.Option(
        None,
        "--memory",
        help="With --sequential: on (the default) gives the agent note_write, note_search and note_read, kept "
        "across the queue; off leaves them out, for the gain from memory (`frontdesk compare` the two runs).",
    ),
    allow_missing_keys: bool = typer.Option(
        False, "--allow-missing-keys", help="Start even if a provider's API key variable is not set."
    ),
    repair: bool = typer.Option(
        False,
        "--repair",
        help="Rebuild a lost manifest from these options and set aside unreadable or foreign trial lines "
        "(to trials.rejected.jsonl), keeping every good trial; then resume.",
    ),
) -> None:
    """Run tasks × trials and print pass^1..k. Rerunning the same command resumes."""
    import gc

    # Start-up builds the domain, its tasks and goals and many model classes: at CPython's default
    # thresholds the collector runs hundreds of times over that growing heap before the first model
    # call (~80 ms of a 0.6 s launch). These are the thresholds trials run under
    # (frontdesk/eval/gc_pauses.py: RUN_THRESHOLDS), set before the eval stack is imported.
    gc.set_threshold(50_000, 20, 100)
    from frontdesk.api import default_run_folder
    from frontdesk.errors import ConfigError
    from frontdesk.eval import RunConfig, execute_plan, plan_run
    from frontdesk.simulators import resolve_personas

    given = dict(locals())
    fields: dict[str, Any] = {"domain": domain}
    if agent is not None:
        fields["agent"] = agent
    if user is not None:
        fields["user"] = user
    for option, field in RUN_FIELDS.items():
        if given[option] is not None:
            head, _, tail = field.partition(".")
            if tail:
                fields.setdefault(head, {})[tail] = given[option]
            else:
                fields[field] = given[option]
    if ratings is not None:
        if ratings not in ("on", "off"):
            raise ConfigError(f"--ratings must be 'on' or 'off', not {ratings!r}")
        fields["ratings"] = ratings == "on"
    fields["llm_params"] = _parse_params(llm_param)
    fields["task_ids"] = task or None
    if sequential:
        fields["sequential"] = _sequential_fields(queue_size, queue_order, memory)
        orders = fields["sequential"].get("orders")
        if orders is not None and trials is None:
            fields["trials"] = len(orders)  # one trial per order in the file
    elif queue_size is not None or queue_order is not None or memory is not None:
        raise ConfigError("--queue-size, --queue-order and --memory shape a sequential run: add --sequential")
    if persona_sample is not None:
        if persona or persona_file:
            raise ConfigError("--persona-sample draws the personas: give it without --persona or --persona-file")
        sample = _draw_sample(persona_sample, given["seed"] or 0)
        fields["personas"], fields["persona_sample"] = sample.resolve(), sample
    else:
        fields["personas"] = resolve_personas(persona, persona_file)
    if max_cost == 0:
        fields.pop("max_cost_usd", None)  # 0 means no cap, as before
    config = RunConfig.from_options(option_names={v: k for k, v in RUN_FIELDS.items()}, **fields)
    if cache:
        root = out_dir.parent if out_dir else Path("runs")
        config = config.model_copy(update={"cache_dir": str(root / ".response-cache")})
    if out_dir is None:
        out_dir = default_run_folder(config)
    plan = plan_run(config, out_dir, allow_missing_keys=allow_missing_keys, repair=repair)
    if agent is None and user is None:
        err.print(
            "[yellow]No --agent/--user given: running offline with scripted/oracle + scripted/user.[/]\n"
            "To evaluate a real model: frontdesk run --domain "
            f"{escape(domain)} --agent openai/gpt-4o-mini --user openai/gpt-4o-mini --trials 4"
        )
    for warning in plan.warnings:
        err.print(Text.assemble(("warning: ", "yellow"), warning))
    if plan.already_done:
        err.print(Text(f"Resuming {out_dir}: {plan.already_done} of {plan.total} trials already done."))
    import asyncio

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as progress:
        bar = progress.add_task(escape(f"{domain} trials"), total=plan.total, completed=plan.already_done, status="")
        passed = failed = lost = 0

        def on_result(result: Any) -> None:
            nonlocal passed, failed, lost
            reward = getattr(result, "reward", None)
            if reward is None:
                lost += 1
            elif reward >= 1.0:
                passed += 1
            else:
                failed += 1
            progress.update(bar, advance=1, status=f"pass {passed} · fail {failed} · not scored {lost}")

        plan.on_notice = lambda message: progress.console.print(Text.assemble(("warning: ", "yellow"), message))
        try:
            asyncio.run(execute_plan(plan, on_result))
        except KeyboardInterrupt:
            progress.stop()
            err.print(
                Text.assemble(
                    ("Interrupted.", "yellow"),
                    f" Finished trials are saved in {out_dir}; rerun the same command to resume.",
                )
            )
            raise typer.Exit(130) from None
    # Imported once the trials have run: pandas and the report stack are not needed before the first model call.
    from frontdesk.eval import load_run
    from frontdesk.eval.terminal import run_summary
    from frontdesk.eval.trust import report_notes

    view = load_run(out_dir)
    out.print(run_summary(view))
    out.print(report_notes(view))  # the same lines as `frontdesk report`
    out.print(Text(f"Run folder: {out_dir}"), soft_wrap=True)
    if plan.skipped_for_budget:
        err.print(
            Text.assemble(
                ("Budget reached", "yellow"),
                f": spent ${plan.spent_usd:.4f} of ${max_cost:.4f}; {plan.skipped_for_budget} trial(s) not started. "
                "Rerun the same command to continue.",
            )
        )
    if max_cost and plan.unpriced_calls:
        err.print(
            Text.assemble(
                ("warning: ", "yellow"), f"{plan.unpriced_calls} call(s) had no known price and are not in the budget."
            )
        )
    if view.summary.trials_pending:
        err.print(
            Text.assemble(
                (f"{view.summary.trials_pending} trial(s) not finished", "yellow"),
                " (see the infra errors above); rerun the same command to retry them.",
            )
        )
        raise typer.Exit(1)
    out.print(
        Text(f"Next: frontdesk report {out_dir} --html  (transcripts, failures, per-persona table)"), soft_wrap=True
    )


def _sequential_fields(queue_size: int | None, queue_order: str | None, memory: str | None) -> dict[str, Any]:
    from frontdesk.errors import ConfigError
    from frontdesk.eval.queue import read_queue_orders

    fields: dict[str, Any] = {"queue_size": queue_size}
    if memory is not None:
        if memory not in ("on", "off"):
            raise ConfigError(f"--memory must be 'on' or 'off', not {memory!r}")
        fields["memory"] = memory == "on"
    if queue_order in (None, "shuffled", "by-tag"):
        fields["order"] = queue_order or "shuffled"
    elif Path(queue_order).is_file():
        fields["order"], fields["orders"] = "file", read_queue_orders(Path(queue_order))
    else:
        raise ConfigError(
            f"--queue-order {queue_order!r} is neither shuffled, by-tag nor a file that exists; "
            "a file holds {orders: [[task ids], ...]}"
        )
    return fields


@app.command()
def report(
    run_dirs: list[Path] = typer.Argument(
        ..., help="Run folder(s) written by `frontdesk run`; several are pooled (disjoint tasks, same config)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    html: bool = typer.Option(
        False, "--html", help="Also write a self-contained report.html into the (first) run folder."
    ),
) -> None:
    """Print a run's pass^k table from disk (works on finished and interrupted runs)."""
    from frontdesk.eval import pool_runs
    from frontdesk.eval.terminal import run_summary

    view = pool_runs(run_dirs)
    if as_json:
        out.print_json(view.summary.model_dump_json())
    else:
        from frontdesk.eval.trust import report_notes

        out.print(run_summary(view))
        out.print(report_notes(view))  # noise floor, flip rate, interval label, triage counts
    if html:
        from frontdesk.eval.html_report import write_html_report

        out.print(Text(f"HTML report: {write_html_report(view)}"))


@app.command()
def compare(
    run_a: Path = typer.Argument(..., help="The baseline run folder (A)."),
    run_b: Path = typer.Argument(..., help="The run compared with it (B); differences are B − A."),
    force: bool = typer.Option(
        False, "--force", help="Compare even if the task sets, simulated customer or judge differ (shared tasks only)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
) -> None:
    """Is B's pass^k different from A's? Paired by task, with a paired bootstrap 95% interval."""
    from frontdesk.eval import load_run
    from frontdesk.eval.compare import compare_runs
    from frontdesk.eval.terminal import comparison

    view_a, view_b = load_run(run_a), load_run(run_b)
    c = compare_runs(view_a, view_b, force=force)
    if as_json:
        out.print_json(c.model_dump_json())
        return
    for reason in c.overridden:
        err.print(Text.assemble(("warning: ", "yellow"), f"compared anyway (--force): {reason}"))
    out.print(comparison(c))
    from frontdesk.eval.trust import comparison_notes

    out.print(comparison_notes(view_a, view_b, c))  # each difference beside its noise floor


@app.command()
def arena(
    run_dirs: list[Path] = typer.Argument(..., help="Two or more run folders of one domain; each is one agent."),
    prefer: str = typer.Option(
        "none",
        "--prefer",
        help="When both rewards are equal: none (a tie), ratings (the customer's overall rating decides) "
        "or judge (a preference judge model, --judge, decides).",
    ),
    judge: str | None = typer.Option(
        None, "--judge", help="Preference judge for --prefer judge: any litellm model string."
    ),
    next_n: int = typer.Option(
        0, "--next", min=0, help="Propose the N most informative (agent pair, task, persona) cells to play next."
    ),
    run_next: bool = typer.Option(
        False,
        "--run",
        help="With --next: play the proposed cells (one trial of each agent, into <run>-arena-<n> beside each run), "
        "then print the updated leaderboard.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the leaderboard as JSON."),
    html_path: Path | None = typer.Option(None, "--html", help="Also write a standalone HTML leaderboard page here."),
) -> None:
    """Rate agents against each other on the same trials (openskill ratings), and say what to run next."""
    from frontdesk.errors import ConfigError
    from frontdesk.eval.arena import PREFERS
    from frontdesk.eval.arena_run import build_arena, run_proposals
    from frontdesk.eval.arena_view import arena_table, write_arena_html

    if prefer not in PREFERS:
        raise ConfigError(f"--prefer {prefer!r}: choose none, ratings or judge")
    if run_next and not next_n:
        raise ConfigError("--run plays the cells --next N proposes: pass --next N too")
    cache: dict[Any, Any] = {}
    result = build_arena(run_dirs, prefer=prefer, judge=judge, next_n=next_n, judge_cache=cache)  # type: ignore[arg-type]
    if run_next:
        played = run_proposals(run_dirs, result.proposals, announce=lambda line: err.print(Text(line), soft_wrap=True))
        if not played.folders:
            err.print(Text("no proposed cell could be played here; the leaderboard is unchanged"))
        result = build_arena(run_dirs, prefer=prefer, judge=judge, next_n=next_n, judge_cache=cache)  # type: ignore[arg-type]
    if as_json:
        out.print_json(result.model_dump_json())
    else:
        out.print(arena_table(result))
    if html_path is not None:
        page = write_arena_html(result, html_path)
        (err if as_json else out).print(Text(f"HTML leaderboard: {page}"), soft_wrap=True)
    if run_next and not played.folders:
        raise typer.Exit(1)


@app.command()
def repair(run_dir: Path = typer.Argument(..., help="Run folder written by `frontdesk run`.")) -> None:
    """Move unreadable or repeated lines of trials.jsonl to trials.rejected.jsonl, keeping every good trial."""
    from frontdesk.eval.store import REJECTED, RunStore

    store = RunStore(run_dir)
    if not store.manifest_path.exists() and store.trials_path.exists():
        from frontdesk.errors import RunFolderError

        raise RunFolderError(
            f"{run_dir} has no manifest.json; rerun the original `frontdesk run … --out {run_dir}` command "
            "with --repair to rebuild it from those options (trials it could not have produced are set aside)"
        )
    store.read_manifest()  # a folder that is not a run is refused here
    store.lock()
    try:
        moved = store.quarantine()
        store.prepare_append()
    finally:
        store.unlock()
    kept = len(store.records())
    if moved:
        out.print(Text(f"Moved {moved} line(s) to {run_dir / REJECTED}; kept {kept} trial(s). Rerun to resume."))
    else:
        out.print(Text(f"Nothing to repair: {kept} trial(s), every line readable."))


@app.command()
def export(
    run_dir: Path = typer.Argument(..., help="Run folder written by `frontdesk run`."),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv, parquet (needs frontdesk\\[parquet]) or jsonl."),
    out_path: Path | None = typer.Option(
        None, "--out", "-o", help="File to write. Default: trials_table.<format> in the run folder."
    ),
) -> None:
    """Write one row per trial (task, persona, outcome, components, tokens, cost, latency) to a file."""
    from frontdesk.eval import load_run
    from frontdesk.eval.export import check_format, export_trials

    check_format(fmt)  # before reading the run: a bad format is reported first
    path = export_trials(load_run(run_dir), fmt, out_path)
    out.print(Text(f"Wrote {path}"))


@app.command()
def validate(
    domain: list[str] = typer.Option([], "--domain", "-d", help="Domain to validate (repeatable; default: all)."),
) -> None:
    """Check every task: gold actions run, writes change the state, oracle + scripted user pass."""
    from frontdesk.envs import domain_names, get_domain
    from frontdesk.errors import FrontdeskError
    from frontdesk.eval import validate as validate_domain

    names = domain or domain_names()
    broken = 0
    for name in names:
        try:
            with err.status(Text(f"validating {name}…")):  # the larger domains take tens of seconds
                loaded = get_domain(name)
                checks = validate_domain(loaded)
        except FrontdeskError as e:  # one broken domain must not stop the others' checks
            broken += 1
            out.print(Text.assemble(f"{name}: ", ("cannot load", "red"), f": {e}"))
            continue
        bad = [c for c in checks if not c.ok]
        broken += len(bad)
        status = ("ok", "green") if not bad else (f"{len(bad)} broken", "red")
        out.print(Text.assemble(f"{name}: {len(checks)} tasks, ", status))
        for c in bad:
            for problem in c.problems:
                out.print(Text(f"  {c.task_id}: {problem}"))
    if broken:
        raise typer.Exit(1)


@app.command()
def domains() -> None:
    """List the domains frontdesk can run."""
    from frontdesk.envs import domain_names, get_domain
    from frontdesk.errors import FrontdeskError

    table = Table("domain", "tasks", "agent tools", "user tools", "description")
    problems = []
    for name in domain_names():
        try:
            d = get_domain(name)
            row = (str(len(d.tasks)), str(len(d.agent_tools)), str(len(d.user_tools)), Text(d.description))
        except FrontdeskError as e:  # one broken installed domain must not hide the others
            problems.append(f"{name}: {e}")
            row = ("—", "—", "—", Text("cannot load (see below)", style="red"))
        table.add_row(Text(name), *row)
    out.print(table)
    for problem in problems:
        err.print(Text.assemble(("error: ", "red"), problem))


@app.command()
def tasks(
    domain: str = typer.Option(..., "--domain", "-d", help="Domain whose tasks to list."),
    split: str | None = typer.Option(None, help="Only tasks of this split: train or test."),
    plain: bool = typer.Option(False, "--plain", help="One task id per line (for scripts and --task)."),
    as_json: bool = typer.Option(
        False, "--json", help="Every task as JSON (id, split, gold actions, tags, description)."
    ),
    stats: bool = typer.Option(
        False,
        "--stats",
        help="The difficulty profile per split: writes per task, pressure and refusal tasks, how varied the "
        "customers' reasons are, and how many tasks scripted/null (an agent that never calls a tool) passes.",
    ),
    markdown: bool = typer.Option(False, "--markdown", help="With --stats: the profile as a Markdown table."),
) -> None:
    """List a domain's tasks. Ids are never shortened: copy them into `run --task`."""
    from frontdesk.envs import get_domain
    from frontdesk.errors import ConfigError

    if split not in (None, "train", "test"):
        raise ConfigError(f"--split must be 'train' or 'test', not {split!r}")
    loaded = get_domain(domain)
    chosen = [t for t in loaded.tasks if not split or t.split == split]
    if stats:
        _print_profile(loaded, split, as_json=as_json, markdown=markdown)
        return
    if plain:
        for t in chosen:
            print(t.id)
        return
    if as_json:
        rows = [
            {
                "id": t.id,
                "split": t.split,
                "gold_actions": len(t.gold_actions),
                "tags": t.tags,
                "description": t.description,
            }
            for t in chosen
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table("id", "split", "gold actions", "tags", "description")
    table.columns[0].no_wrap = True  # an id is copied whole; the description gives way instead
    table.columns[0].overflow = "fold"
    for t in chosen:
        table.add_row(Text(t.id), t.split, str(len(t.gold_actions)), Text(", ".join(t.tags)), Text(t.description))
    out.print(table)


def _print_profile(domain: Any, split: str | None, *, as_json: bool, markdown: bool) -> None:
    from frontdesk.envs.profile import as_rows, profile_table
    from frontdesk.eval import terminal
    from frontdesk.eval.validate import profiles_with_floor

    with err.status(Text(f"running scripted/null on {domain.name}…")):
        rows = [r for r in profiles_with_floor(domain) if split is None or r.split == split]
    if as_json:
        print(json.dumps(as_rows(rows), indent=2, ensure_ascii=False))
    elif markdown:
        print(profile_table(rows), end="")
    else:
        out.print(terminal.profile_table(rows))


personas_app = typer.Typer(help="The simulated-customer persona library.", no_args_is_help=False)
app.add_typer(personas_app, name="personas")


@personas_app.callback(invoke_without_command=True)
def personas_list(ctx: typer.Context) -> None:
    """List the personas with one-line descriptions."""
    if ctx.invoked_subcommand is not None:
        return
    from frontdesk.simulators import persona_library

    table = Table("persona", "description")
    for name, p in persona_library().items():
        table.add_row(name, p.description)
    out.print(table)
    out.print("Details: frontdesk personas show NAME · Use: frontdesk run --persona NAME (or --persona all)")


@personas_app.command("show")
def personas_show(name: str = typer.Argument(..., help="Persona name (see `frontdesk personas`).")) -> None:
    """Show one persona: its file and what the simulated customer is told."""
    import yaml

    from frontdesk.simulators import get_persona

    persona = get_persona(name)
    dump = yaml.safe_dump(
        persona.model_dump(mode="json", exclude_none=True), sort_keys=False, width=10_000, allow_unicode=True
    )
    out.print(dump, markup=False, soft_wrap=True)
    out.print("[bold]What the simulated customer is told:[/]")
    out.print(persona.prompt_text(), markup=False, highlight=False, soft_wrap=True)


@app.command()
def plan(
    domain: str = typer.Option(..., "--domain", "-d", help="Domain the comparison runs on."),
    mdd: float = typer.Option(
        ..., "--mdd", min=0.0001, max=0.9999, help="Smallest pass^1 difference to detect, e.g. 0.05."
    ),
    agent: str | None = typer.Option(
        None, "--agent", help="Agent to run (named in the suggested command; checked against the pilot)."
    ),
    pilot: Path | None = typer.Option(
        None, "--pilot", help="A run folder whose per-task variance to plan from (default: the worst case)."
    ),
    split: str | None = typer.Option(None, help="Only tasks of this split: train or test."),
    power: float = typer.Option(0.8, min=0.01, max=0.99, help="Chance of detecting a difference of --mdd."),
    alpha: float = typer.Option(0.05, min=0.0001, max=0.5, help="Two-sided significance level."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
) -> None:
    """How many trials per task a paired comparison needs to detect a pass^1 difference of --mdd."""
    from frontdesk.eval.noise import pilot_plan
    from frontdesk.eval.trust import plan_lines

    result = pilot_plan(domain, mdd, pilot=pilot, agent=agent, split=split, alpha=alpha, power=power)
    for warning in result.warnings:
        err.print(Text.assemble(("warning: ", "yellow"), warning))
    if as_json:
        out.print_json(result.plan.model_dump_json())
        return
    for line in plan_lines(result.plan, domain, agent, result.pilot_mdd):
        out.print(line, soft_wrap=True)


@app.command()
def regrade(
    run_dir: Path = typer.Argument(..., help="Run folder whose saved trajectories to re-score."),
    out_dir: Path | None = typer.Option(
        None, "--out", "-o", help="New run folder. Default: RUN-regraded-<domain fingerprint>."
    ),
    judge: str | None = typer.Option(
        None, "--judge", help="Re-run judged assertions with this model (else they are carried over)."
    ),
) -> None:
    """Re-score a run against the current tasks and checker, with no model calls; write a new run folder."""
    from frontdesk.eval.regrade import regrade_run
    from frontdesk.eval.trust import regrade_lines

    result = regrade_run(run_dir, out_dir, judge=judge)
    for line in regrade_lines(result):
        out.print(line, soft_wrap=True)
    if result.diverged or result.dropped:
        raise typer.Exit(1)


@app.command()
def bundle(
    run_dir: Path = typer.Argument(..., help="A finished run folder."),
    out_path: Path = typer.Option(..., "--out", "-o", help="The bundle to write, e.g. results.tar.gz."),
) -> None:
    """Pack a finished run (manifest, trials, content hash, pass^k claimed) into one verifiable file."""
    from frontdesk.eval.bundle import bundle_run

    digest = bundle_run(run_dir, out_path)
    out.print(
        Text(f"Wrote {out_path} (content hash {digest}). Check it anywhere with: frontdesk verify {out_path}"),
        soft_wrap=True,
    )


@app.command()
def verify(bundle_path: Path = typer.Argument(..., help="A bundle written by `frontdesk bundle`.")) -> None:
    """Re-derive every verdict of a bundle by replay, and its pass^k table; exit 1 on any difference."""
    from frontdesk.eval.bundle import verify_bundle
    from frontdesk.eval.trust import verification_lines

    result = verify_bundle(bundle_path)
    for line in verification_lines(result):
        (out if result.ok else err).print(line, soft_wrap=True)
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def triage(
    run_dir: Path | None = typer.Argument(None, help="Run folder whose failed and user-error trials to label."),
    judge: str = typer.Option(..., "--judge", help="Judge model (any litellm model string, or scripted/triage)."),
    calibrate: bool = typer.Option(
        False, "--calibrate", help="Label the planted corpus instead; print precision/recall per label."
    ),
    concurrency: int = typer.Option(4, "--concurrency", "-c", min=1, help="Judge calls at once."),
    relabel: bool = typer.Option(False, "--relabel", help="Label again trials this judge already labelled."),
) -> None:
    """Label whose fault each failure is (agent, simulated customer, task), with quoted evidence."""
    from frontdesk.errors import ConfigError
    from frontdesk.eval import load_run
    from frontdesk.eval.triage import calibrate as run_calibration
    from frontdesk.eval.triage import triage_counts, triage_run
    from frontdesk.eval.trust import calibration_table, triage_lines

    if calibrate:
        out.print(calibration_table(run_calibration(judge, concurrency=concurrency)))
        return
    if run_dir is None:
        raise ConfigError("name a run folder to triage, or pass --calibrate")
    result = triage_run(run_dir, judge, concurrency=concurrency, relabel=relabel)
    out.print(
        Text(f"labelled {result.labelled} of {len(result.entries)} trial(s) asked ({result.already} labelled before)")
    )
    for entry in result.entries:
        if entry.label is None:
            out.print(
                Text(f"  {entry.task_id} ({entry.persona}) #{entry.trial}: unlabelled: {entry.error}"), soft_wrap=True
            )
    view = load_run(run_dir)
    for line in triage_lines(triage_counts(view.folder, view.records), str(run_dir)):
        out.print(line, soft_wrap=True)


@app.command("serve-mcp")
def serve_mcp(
    domain: str = typer.Option(..., "--domain", "-d", help="Domain whose agent tools to serve."),
    task: str | None = typer.Option(
        None, "--task", "-t", help="Start from this task's state and score it (resource frontdesk://verdict)."
    ),
    transport: str = typer.Option("stdio", help="stdio (one session) or http (streamable HTTP at /mcp)."),
    port: int = typer.Option(8000, min=0, max=65535, help="Port for --transport http."),
    host: str = typer.Option("127.0.0.1", help="Address for --transport http; beyond loopback only with --token."),
    token: str | None = typer.Option(
        None, envvar="FRONTDESK_MCP_TOKEN", help="Bearer token HTTP clients must send (or FRONTDESK_MCP_TOKEN)."
    ),
) -> None:
    """Serve a domain's agent tools and policy over MCP, one fresh environment per session."""
    from frontdesk.interop.mcp_server import serve_mcp as serve

    serve(
        domain,
        task,
        transport=transport,
        host=host,
        port=port,
        token=token,
        announce=lambda line: err.print(Text(line)),
    )


@app.command()
def play(
    domain: str = typer.Option(..., "--domain", "-d", help="Domain to play (see `frontdesk domains`)."),
    task: str | None = typer.Option(
        None, "--task", "-t", help="Task id; default: the train task this run folder has fewest trials of."
    ),
    seat: str = typer.Option(..., "--as", help="The seat you play: agent or customer."),
    user: str | None = typer.Option(
        None, "--user", help="The customer when you play the agent (default scripted/user)."
    ),
    agent: str | None = typer.Option(
        None, "--agent", help="The agent when you play the customer (default scripted/oracle)."
    ),
    out_dir: Path | None = typer.Option(
        None, "--out", "-o", help="Run folder; each play adds a trial. Default: runs/<domain>-<agent>-<user>-<hash>."
    ),
    persona: str | None = typer.Option(None, "--persona", "-p", help="The simulated customer's persona."),
    seed: int = typer.Option(0, help="Run seed (an LLM participant's sampling seed derives from it)."),
) -> None:
    """Play one seat of a trial in the terminal; the result is a scored trial stamped human/terminal."""
    from frontdesk.play import play as play_seat

    result = play_seat(domain, seat, task, agent=agent, user=user, out=out_dir, persona=persona, seed=seed)
    if result.record is None:
        raise typer.Exit(1)


def main() -> None:
    from rich.markup import escape

    from frontdesk.errors import FrontdeskError

    try:
        app()
    except FrontdeskError as e:
        # Escaped: a message may hold brackets ("frontdesk[parquet]") that are not rich markup.
        err.print(f"[red]error:[/] {escape(str(e))}", markup=True, highlight=False)
        sys.exit(2)
    except OSError as e:  # the file system said no (a full disk, a read-only folder): the user can fix it
        from frontdesk.eval.store import describe_os_error

        what = f"cannot use {e.filename}: {describe_os_error(e)}" if e.filename else describe_os_error(e)
        err.print(Text.assemble(("error: ", "red"), what))
        sys.exit(2)
    except Exception as e:  # a bug in frontdesk: one line, not a traceback
        if os.environ.get("FRONTDESK_DEBUG"):
            raise
        err.print(
            Text.assemble(
                ("internal error: ", "red"),
                f"{type(e).__name__}: {e}\n",
                "This is a bug in frontdesk; rerun with FRONTDESK_DEBUG=1 to see the traceback.",
            )
        )
        sys.exit(3)


if __name__ == "__main__":
    main()
