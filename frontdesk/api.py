"""The Python entry point: ``frontdesk.evaluate(...)`` runs (or resumes) an evaluation and returns it.

The CLI's ``frontdesk run`` is this function plus a progress bar: both build a :class:`RunConfig`
(the single home of defaults) and go through the same runner, so a run started from Python can be
resumed from the shell and the other way round.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frontdesk.eval.config import RunConfig
    from frontdesk.eval.record import TrialResult
    from frontdesk.eval.report import RunView as Run


def evaluate(
    domain: str,
    agent: str | None = None,
    user: str | None = None,
    trials: int = 1,
    out: str | Path | None = None,
    *,
    personas: Iterable[str] | None = None,
    on_result: Callable[[TrialResult], None] | None = None,
    **options: Any,
) -> Run:
    """Run every pending trial of a domain's tasks and return the run, read back from its folder.

    Args:
        domain: a domain name (``frontdesk.envs.domain_names()``).
        agent: the agent under test: a model string (``openai/gpt-4o-mini``) or a built-in
            participant (``scripted/oracle``, the default, or ``scripted/null``).
        user: the simulated customer: a model string or ``scripted/user`` (the default).
        trials: trials per task (the k of pass^k).
        out: the run folder (``str`` or ``Path``); default ``runs/<domain>-<agent>-<user>-<hash>``.
            An existing folder with the same configuration is resumed.
        personas: persona names from the library (default: ``regular``).
        on_result: called with each result once it is on disk.
        **options: any other :class:`frontdesk.eval.RunConfig` field (``concurrency``,
            ``task_ids``, ``split``, ``seed``, ``limits``, ``llm_params``, ``max_cost_usd``,
            ``sequential={"queue_size": 20, "memory": True}`` for customers served in a row, …).

    Returns:
        The run: ``.summary`` (pass^k rows with intervals), ``.trials`` (a DataFrame, one row per
        trial), ``.folder``; trials an infra error left pending are counted in
        ``.summary.trials_pending`` (call again to retry them).
    """
    from frontdesk.eval.config import RunConfig
    from frontdesk.eval.report import load_run
    from frontdesk.eval.runner import execute_plan, plan_run
    from frontdesk.simulators import resolve_personas

    fields: dict[str, Any] = {"domain": domain, "trials": trials, **options}
    if agent is not None:
        fields["agent"] = agent
    if user is not None:
        fields["user"] = user
    if personas is not None:
        fields["personas"] = resolve_personas(list(personas), [])
    config = RunConfig.from_options(**fields)
    folder = Path(out) if out is not None else default_run_folder(config)
    plan = plan_run(config, folder)
    asyncio.run(execute_plan(plan, on_result))
    return load_run(folder)


def default_run_folder(config: RunConfig, root: Path = Path("runs")) -> Path:
    """``runs/<domain>-<agent>-<user>-<first 8 of the config hash>``: one folder per configuration,
    so rerunning the same command resumes and a changed option starts a new run."""
    from frontdesk.envs import get_domain
    from frontdesk.eval.config import domain_fingerprint

    digest = config.config_hash(domain_fingerprint(get_domain(config.domain)))[:8]
    return root / f"{_slug(config.domain)}-{_slug(config.agent)}-{_slug(config.user)}-{digest}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:40] or "x"
