"""``frontdesk arena`` end to end: read the runs, ask the preference judge, rate; play proposed cells.

:func:`build_arena` is the leaderboard (:mod:`frontdesk.eval.arena` computes it; this module only
adds the judge's calls). :func:`run_proposals` plays the cells ``--next N`` proposed: for each
agent, one more trial of each of its proposed (task, persona) cells into a new run folder beside
its run, ``<run>-arena-<n>``, with the run's own configuration restricted to those cells. Every
agent of a round runs under one new run seed, so both agents of a pair play the same trial seed
(the seed derives from run seed, task, persona and trial index) — a trial neither has played.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from frontdesk.errors import ConfigError, FrontdeskError
from frontdesk.eval.arena import (
    EXTENSION,
    MARKER,
    Arena,
    Pairing,
    Player,
    Prefer,
    Proposal,
    Winner,
    load_players,
    pair_trials,
    rank,
)
from frontdesk.eval.config import RunConfig
from frontdesk.eval.record import TrialRecord
from frontdesk.redact import REDACTED
from frontdesk.trajectory import Usage

JudgeCache = dict[tuple[str, str, str, str, int], Winner]


def build_arena(
    folders: list[Path],
    prefer: Prefer = "none",
    judge: str | None = None,
    next_n: int = 0,
    judge_cache: JudgeCache | None = None,
) -> Arena:
    """Load the runs, break equal-reward ties as ``prefer`` says, rate, and propose ``next_n`` cells.

    With ``prefer="judge"``, ``judge`` is the preference judge's model; ``judge_cache`` (filled in
    place) spares a second call for a pairing already judged in this process.
    """
    if prefer == "judge" and not judge:
        raise ConfigError("--prefer judge needs a preference judge model: pass --judge MODEL")
    if judge and prefer != "judge":
        raise ConfigError("--judge is the preference judge of --prefer judge; pass both, or neither")
    players = load_players(folders)
    pairings = pair_trials(players)
    judged: dict[Pairing, Winner] = {}
    calls, attempts, cost, unusable = 0, 0, None, 0
    if prefer == "judge" and judge:
        judged, usage, unusable = _judge(players, pairings, judge, judge_cache if judge_cache is not None else {})
        calls, attempts, cost = usage.calls, usage.attempts, usage.cost_usd
    arena = rank(players, pairings, prefer, judged, judge=judge, next_n=next_n)
    return arena.model_copy(
        update={"judge_calls": calls, "judge_attempts": attempts, "judge_cost_usd": cost, "judge_unusable": unusable}
    )


def _judge(
    players: list[Player], pairings: list[Pairing], judge: str, cache: JudgeCache
) -> tuple[dict[Pairing, Winner], Usage, int]:
    from frontdesk.envs import get_domain
    from frontdesk.eval.preference import check_judge_model, prefer_many
    from frontdesk.llm import ModelConfig

    def cache_key(p: Pairing) -> tuple[str, str, str, str, int]:
        return (str(players[p.a].folder), str(players[p.b].folder), *p.key)

    todo = [p for p in pairings if p.equal_rewards and cache_key(p) not in cache]
    judged = {p: cache[cache_key(p)] for p in pairings if cache_key(p) in cache}
    if not todo:
        return judged, Usage(), 0
    check_judge_model(judge)
    policy = get_domain(players[0].domain).policy
    model = ModelConfig(model=judge, temperature=0.0)
    answers = asyncio.run(
        prefer_many(model, policy, [(p.record_a.messages, p.record_b.messages, p.key[2]) for p in todo])
    )
    for pairing, answer in zip(todo, answers, strict=True):
        judged[pairing] = cache[cache_key(pairing)] = answer.choice
    return judged, sum((a.usage for a in answers), Usage()), sum(a.error is not None for a in answers)


# --- playing the proposed cells ------------------------------------------------------------------


@dataclass
class ArenaRound:
    seed: int  # the run seed every new folder of this round shares
    folders: list[Path] = field(default_factory=list)  # the new run folders
    skipped: list[str] = field(default_factory=list)  # one line each: who cannot be re-run here, and why
    cells: int = 0  # proposals played (both agents' trials started)
    trials: int = 0  # trials finished and scored or excluded


def _redacted(value: Any, path: str = "") -> str | None:
    """The first field path whose value the manifest redacted (a secret the folder does not keep)."""
    if value == REDACTED:
        return path or "(top)"
    if isinstance(value, dict):
        for k, v in value.items():
            found = _redacted(v, f"{path}.{k}" if path else str(k))
            if found:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _redacted(v, f"{path}[{i}]")
            if found:
                return found
    return None


def rerun_configs(player: Player, cells: list[tuple[str, str]], seed: int) -> list[RunConfig]:
    """The player's run configuration restricted to ``cells``, one trial each, under ``seed``: one
    configuration per group of personas that share a task list (a run is tasks × personas).
    A ConfigError in one line when it cannot run here."""
    from frontdesk.envs import get_domain
    from frontdesk.eval.runner import check_participants, select_tasks

    config = dict(player.primary.manifest["config"])
    secret = _redacted(config)
    if secret:
        raise ConfigError(f"its configuration holds a secret the run folder does not keep ({secret})")
    personas = {p["name"]: p for p in config.get("personas", [])}
    tasks_of: dict[str, list[str]] = {}
    for task_id, persona in cells:
        tasks_of.setdefault(persona, [])
        if task_id not in tasks_of[persona]:
            tasks_of[persona].append(task_id)
    groups: dict[tuple[str, ...], list[str]] = {}
    for persona, tasks in tasks_of.items():
        groups.setdefault(tuple(sorted(tasks, key=player.task_ids.index)), []).append(persona)
    domain = get_domain(player.domain)
    configs = []
    for tasks, names in groups.items():
        fields = {**config, "task_ids": list(tasks), "personas": [personas[n] for n in names]}
        try:
            rerun = RunConfig.model_validate({**fields, "seed": seed, "trials": 1, "split": None})
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ConfigError(
                f"its configuration is not one this frontdesk can run ({where}: {first['msg']})"
            ) from None
        check_participants(rerun)  # a missing key, an unknown model or plug-in: a ConfigError
        select_tasks(domain, rerun)
        configs.append(rerun)
    return configs


def next_folder(folder: Path) -> Path:
    """``<run>-arena-<n>`` for the first n not taken."""
    n = 1
    while (folder.parent / f"{folder.name}{EXTENSION}{n}").exists():
        n += 1
    return folder.parent / f"{folder.name}{EXTENSION}{n}"


def run_proposals(
    folders: list[Path], proposals: list[Proposal], announce: Callable[[str], None] | None = None
) -> ArenaRound:
    """Play each proposed cell: one trial of each agent of its pair, on one shared new seed.

    An agent whose run cannot be re-run here (a missing key, a secret the manifest redacted, a
    plug-in not installed) is named in one line in ``skipped``, and the cells it is in are left out.
    """
    from frontdesk.envs import get_domain
    from frontdesk.eval.config import domain_fingerprint
    from frontdesk.eval.runner import execute_plan, plan_run

    say = announce or (lambda line: None)
    players = load_players(folders)
    index = {p.label: i for i, p in enumerate(players)}
    seed = 1 + max(int(v.manifest["config"].get("seed", 0)) for p in players for v in p.views)
    round_ = ArenaRound(seed=seed)
    if not proposals:
        return round_
    domain = players[0].domain
    if domain_fingerprint(get_domain(domain)) != players[0].primary.manifest.get("domain_fingerprint"):
        raise ConfigError(
            f"cannot play more trials here: the installed {domain} domain's tasks, data or policy differ from "
            "the runs' (domain fingerprint); new trials would not be comparable"
        )
    wanted = [(index[p.a], index[p.b], p.task_id, p.persona) for p in proposals]
    configs: dict[int, list[RunConfig]] = {}
    while True:  # until every agent left can run all of its cells
        cells: dict[int, list[tuple[str, str]]] = {}
        for a, b, task_id, persona in wanted:
            for i in (a, b):
                if (task_id, persona) not in cells.setdefault(i, []):
                    cells[i].append((task_id, persona))
        broken = None
        for i, mine in cells.items():
            if i in configs:
                continue
            try:
                configs[i] = rerun_configs(players[i], mine, seed)
            except FrontdeskError as e:
                round_.skipped.append(f"cannot re-run {players[i].label} here: {e}")
                say(round_.skipped[-1])
                broken = i
                break
        if broken is None:
            break
        wanted = [w for w in wanted if broken not in w[:2]]
        configs = {}
    round_.cells = len(wanted)
    for i in sorted({i for a, b, *_ in wanted for i in (a, b)}):
        for config in configs[i]:
            folder = next_folder(players[i].folder)
            plan = plan_run(config, folder)
            marker = {
                "frontdesk_arena": 1,
                "extends": players[i].folder.name,
                "seed": seed,
                "cells": [[t, p.name] for t in config.task_ids or [] for p in config.personas],
            }
            (folder / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
            results = asyncio.run(execute_plan(plan))
            done = sum(isinstance(r, TrialRecord) for r in results)
            round_.folders.append(folder)
            round_.trials += done
            say(f"ran {done} of {plan.total} trial(s) of {players[i].label} into {folder}")
    return round_
