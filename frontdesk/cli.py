"""``frontdesk …`` commands. Thin: parse options, call the library, print.

Heavy modules (the eval stack, litellm) are imported inside commands so ``--help`` stays fast.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from frontdesk.eval import RunView

app = typer.Typer(
    name="frontdesk",
    help="Evaluate tool-using agents against simulated customers; report pass^k.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True, soft_wrap=True)  # an error stays one line, however narrow the terminal

OFFLINE_AGENT = "scripted/oracle"
OFFLINE_USER = "scripted/user"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:40] or "x"


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


@app.command()
def run(
    domain: str = typer.Option(..., "--domain", "-d", help="Domain to run (see `frontdesk domains`)."),
    agent: str | None = typer.Option(
        None,
        "--agent",
        help="Agent under test: a litellm model string (e.g. openai/gpt-4o-mini) or scripted/oracle, scripted/null.",
    ),
    user: str | None = typer.Option(
        None, "--user", help="Simulated customer: a litellm model string or scripted/user."
    ),
    agent_strategy: str = typer.Option("tool-calling", help="How an LLM agent is driven."),
    user_strategy: str = typer.Option("plain", help="How an LLM customer is driven."),
    trials: int = typer.Option(1, "--trials", "-k", min=1, help="Trials per task (k for pass^k)."),
    task: list[str] = typer.Option([], "--task", "-t", help="Run only this task id (repeatable)."),
    split: str | None = typer.Option(None, help="Run only tasks of this split: train or test."),
    concurrency: int = typer.Option(4, "--concurrency", "-c", min=1, help="Trials running at once."),
    seed: int = typer.Option(0, help="Run seed; each trial's seed derives from (seed, task, trial)."),
    out_dir: Path | None = typer.Option(
        None, "--out", "-o", help="Run folder. Default: runs/<domain>-<agent>-<user>-<config hash>."
    ),
    max_turns: int = typer.Option(40, min=2, help="Agent and user messages per trial before it ends as max_turns."),
    max_tool_errors: int = typer.Option(10, min=1, help="Failed agent tool calls before a trial ends."),
    timeout: float = typer.Option(600.0, min=1.0, help="Wall-clock seconds per trial."),
    agent_temperature: float = typer.Option(0.0, help="Sampling temperature of an LLM agent."),
    user_temperature: float = typer.Option(0.0, help="Sampling temperature of an LLM customer."),
    llm_param: list[str] = typer.Option(
        [], "--llm-param", help="Extra litellm parameter KEY=VALUE for every model call (repeatable)."
    ),
    persona: list[str] = typer.Option(
        [], "--persona", "-p", help="Customer persona by name (repeatable); 'all' runs every library persona."
    ),
    persona_file: list[Path] = typer.Option([], "--persona-file", help="A persona YAML file of your own (repeatable)."),
    judge: str | None = typer.Option(
        None, "--judge", help="Model that scores tasks' judged assertions: any litellm model string."
    ),
    max_cost: float | None = typer.Option(
        None, "--max-cost", min=0.0, help="Stop starting trials once this invocation has spent this many USD."
    ),
    cache: bool = typer.Option(
        False, "--cache", help="Replay identical model requests of the same trial from runs/.response-cache."
    ),
    transport: str = typer.Option(
        "litellm",
        help="How model calls travel: litellm (any provider) or openai-http (OpenAI-compatible endpoints only: "
        "vLLM, SGLang, OpenAI; a fraction of the CPU per call, for high concurrency).",
    ),
    max_calls_in_flight: int | None = typer.Option(None, min=1, help="Model calls at once, per provider."),
    rpm: float | None = typer.Option(None, "--rpm", min=0.001, help="Requests per minute, per provider."),
    call_timeout: float = typer.Option(120.0, min=0.1, help="Seconds before a model call is abandoned and retried."),
    max_retries: int = typer.Option(4, min=0, help="Retries of a transient provider failure per call."),
    workers: int = typer.Option(1, min=1, help="Worker processes (or Ray actors) sharing the trials."),
    executor: str = typer.Option("local", help="Where trials run: local (this machine) or ray."),
    ray_address: str | None = typer.Option(None, help="Address of an existing Ray cluster (with --executor ray)."),
) -> None:
    """Run tasks × trials and print pass^1..k. Rerunning the same command resumes."""
    from frontdesk.envs import get_domain
    from frontdesk.errors import ConfigError
    from frontdesk.eval import Limits, RunConfig, domain_fingerprint, execute_plan, load_run, plan_run
    from frontdesk.simulators import resolve_personas

    if split not in (None, "train", "test"):
        raise ConfigError(f"--split must be 'train' or 'test', not {split!r}")
    if executor not in ("local", "ray"):
        raise ConfigError(f"--executor must be 'local' or 'ray', not {executor!r}")
    if transport not in ("litellm", "openai-http"):
        raise ConfigError(f"--transport must be 'litellm' or 'openai-http', not {transport!r}")
    config = RunConfig(
        domain=domain,
        agent=agent or OFFLINE_AGENT,
        user=user or OFFLINE_USER,
        agent_strategy=agent_strategy,
        user_strategy=user_strategy,
        agent_temperature=agent_temperature,
        user_temperature=user_temperature,
        llm_params=_parse_params(llm_param),
        trials=trials,
        task_ids=task or None,
        split=split,  # type: ignore[arg-type]
        seed=seed,
        limits=Limits(max_turns=max_turns, max_tool_errors=max_tool_errors, timeout_s=timeout),
        concurrency=concurrency,
        personas=resolve_personas(persona, persona_file),
        judge=judge,
        max_cost_usd=max_cost or None,
        cache_dir=str((out_dir.parent if out_dir else Path("runs")) / ".response-cache") if cache else None,
        transport=transport,  # type: ignore[arg-type]
        max_calls_in_flight=max_calls_in_flight,
        requests_per_minute=rpm,
        call_timeout_s=call_timeout,
        max_retries=max_retries,
        workers=workers,
        executor=executor,  # type: ignore[arg-type]
        ray_address=ray_address,
    )
    if out_dir is None:
        fingerprint = domain_fingerprint(get_domain(domain))
        name = f"{_slug(domain)}-{_slug(config.agent)}-{_slug(config.user)}-{config.config_hash(fingerprint)[:8]}"
        out_dir = Path("runs") / name
    plan = plan_run(config, out_dir)
    if agent is None and user is None:
        err.print(
            "[yellow]No --agent/--user given: running offline with scripted/oracle + scripted/user.[/]\n"
            "To evaluate a real model: frontdesk run --domain "
            f"{domain} --agent openai/gpt-4o-mini --user openai/gpt-4o-mini --trials 4"
        )
    for warning in plan.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if plan.already_done:
        err.print(f"Resuming {out_dir}: {plan.already_done} of {plan.total} trials already done.")
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
        bar = progress.add_task(f"{domain} trials", total=plan.total, completed=plan.already_done, status="")
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

        try:
            asyncio.run(execute_plan(plan, on_result))
        except KeyboardInterrupt:
            progress.stop()
            err.print(
                f"[yellow]Interrupted.[/] Finished trials are saved in {out_dir}; rerun the same command to resume."
            )
            raise typer.Exit(130) from None
    view = load_run(out_dir)
    render_run(view)
    out.print(f"Run folder: {out_dir}")
    if plan.skipped_for_budget:
        err.print(
            f"[yellow]Budget reached[/]: spent ${plan.spent_usd:.4f} of ${max_cost:.4f}; "
            f"{plan.skipped_for_budget} trial(s) not started. Rerun the same command to continue."
        )
    if max_cost and plan.unpriced_calls:
        err.print(f"[yellow]warning:[/] {plan.unpriced_calls} call(s) had no known price and are not in the budget.")
    if view.summary.trials_pending:
        err.print(
            f"[yellow]{view.summary.trials_pending} trial(s) not finished[/] (see the infra errors above); "
            "rerun the same command to retry them."
        )
        raise typer.Exit(1)


def render_run(view: RunView) -> None:
    s = view.summary
    cfg = view.manifest["config"]
    title = f"{cfg['domain']} · agent {cfg['agent']} · user {cfg['user']} · {s.tasks} tasks × {cfg['trials']} trials"
    out.print(f"[bold]{title}[/]", highlight=False)
    from frontdesk.eval.report import HEADLINE_COLUMNS, fmt, headline_row

    table = Table()
    for column in HEADLINE_COLUMNS:
        table.add_column(column, justify="right")
    for row in s.rows:
        table.add_row(*headline_row(row))
    out.print(table)
    out.print(
        f"trials: {s.trials_expected} expected · {s.trials_valid} scored · "
        f"{s.trials_user_excluded} excluded (user error) · {s.trials_pending} pending"
        + (f" ({view.pending_infra} after infra errors; rerun to retry)" if view.pending_infra else "")
    )
    if view.pending_infra:
        last = view.infra_failures[-1]
        out.print(f"last infra error: {last.termination.value}: {last.error}", markup=False, highlight=False)
    out.print(f"average reward: {fmt(s.average_reward)}")
    if s.flip_rate is not None:
        out.print(f"flip rate: {fmt(s.flip_rate)} ({s.flipped_tasks} task(s) both passed and failed across trials)")
    if s.terminations:
        out.print("endings: " + ", ".join(f"{k} {v}" for k, v in s.terminations.items()))

    def usage(u: Any) -> str:
        cost = "cost unknown" if u.cost_usd is None else f"${u.cost_usd:.4f}"
        return f"{u.calls} calls, {u.prompt_tokens}+{u.completion_tokens} tokens, {cost}"

    out.print(f"agent: {usage(view.agent_usage)} · user: {usage(view.user_usage)}")
    if len(view.personas) > 1:
        render_personas(view)


def render_personas(view: RunView) -> None:
    from frontdesk.eval.report import fmt

    trials = int(view.manifest["config"]["trials"])
    table = Table(title="by persona", title_justify="left")
    for column in ("persona", "pass^1", f"pass^{trials}", "scored", "excluded", "pending"):
        table.add_column(column, justify="left" if column == "persona" else "right")
    for name in view.personas:
        s = view.persona_summary(name)
        first, last = s.rows[0], s.rows[-1]
        table.add_row(
            name,
            fmt(first.pass_hat_k),
            fmt(last.pass_hat_k),
            str(s.trials_valid),
            str(s.trials_user_excluded),
            str(s.trials_pending),
        )
    out.print(table)


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

    view = pool_runs(run_dirs)
    if as_json:
        out.print_json(view.summary.model_dump_json())
    else:
        render_run(view)
    if html:
        from frontdesk.eval.html_report import write_html_report

        out.print(f"HTML report: {write_html_report(view)}", highlight=False)


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
    from frontdesk.eval.report import fmt, fmt_ci

    c = compare_runs(load_run(run_a), load_run(run_b), force=force)
    if as_json:
        out.print_json(c.model_dump_json())
        return
    for reason in c.overridden:
        err.print(f"[yellow]warning:[/] compared anyway (--force): {reason}", highlight=False)
    out.print(f"A: {c.run_a}\nB: {c.run_b}\n{c.cells} task(s) scored in both runs", highlight=False)
    table = Table()
    for column in ("k", "pass^k A", "pass^k B", "B − A", "95% CI (paired)", "tasks", "distinguishable"):
        table.add_column(column, justify="right")
    for row in c.rows:
        seen = "—" if row.distinguishable is None else "yes" if row.distinguishable else "no"
        table.add_row(
            str(row.k), fmt(row.pass_hat_k_a), fmt(row.pass_hat_k_b), fmt(row.difference), fmt_ci(row.ci),
            str(row.tasks), seen,
        )  # fmt: skip
    out.print(table)
    for row in c.rows:
        out.print(f"pass^{row.k}: B − A = {fmt(row.difference)}: {row.verdict}.", highlight=False)
    if c.changed:
        out.print(f"tasks whose success rate changed ({len(c.changed)}):", highlight=False)
        for t in c.changed:
            direction = "better in B" if t.delta > 0 else "worse in B"
            out.print(
                f"  {t.task_id} ({t.persona}): {t.a[0]}/{t.a[1]} -> {t.b[0]}/{t.b[1]}  {direction}",
                markup=False, highlight=False,
            )  # fmt: skip
    else:
        out.print("no task changed its success rate.")


@app.command()
def export(
    run_dir: Path = typer.Argument(..., help="Run folder written by `frontdesk run`."),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv, parquet (needs frontdesk[parquet]) or jsonl."),
    out_path: Path | None = typer.Option(
        None, "--out", "-o", help="File to write. Default: trials_table.<format> in the run folder."
    ),
) -> None:
    """Write one row per trial (task, persona, outcome, components, tokens, cost, latency) to a file."""
    from frontdesk.eval import load_run
    from frontdesk.eval.export import check_format, export_trials

    check_format(fmt)  # before reading the run: a bad format is reported first
    path = export_trials(load_run(run_dir), fmt, out_path)
    out.print(f"Wrote {path}", highlight=False)


@app.command()
def validate(
    domain: str | None = typer.Option(None, "--domain", "-d", help="Domain to validate (default: all)."),
) -> None:
    """Check every task: gold actions run, writes change the state, oracle + scripted user pass."""
    from frontdesk.envs import domain_names, get_domain
    from frontdesk.eval import validate as validate_domain

    names = [domain] if domain else domain_names()
    broken = 0
    for name in names:
        checks = validate_domain(get_domain(name))
        bad = [c for c in checks if not c.ok]
        broken += len(bad)
        status = "[green]ok[/]" if not bad else f"[red]{len(bad)} broken[/]"
        out.print(f"{name}: {len(checks)} tasks, {status}")
        for c in bad:
            for problem in c.problems:
                out.print(f"  {c.task_id}: {problem}", markup=False)
    if broken:
        raise typer.Exit(1)


@app.command()
def domains() -> None:
    """List the domains frontdesk can run."""
    from frontdesk.envs import domain_names, get_domain

    table = Table("domain", "tasks", "agent tools", "user tools", "description")
    for name in domain_names():
        d = get_domain(name)
        table.add_row(name, str(len(d.tasks)), str(len(d.agent_tools)), str(len(d.user_tools)), d.description)
    out.print(table)


@app.command()
def tasks(
    domain: str = typer.Option(..., "--domain", "-d", help="Domain whose tasks to list."),
    split: str | None = typer.Option(None, help="Only tasks of this split: train or test."),
) -> None:
    """List a domain's tasks."""
    from frontdesk.envs import get_domain

    table = Table("id", "split", "gold actions", "tags", "description")
    for t in get_domain(domain).tasks:
        if split and t.split != split:
            continue
        table.add_row(t.id, t.split, str(len(t.gold_actions)), ", ".join(t.tags), t.description)
    out.print(table)


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
    dump = yaml.safe_dump(persona.model_dump(mode="json", exclude_none=True), sort_keys=False, width=10_000)
    out.print(dump, markup=False, soft_wrap=True)
    out.print("[bold]What the simulated customer is told:[/]")
    out.print(persona.prompt_text(), markup=False, highlight=False, soft_wrap=True)


def main() -> None:
    from rich.markup import escape

    from frontdesk.errors import FrontdeskError

    try:
        app()
    except FrontdeskError as e:
        # Escaped: a message may hold brackets ("frontdesk[parquet]") that are not rich markup.
        err.print(f"[red]error:[/] {escape(str(e))}", markup=True, highlight=False)
        sys.exit(2)
    except Exception as e:  # a bug in frontdesk: one line, not a traceback
        if os.environ.get("FRONTDESK_DEBUG"):
            raise
        err.print(
            f"[red]internal error:[/] {type(e).__name__}: {e}\n"
            "This is a bug in frontdesk; rerun with FRONTDESK_DEBUG=1 to see the traceback.",
            highlight=False,
        )
        sys.exit(3)


if __name__ == "__main__":
    main()
