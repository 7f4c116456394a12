"""The arena: agents rated against each other from paired trials (``frontdesk arena``).

Each run folder given is one agent (a *player*). Two players' trials are paired when they played
the same trial: the same ``(task id, persona, trial seed)`` — the seed fixes the customer's
sampling, so both agents met the same customer on the same task. Every paired trial is one
two-team match:

- the verdict decides first: reward 1 beats reward 0;
- equal rewards are a tie, unless a preference breaks it: ``ratings`` (the customer's
  ``experience.overall.score``, higher wins; equal or missing stays a tie) or ``judge`` (a
  preference judge model compared the two transcripts: :mod:`frontdesk.eval.preference`).

Ratings are openskill's Plackett-Luce model (defaults: μ₀ = 25, σ₀ = 25/3, τ = 25/300), one
``rate`` per match with ties as equal ranks, in a fixed order (task, persona, seed, then the
players' order on the command line), so the same runs always give the same leaderboard. A
player's conservative score is openskill's ordinal, μ − 3σ; the leaderboard is sorted by it and
shows μ ± 2σ as the uncertainty.

Runs written by ``frontdesk arena --next N --run`` sit beside the run they extend as
``<run>-arena-<n>`` with an ``arena.json`` naming it; they are counted as more trials of the same
player whenever that run is in the arena.

This module reads run folders and computes; it never calls a model and never writes (the judge is
:mod:`frontdesk.eval.preference`, running more trials :mod:`frontdesk.eval.arena_run`).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, computed_field

from frontdesk.errors import ConfigError, RunFolderError
from frontdesk.eval.record import TrialRecord
from frontdesk.eval.report import RunView, load_run

if TYPE_CHECKING:
    from openskill.models import PlackettLuce, PlackettLuceRating

Prefer = Literal["none", "ratings", "judge"]
PREFERS: tuple[str, ...] = ("none", "ratings", "judge")
Winner = Literal["a", "b", "tie"]
DecidedBy = Literal["verdict", "ratings", "judge", "tie"]
MatchKey = tuple[str, str, int]  # (task id, persona, trial seed): the same trial for every agent

MARKER = "arena.json"  # in a run folder written by `arena --run`: which run it extends
EXTENSION = "-arena-"  # <run>-arena-<n>


# --- players -------------------------------------------------------------------------------------


@dataclass
class Player:
    """One agent in the arena: a run folder and the arena runs that extend it."""

    label: str
    views: list[RunView]  # the run named on the command line first, then its arena runs

    @property
    def primary(self) -> RunView:
        return self.views[0]

    @property
    def folder(self) -> Path:
        return self.primary.folder

    @property
    def agent(self) -> str:
        return str(self.primary.manifest["config"].get("agent", "?"))

    @property
    def domain(self) -> str:
        return str(self.primary.manifest["config"].get("domain", "?"))

    @property
    def task_ids(self) -> list[str]:
        return list(self.primary.manifest["task_ids"])

    @property
    def personas(self) -> list[str]:
        return [p["name"] for p in self.primary.manifest["config"].get("personas", [])]

    @property
    def pass_hat_1(self) -> float | None:
        """pass^1 of the run named on the command line, from its records (context, not a rating)."""
        rows = self.primary.summary.rows
        return rows[0].pass_hat_k if rows else None

    @property
    def trials(self) -> dict[MatchKey, TrialRecord]:
        """Every scored trial by (task, persona, seed); a key seen twice keeps its first record."""
        found: dict[MatchKey, TrialRecord] = {}
        for view in self.views:
            for r in view.records:
                if r.reward is not None:
                    found.setdefault((r.task_id, r.persona, r.seed), r)
        return found


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The ``arena.json`` of a run written by ``arena --run`` (None: an ordinary run folder)."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("extends"), str) else None


def extension_folders(folder: Path) -> list[Path]:
    """The arena runs beside ``folder`` that extend it, oldest (lowest n) first."""
    found = []
    for candidate in folder.parent.glob(f"{folder.name}{EXTENSION}*"):
        n = candidate.name[len(folder.name) + len(EXTENSION) :]
        marker = read_marker(candidate) if candidate.is_dir() and n.isdigit() else None
        if marker is not None and marker["extends"] == folder.name:
            found.append((int(n), candidate))
    return [path for _, path in sorted(found)]


def load_players(folders: list[Path]) -> list[Player]:
    """One player per run folder (its arena runs included), all of one domain and one domain
    fingerprint; a RunFolderError in one line otherwise."""
    primaries: list[Path] = []
    for folder in map(Path, folders):
        if all(folder.resolve() != p.resolve() for p in primaries):
            primaries.append(folder)
    extensions = {p.resolve(): extension_folders(p) for p in primaries}
    claimed = {e.resolve() for found in extensions.values() for e in found}
    # An arena run named on the command line beside the run it extends is part of that player.
    primaries = [p for p in primaries if p.resolve() not in claimed]
    if len(primaries) < 2:
        raise ConfigError(f"the arena needs at least two runs (agents) to compare; got {len(primaries)}")
    players = [Player("", [load_run(p), *(load_run(e) for e in extensions[p.resolve()])]) for p in primaries]
    check_same_domain([v for player in players for v in player.views])
    agents = Counter(p.agent for p in players)
    names = Counter((p.agent, p.folder.name) for p in players)
    for p in players:
        if agents[p.agent] == 1:
            p.label = p.agent
        else:  # two runs of one agent: the folder tells them apart
            p.label = f"{p.agent} ({p.folder.name if names[(p.agent, p.folder.name)] == 1 else p.folder})"
    return players


def check_same_domain(views: list[RunView]) -> None:
    """Trials of different domains (or of one domain whose tasks, data or policy changed) never meet."""
    first = views[0]
    domain = first.manifest["config"].get("domain")
    for other in views[1:]:
        theirs = other.manifest["config"].get("domain")
        if theirs != domain:
            raise RunFolderError(
                f"refusing to rank runs of different domains: {first.folder} is {domain}, {other.folder} is {theirs}"
            )
        if other.manifest.get("domain_fingerprint") != first.manifest.get("domain_fingerprint"):
            raise RunFolderError(
                f"refusing to rank {first.folder} with {other.folder}: the {domain} domain's tasks, data or policy "
                "differ between them (domain fingerprint)"
            )


# --- pairing and outcomes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pairing:
    """Two players' records of the same trial; ``a`` < ``b`` are player indices."""

    a: int
    b: int
    key: MatchKey
    record_a: TrialRecord = field(compare=False)
    record_b: TrialRecord = field(compare=False)

    @property
    def equal_rewards(self) -> bool:
        return self.record_a.reward == self.record_b.reward


def pair_trials(players: list[Player]) -> list[Pairing]:
    """Every paired trial of every pair of players, in the order matches are rated: by task,
    persona and seed, then by the players' order."""
    trials = [p.trials for p in players]
    pairings = [
        Pairing(a, b, key, trials[a][key], trials[b][key])
        for a, b in itertools.combinations(range(len(players)), 2)
        for key in trials[a].keys() & trials[b].keys()
    ]
    pairings.sort(key=lambda p: (p.key, p.a, p.b))
    return pairings


def outcome(pairing: Pairing, prefer: Prefer = "none", judged: Winner | None = None) -> tuple[Winner, DecidedBy]:
    """Who won a paired trial, and what decided it. ``judged`` is the preference judge's pick for
    this pairing (``prefer="judge"``; None when it was not asked)."""
    ra, rb = pairing.record_a.reward or 0.0, pairing.record_b.reward or 0.0
    if ra != rb:
        return ("a" if ra > rb else "b"), "verdict"
    if prefer == "ratings":
        ea, eb = pairing.record_a.experience, pairing.record_b.experience
        if ea is not None and eb is not None and ea.overall.score != eb.overall.score:
            return ("a" if ea.overall.score > eb.overall.score else "b"), "ratings"
    if prefer == "judge" and judged in ("a", "b"):
        return judged, "judge"
    return "tie", "tie"


# --- the result, as data -------------------------------------------------------------------------


class Match(BaseModel):
    a: str  # player labels
    b: str
    task_id: str
    persona: str
    seed: int
    reward_a: float
    reward_b: float
    winner: Winner
    decided_by: DecidedBy


class Standing(BaseModel):
    rank: int
    label: str
    agent: str
    run: str  # the run folder named on the command line
    arena_runs: list[str]  # the runs `arena --run` added to it
    mu: float
    sigma: float
    wins: int
    losses: int
    ties: int
    trials: int  # scored trials across its runs
    pass_hat_1: float | None  # of the run named on the command line

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ordinal(self) -> float:
        return self.mu - 3 * self.sigma

    @computed_field  # type: ignore[prop-decorator]
    @property
    def matches(self) -> int:
        return self.wins + self.losses + self.ties

    @computed_field  # type: ignore[prop-decorator]
    @property
    def interval(self) -> tuple[float, float]:
        """μ ± 2σ."""
        return (self.mu - 2 * self.sigma, self.mu + 2 * self.sigma)


class Proposal(BaseModel):
    """One cell worth playing next: one more trial of each agent of the pair, on the same seed."""

    a: str
    b: str
    task_id: str
    persona: str
    gain: float
    p_a_wins: float  # openskill's predicted win probability of a over b, before this cell
    sigma_drop: float  # expected reduction of σ_a + σ_b from one more match
    played: int  # matches this pair already has on this cell


class PairCount(BaseModel):
    a: str
    b: str
    matches: int


class Arena(BaseModel):
    domain: str
    prefer: Prefer
    judge: str | None = None
    standings: list[Standing]
    pairs: list[PairCount]
    decided_by: dict[str, int]  # verdict / ratings / judge / tie
    judge_unusable: int = 0  # judged pairings with no usable answer after a re-ask: ties
    judge_calls: int = 0
    judge_attempts: int = 0  # HTTP requests the judge's calls took, retries included
    judge_cost_usd: float | None = None
    proposals: list[Proposal] = []
    matches: list[Match]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ties(self) -> int:
        return self.decided_by.get("tie", 0)


# --- ratings -------------------------------------------------------------------------------------


def new_model() -> PlackettLuce:
    from openskill.models import PlackettLuce

    return PlackettLuce()


def _ranks(winner: Winner) -> list[float]:
    return [0.0, 0.0] if winner == "tie" else [0.0, 1.0] if winner == "a" else [1.0, 0.0]


def rate(model: PlackettLuce, players: int, decided: list[tuple[int, int, Winner]]) -> list[PlackettLuceRating]:
    """Each player's rating after every match, rated in the order given."""
    ratings = [model.rating(name=str(i)) for i in range(players)]
    for a, b, winner in decided:
        [[ratings[a]], [ratings[b]]] = model.rate([[ratings[a]], [ratings[b]]], ranks=_ranks(winner))
    return ratings


def expected_sigmas(
    model: PlackettLuce, ra: PlackettLuceRating, rb: PlackettLuceRating
) -> tuple[float, float, float, float]:
    """``(P(a beats b), P(draw), E[σ_a after], E[σ_b after])`` for one more match of a and b.

    The outcome's probabilities are openskill's: P(draw) = ``predict_draw``, and the rest split by
    ``predict_win``; each outcome's σ are those ``rate`` would give.
    """
    draw = model.predict_draw([[ra], [rb]])
    p = model.predict_win([[ra], [rb]])[0]
    sa = sb = 0.0
    for prob, winner in ((draw, "tie"), ((1 - draw) * p, "a"), ((1 - draw) * (1 - p), "b")):
        [[na], [nb]] = model.rate([[ra], [rb]], ranks=_ranks(winner))  # type: ignore[arg-type]
        sa += prob * na.sigma
        sb += prob * nb.sigma
    return p, draw, sa, sb


def propose(
    model: PlackettLuce,
    players: list[Player],
    ratings: list[PlackettLuceRating],
    played: Counter[tuple[int, int, str, str]],
    n: int,
) -> list[Proposal]:
    """The ``n`` most informative (agent pair, task, persona) cells to play next.

    A cell is a pair of players (i, j) and a (task, persona) both their runs cover. Its gain is

        gain = Δσ × 4·p·(1 − p) / (1 + n_c)

    - Δσ = σ_i + σ_j − E[σ_i' + σ_j']: the expected reduction of the pair's uncertainty from one
      more match, over openskill's outcome probabilities (draw: ``predict_draw``; a or b wins:
      the rest, split by ``predict_win``) and the σ' that ``rate`` gives each outcome. Large when
      the two are uncertain (σ large), small when they are well known;
    - 4·p·(1 − p), p = P(i beats j) (``predict_win``): 1 for evenly rated players, → 0 for a
      foregone result — the closest-rated pairs first;
    - n_c: matches this pair already played on this cell, so a cell compared many times gives
      way to fresh ones (the same task and customer again mostly repeats what is known).

    Chosen greedily: after each pick, that pair's σ become their expected post-match values (μ
    unchanged) and n_c grows by one, so a batch spreads over pairs and cells instead of asking
    the same question N times. Ties go to the earlier pair (command-line order), then the cell's
    order in the first run (tasks, then personas).
    """
    virtual = list(ratings)
    count = Counter(played)
    cells: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for i, j in itertools.combinations(range(len(players)), 2):
        tasks_j, personas_j = set(players[j].task_ids), set(players[j].personas)
        cells[(i, j)] = [
            (t, p) for t in players[i].task_ids if t in tasks_j for p in players[i].personas if p in personas_j
        ]
    chosen: list[Proposal] = []
    for _ in range(n):
        best: tuple[float, Proposal, tuple[int, int], tuple[float, float]] | None = None
        for (i, j), shared in cells.items():
            if not shared:
                continue
            p, _draw, sa, sb = expected_sigmas(model, virtual[i], virtual[j])
            drop = virtual[i].sigma + virtual[j].sigma - sa - sb
            task_id, persona = min(shared, key=lambda c: count[(i, j, *c)])  # min keeps the first of equals
            n_c = count[(i, j, task_id, persona)]
            gain = drop * 4 * p * (1 - p) / (1 + n_c)
            if best is None or gain > best[0]:
                proposal = Proposal(
                    a=players[i].label,
                    b=players[j].label,
                    task_id=task_id,
                    persona=persona,
                    gain=gain,
                    p_a_wins=p,
                    sigma_drop=drop,
                    played=n_c,
                )
                best = (gain, proposal, (i, j), (sa, sb))
        if best is None:
            break
        _, proposal, (i, j), (sa, sb) = best
        chosen.append(proposal)
        count[(i, j, proposal.task_id, proposal.persona)] += 1
        virtual[i] = model.rating(mu=virtual[i].mu, sigma=sa, name=str(i))
        virtual[j] = model.rating(mu=virtual[j].mu, sigma=sb, name=str(j))
    return chosen


def rank(
    players: list[Player],
    pairings: list[Pairing],
    prefer: Prefer = "none",
    judged: dict[Pairing, Winner] | None = None,
    *,
    judge: str | None = None,
    next_n: int = 0,
) -> Arena:
    """The leaderboard (and, with ``next_n``, the cells to play next) from paired trials.

    ``judged`` holds the preference judge's pick for pairings with equal rewards (``prefer="judge"``);
    a pairing it lacks is a tie.
    """
    if prefer not in PREFERS:
        raise ConfigError(f"--prefer {prefer!r}: choose none, ratings or judge")
    judged = judged or {}
    model = new_model()
    decided: list[tuple[int, int, Winner]] = []
    matches: list[Match] = []
    by: Counter[str] = Counter()
    tally = [Counter() for _ in players]
    played: Counter[tuple[int, int, str, str]] = Counter()
    for pairing in pairings:
        winner, decided_by = outcome(pairing, prefer, judged.get(pairing))
        a, b = pairing.a, pairing.b
        decided.append((a, b, winner))
        by[decided_by] += 1
        played[(a, b, pairing.key[0], pairing.key[1])] += 1
        if winner == "tie":
            tally[a]["ties"] += 1
            tally[b]["ties"] += 1
        else:
            tally[a]["wins" if winner == "a" else "losses"] += 1
            tally[b]["wins" if winner == "b" else "losses"] += 1
        matches.append(
            Match(
                a=players[a].label,
                b=players[b].label,
                task_id=pairing.key[0],
                persona=pairing.key[1],
                seed=pairing.key[2],
                reward_a=pairing.record_a.reward or 0.0,
                reward_b=pairing.record_b.reward or 0.0,
                winner=winner,
                decided_by=decided_by,
            )
        )
    ratings = rate(model, len(players), decided)
    standings = [
        Standing(
            rank=0,
            label=p.label,
            agent=p.agent,
            run=str(p.folder),
            arena_runs=[str(v.folder) for v in p.views[1:]],
            mu=ratings[i].mu,
            sigma=ratings[i].sigma,
            wins=tally[i]["wins"],
            losses=tally[i]["losses"],
            ties=tally[i]["ties"],
            trials=len(p.trials),
            pass_hat_1=p.pass_hat_1,
        )
        for i, p in enumerate(players)
    ]
    standings.sort(key=lambda s: (-s.ordinal, -s.mu, s.label))
    for place, s in enumerate(standings, 1):
        s.rank = place
    pair_counts = Counter((p.a, p.b) for p in pairings)
    return Arena(
        domain=players[0].domain,
        prefer=prefer,
        judge=judge,
        standings=standings,
        pairs=[
            PairCount(a=players[a].label, b=players[b].label, matches=pair_counts[(a, b)])
            for a, b in itertools.combinations(range(len(players)), 2)
        ],
        decided_by={k: by[k] for k in ("verdict", "ratings", "judge", "tie")},
        proposals=propose(model, players, ratings, played, next_n) if next_n else [],
        matches=matches,
    )
