"""Post-stratification: a run's numbers re-weighted to the population its customers were drawn from.

Pure functions of per-trial rows (persona, reward, optional overall rating) and a population's
strata. Each stratum's estimate is the success rate over its scored trials (pass^1) and the mean
overall rating of its rated trials; the post-stratified aggregate is Σ weight × stratum estimate.
Strata with no scored trials cannot be estimated: the aggregate renormalises the weights of the
strata that have data and says so (``covered_weight``, ``missing``, ``note``), so it then stands for
the covered part of the population only.

Intervals are 95% percentile bootstraps with fixed seeds (:mod:`frontdesk.eval.stats`): a
stratum's resamples its trials; the aggregate's resamples trials within each stratum and combines
the strata's resampled means with the same weights.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel

from frontdesk.eval.stats import RESAMPLES, bootstrap_ci, bootstrap_means
from frontdesk.simulators.population import Library, PersonaSample, Population
from frontdesk.simulators.population import stratum_of as population_stratum_of

INTERVAL_LABEL = "95% percentile bootstrap over trials within strata (10,000 resamples, fixed seed)"


class TrialRow(BaseModel):
    """What post-stratification needs of one trial."""

    persona: str
    reward: float | None  # None: not scored (the trial was excluded as the customer's fault)
    overall: float | None = None  # the customer's overall rating (1-7), when it rated the conversation


def rows_from_records(records: Iterable[Any]) -> list[TrialRow]:
    """TrialRecords (or anything with ``persona``, ``reward`` and ``experience``) as rows."""
    rows = []
    for r in records:
        experience = getattr(r, "experience", None)
        overall = experience.overall.score if experience is not None else None
        rows.append(TrialRow(persona=r.persona, reward=r.reward, overall=overall))
    return rows


class StratumEstimate(BaseModel):
    name: str
    weight: float  # its share of the population (normalised over all strata)
    personas: list[str]  # personas of this stratum that have rows, in first-seen order
    trials: int  # scored trials
    successes: float  # sum of their rewards
    pass_1: float | None  # successes / trials; None without scored trials
    pass_1_ci: tuple[float, float] | None  # None below two scored trials
    rated: int  # trials with an overall rating
    mean_overall: float | None
    mean_overall_ci: tuple[float, float] | None
    aggregate_weight: float | None  # its weight in the aggregate pass^1 (renormalised); None if left out


class PostStratified(BaseModel):
    population: str
    strata: list[StratumEstimate]  # in the population's order
    pass_1: float | None  # Σ aggregate_weight × stratum pass^1; None when no stratum has scored trials
    pass_1_ci: tuple[float, float] | None
    covered_weight: float  # population share of the strata with scored trials (1.0 = all of it)
    missing: list[str]  # strata without scored trials, left out of the aggregate
    mean_overall: float | None  # the same aggregate over the strata with ratings
    mean_overall_ci: tuple[float, float] | None
    rated_covered_weight: float
    worst_first: list[str]  # strata with scored trials, lowest pass^1 first (then lower rating, then order)
    unassigned: list[str]  # personas in the rows that belong to no stratum: their trials are not counted
    note: str  # one line on what the aggregate covers
    interval_label: str = INTERVAL_LABEL


def _weighted(
    groups: list[list[float]], weights: list[float], seeds: list[int], resamples: int
) -> tuple[float | None, tuple[float, float] | None]:
    """Σ w × mean(group) over the non-empty groups (weights renormalised), with its bootstrap interval."""
    kept = [(g, w, s) for g, w, s in zip(groups, weights, seeds, strict=True) if g]
    if not kept:
        return None, None
    total = sum(w for _, w, _ in kept)
    point = sum(w / total * (sum(g) / len(g)) for g, w, _ in kept)
    if sum(len(g) for g, _, _ in kept) < 2:
        return point, None
    draws = np.zeros(resamples)
    for g, w, s in kept:
        draws += w / total * bootstrap_means(g, seed=s, resamples=resamples)
    draws.sort()
    return point, (float(draws[int(0.025 * resamples)]), float(draws[int(0.975 * resamples) - 1]))


def _percent(x: float) -> str:
    return f"{100 * x:.0f}%"


def post_stratify(
    rows: Iterable[TrialRow | Mapping[str, Any]],
    sample: PersonaSample | Population,
    *,
    stratum_of: Mapping[str, str] | None = None,
    library: Library | None = None,
    seed: int = 0,
    resamples: int = RESAMPLES,
) -> PostStratified:
    """Per-stratum pass^1 and mean overall rating, and their post-stratified aggregates.

    ``sample`` gives the strata, their weights and (for a PersonaSample) which persona is in which
    stratum. Given a Population, ``stratum_of`` (persona -> stratum) is used if passed, and
    otherwise derived from ``library`` (default: the shipped personas) by the first-match rule.
    Rows of personas in no stratum are left out and named in ``unassigned``.
    """
    if isinstance(sample, PersonaSample):
        name, weights = sample.population, sample.weights()
        mapping = dict(stratum_of) if stratum_of is not None else sample.stratum_of()
    else:
        name, weights = sample.name, sample.weights()
        mapping = dict(stratum_of) if stratum_of is not None else population_stratum_of(sample, library)
    unknown = sorted(set(mapping.values()) - set(weights))
    if unknown:
        raise ValueError(f"stratum_of names strata the population lacks: {', '.join(unknown)}")

    rewards: dict[str, list[float]] = {s: [] for s in weights}
    ratings: dict[str, list[float]] = {s: [] for s in weights}
    seen: dict[str, dict[str, None]] = {s: {} for s in weights}
    unassigned: dict[str, None] = {}
    for raw in rows:
        row = raw if isinstance(raw, TrialRow) else TrialRow.model_validate(raw)
        stratum = mapping.get(row.persona)
        if stratum is None:
            unassigned[row.persona] = None
            continue
        seen[stratum][row.persona] = None
        if row.reward is not None:
            rewards[stratum].append(float(row.reward))
        if row.overall is not None:
            ratings[stratum].append(float(row.overall))

    names = list(weights)
    seeds = [seed + i for i in range(len(names))]
    covered = sum(weights[s] for s in names if rewards[s])
    rated_covered = sum(weights[s] for s in names if ratings[s])
    estimates = []
    for s, stratum_seed in zip(names, seeds, strict=True):
        r, o = rewards[s], ratings[s]
        estimates.append(
            StratumEstimate(
                name=s,
                weight=weights[s],
                personas=list(seen[s]),
                trials=len(r),
                successes=sum(r),
                pass_1=sum(r) / len(r) if r else None,
                pass_1_ci=bootstrap_ci(r, seed=stratum_seed, resamples=resamples),
                rated=len(o),
                mean_overall=sum(o) / len(o) if o else None,
                mean_overall_ci=bootstrap_ci(o, seed=stratum_seed, resamples=resamples),
                aggregate_weight=weights[s] / covered if r else None,
            )
        )
    w = [weights[s] for s in names]
    pass_1, pass_1_ci = _weighted([rewards[s] for s in names], w, seeds, resamples)
    overall, overall_ci = _weighted([ratings[s] for s in names], w, seeds, resamples)

    missing = [s for s in names if not rewards[s]]
    order = {s: i for i, s in enumerate(names)}
    by_name = {e.name: e for e in estimates}
    worst_first = sorted(
        (s for s in names if rewards[s]),
        key=lambda s: (by_name[s].pass_1, by_name[s].mean_overall if ratings[s] else float("inf"), order[s]),
    )
    if not missing:
        note = f"post-stratified over all {len(names)} strata of {name}"
    elif len(missing) == len(names):
        note = f"no stratum of {name} has scored trials, so there is no post-stratified estimate"
    else:
        note = (
            f"post-stratified over {len(names) - len(missing)} of {len(names)} strata of {name} "
            f"({_percent(covered)} of the population); no scored trials in {', '.join(missing)}, so their weight is "
            "spread over the others in proportion and the estimate stands for the covered part only"
        )
    return PostStratified(
        population=name,
        strata=estimates,
        pass_1=pass_1,
        pass_1_ci=pass_1_ci,
        covered_weight=covered,
        missing=missing,
        mean_overall=overall,
        mean_overall_ci=overall_ci,
        rated_covered_weight=rated_covered,
        worst_first=worst_first,
        unassigned=list(unassigned),
        note=note,
    )
