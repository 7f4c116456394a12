"""`frontdesk arena`: agents rated against each other on the same trials; what to play next."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import Say
from test_cli import assert_one_line_error, frontdesk

from frontdesk.envs import get_domain
from frontdesk.errors import RunFolderError
from frontdesk.eval import RunConfig, run, trial_seed
from frontdesk.eval.arena import (
    MARKER,
    Player,
    expected_sigmas,
    load_players,
    new_model,
    pair_trials,
    propose,
    rank,
)
from frontdesk.eval.arena_run import build_arena, run_proposals
from frontdesk.eval.arena_view import render_arena_html
from frontdesk.eval.orchestrator import TerminationReason
from frontdesk.eval.preference import REMINDER, parse_answer, shown_swapped
from frontdesk.eval.record import TrialRecord
from frontdesk.eval.report import RunView
from frontdesk.eval.runner import build_manifest, select_tasks
from frontdesk.eval.store import RunStore
from frontdesk.simulators.experience import scripted_experience
from frontdesk.trajectory import Message, Role, Usage

MOCK = get_domain("mock")
TASKS = [t.id for t in MOCK.tasks]  # 15 tasks


def write_run(
    folder: Path,
    agent: str,
    rewards: dict[str, float | None],
    overall: dict[str, int] | None = None,
    *,
    seed: int = 0,
    says: str | None = None,
    **manifest: Any,
) -> Path:
    """A finished one-trial run of ``rewards`` ({task: reward}) written through the store, with the
    manifest `frontdesk run` would write (``agent`` as its agent); ``overall`` sets the customer's
    overall rating per task; ``says`` is the agent's one line in every conversation."""
    config = RunConfig(domain="mock", task_ids=list(rewards), seed=seed)
    built = build_manifest(config, MOCK, select_tasks(MOCK, config))
    built["config"]["agent"] = agent
    built.update(manifest)
    store = RunStore(folder)
    store.open(built)
    for task_id, reward in rewards.items():
        experience = None
        if overall is not None and task_id in overall:
            base = scripted_experience(reward, 2)
            experience = base.model_copy(
                update={"overall": base.overall.model_copy(update={"score": overall[task_id]})}
            )
        messages = [
            Message(role=Role.USER, content=f"Hello, about {task_id}."),
            Message(role=Role.AGENT, content=says or f"{agent} here."),
        ]
        store.append(
            TrialRecord(
                task_id=task_id,
                persona="regular",
                trial=0,
                seed=trial_seed(seed, task_id, 0, "regular"),
                termination=TerminationReason.USER_STOP,
                started_at=0.0,
                duration_s=0.0,
                agent_usage=Usage(),
                user_usage=Usage(),
                reward=reward,
                messages=messages,
                experience=experience,
            )
        )
    return folder


def passing(n: int) -> dict[str, float | None]:
    """The first n tasks pass, the rest fail."""
    return {t: 1.0 if i < n else 0.0 for i, t in enumerate(TASKS)}


def labels(arena) -> list[str]:
    return [s.label for s in arena.standings]


def standing(arena, label: str):
    return next(s for s in arena.standings if s.label == label)


# --- ratings -------------------------------------------------------------------------------------


def test_ratings_recover_a_known_ordering(tmp_path) -> None:
    # A beats B beats C on most cells (nested pass sets); given out of order on purpose
    a = write_run(tmp_path / "a", "model/a", passing(13))
    b = write_run(tmp_path / "b", "model/b", passing(8))
    c = write_run(tmp_path / "c", "model/c", passing(3))
    arena = build_arena([c, a, b])
    assert labels(arena) == ["model/a", "model/b", "model/c"]
    assert [s.rank for s in arena.standings] == [1, 2, 3]
    mus = [s.mu for s in arena.standings]
    assert mus == sorted(mus, reverse=True)
    for s in arena.standings:
        assert s.ordinal == pytest.approx(s.mu - 3 * s.sigma)
        assert s.interval == pytest.approx((s.mu - 2 * s.sigma, s.mu + 2 * s.sigma))
        assert s.matches == 30  # 15 paired trials against each of the two others
    # A vs B: A wins tasks 8..12; both pass 0..7 and both fail 13, 14 (ties); A vs C: 10 wins, 5 ties
    top = standing(arena, "model/a")
    assert (top.wins, top.losses, top.ties) == (5 + 10, 0, 10 + 5)
    assert top.pass_hat_1 == pytest.approx(13 / 15)
    assert arena.decided_by == {"verdict": 5 + 10 + 5, "ratings": 0, "judge": 0, "tie": 10 + 5 + 10}
    assert len(arena.matches) == 45
    # the same runs always give the same leaderboard
    again = build_arena([c, a, b])
    assert [(s.label, s.mu, s.sigma) for s in again.standings] == [(s.label, s.mu, s.sigma) for s in arena.standings]


def test_ties_are_counted_and_leave_equal_agents_equal(tmp_path) -> None:
    a = write_run(tmp_path / "a", "model/a", passing(7))
    b = write_run(tmp_path / "b", "model/b", passing(7))
    arena = build_arena([a, b])
    assert arena.ties == 15 and arena.decided_by["tie"] == 15
    for s in arena.standings:
        assert (s.wins, s.losses, s.ties) == (0, 0, 15)
    first, second = arena.standings
    assert first.mu == pytest.approx(second.mu) and first.sigma == pytest.approx(second.sigma)
    assert first.sigma < 25 / 3  # ties are information too


def test_two_runs_of_one_agent_are_told_apart_by_folder(tmp_path) -> None:
    a = write_run(tmp_path / "first", "scripted/oracle", passing(10))
    b = write_run(tmp_path / "second", "scripted/oracle", passing(5))
    assert labels(build_arena([a, b])) == ["scripted/oracle (first)", "scripted/oracle (second)"]


def test_only_the_same_trial_seed_is_a_match(tmp_path) -> None:
    a = write_run(tmp_path / "a", "model/a", passing(10), seed=0)
    b = write_run(tmp_path / "b", "model/b", passing(5), seed=7)  # same tasks, other trials
    arena = build_arena([a, b])
    assert arena.matches == [] and [p.matches for p in arena.pairs] == [0]
    from frontdesk.eval.arena_view import notes

    assert any("no paired trials between model/a and model/b" in line for line in notes(arena))


def test_prefer_ratings_breaks_equal_rewards_by_the_customers_overall_rating(tmp_path) -> None:
    rewards = {t: 1.0 for t in TASKS[:4]}
    a = write_run(tmp_path / "a", "model/a", rewards, {TASKS[0]: 7, TASKS[1]: 7, TASKS[2]: 5, TASKS[3]: 6})
    # B: lower on two, equal on one, no rating on the last
    b = write_run(tmp_path / "b", "model/b", rewards, {TASKS[0]: 5, TASKS[1]: 4, TASKS[2]: 5})
    plain = build_arena([a, b])
    assert plain.decided_by["tie"] == 4 and plain.standings[0].mu == pytest.approx(plain.standings[1].mu)
    rated = build_arena([a, b], prefer="ratings")
    assert rated.decided_by == {"verdict": 0, "ratings": 2, "judge": 0, "tie": 2}
    assert labels(rated) == ["model/a", "model/b"]
    top = standing(rated, "model/a")
    assert (top.wins, top.losses, top.ties) == (2, 0, 2)
    by_task = {m.task_id: (m.winner, m.decided_by) for m in rated.matches}
    assert by_task[TASKS[0]] == ("a", "ratings") and by_task[TASKS[2]] == ("tie", "tie")
    assert by_task[TASKS[3]] == ("tie", "tie")  # a missing rating never decides


def test_the_verdict_decides_before_any_preference(tmp_path) -> None:
    a = write_run(tmp_path / "a", "model/a", {TASKS[0]: 0.0}, {TASKS[0]: 7})
    b = write_run(tmp_path / "b", "model/b", {TASKS[0]: 1.0}, {TASKS[0]: 1})
    [match] = build_arena([a, b], prefer="ratings").matches
    assert (match.winner, match.decided_by) == ("b", "verdict")


def test_user_excluded_trials_are_not_matches(tmp_path) -> None:
    a = write_run(tmp_path / "a", "model/a", {TASKS[0]: 1.0, TASKS[1]: None})
    b = write_run(tmp_path / "b", "model/b", {TASKS[0]: 0.0, TASKS[1]: 1.0})
    arena = build_arena([a, b])
    assert [m.task_id for m in arena.matches] == [TASKS[0]]


# --- what to play next ---------------------------------------------------------------------------


def _player(label: str, tasks: list[str]) -> Player:
    from frontdesk.eval.metrics import RunSummary

    summary = RunSummary(tasks=len(tasks), trials_expected=0, trials_valid=0, trials_user_excluded=0,
                         trials_pending=0, infra_failures=0, average_reward=None, rows=[], per_task=[])  # fmt: skip
    manifest = {"config": {"domain": "mock", "agent": label, "personas": [{"name": "regular"}]}, "task_ids": tasks}
    return Player(label, [RunView(Path(label), manifest, [], [], summary)])


def test_information_gain_picks_the_closest_rated_pair_first() -> None:
    model = new_model()
    players = [_player(name, TASKS[:3]) for name in ("strong", "middle", "close")]
    ratings = [model.rating(mu=40, sigma=4), model.rating(mu=24, sigma=4), model.rating(mu=25, sigma=4)]
    [first] = propose(model, players, ratings, Counter(), 1)
    assert (first.a, first.b) == ("middle", "close")
    # the documented formula: Δσ × 4p(1 − p) / (1 + n)
    p, _, sa, sb = expected_sigmas(model, ratings[1], ratings[2])
    drop = ratings[1].sigma + ratings[2].sigma - sa - sb
    assert first.sigma_drop == pytest.approx(drop) and first.p_a_wins == pytest.approx(p)
    assert first.gain == pytest.approx(drop * 4 * p * (1 - p))
    # at equal distance, the more uncertain pair first
    ratings = [model.rating(mu=25, sigma=2), model.rating(mu=30, sigma=2), model.rating(mu=20, sigma=7)]
    [first] = propose(model, players, ratings, Counter(), 1)
    assert {first.a, first.b} == {"strong", "close"}


def test_cells_compared_many_times_give_way_and_a_batch_spreads() -> None:
    model = new_model()
    players = [_player("x", TASKS[:3]), _player("y", TASKS[:3])]
    ratings = [model.rating(), model.rating()]
    played = Counter({(0, 1, TASKS[0], "regular"): 5, (0, 1, TASKS[1], "regular"): 2})
    batch = propose(model, players, ratings, played, 3)
    assert [p.task_id for p in batch] == [TASKS[2], TASKS[2], TASKS[1]]  # n: 0, then 1, then 2
    assert [p.played for p in batch] == [0, 1, 2]
    assert batch[0].gain > batch[1].gain > batch[2].gain


def test_next_proposes_from_real_runs_in_a_deterministic_order(tmp_path) -> None:
    a = write_run(tmp_path / "a", "model/a", passing(15))
    b = write_run(tmp_path / "b", "model/b", passing(6))
    c = write_run(tmp_path / "c", "model/c", passing(5))
    arena = build_arena([a, b, c], next_n=2)
    assert [(p.a, p.b) for p in arena.proposals][0] == ("model/b", "model/c")  # the two close ones
    assert arena.proposals == build_arena([a, b, c], next_n=2).proposals


# --- refusals ------------------------------------------------------------------------------------


def test_runs_of_different_domains_are_refused_in_one_line(tmp_path) -> None:
    a = write_run(tmp_path / "a", "model/a", passing(3))
    b = write_run(tmp_path / "b", "model/b", passing(3))
    manifest = json.loads((b / "manifest.json").read_text())
    manifest["config"]["domain"] = "retail"
    (b / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(RunFolderError, match="different domains"):
        load_players([a, b])
    assert_one_line_error(frontdesk("arena", str(a), str(b)), "refusing to rank runs of different domains", "retail")


def test_runs_of_a_changed_domain_are_refused_in_one_line(tmp_path) -> None:
    a = write_run(tmp_path / "a", "model/a", passing(3))
    b = write_run(tmp_path / "b", "model/b", passing(3), domain_fingerprint="0" * 64)
    assert_one_line_error(frontdesk("arena", str(a), str(b)), "refusing to rank", "domain fingerprint")


def test_one_run_is_not_an_arena(tmp_path) -> None:
    a = write_run(tmp_path / "a", "model/a", passing(3))
    assert_one_line_error(frontdesk("arena", str(a), str(a)), "at least two runs")
    assert_one_line_error(frontdesk("arena", str(a), str(a), "--prefer", "judge"), "--judge MODEL")


# --- the command ---------------------------------------------------------------------------------


def test_the_command_prints_the_leaderboard_and_valid_json(tmp_path) -> None:
    a = write_run(tmp_path / "a", "model/a", passing(12))
    b = write_run(tmp_path / "b", "model/b", passing(4))
    shown = frontdesk("arena", str(b), str(a), "--next", "2")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if "model/a" in line)
    second = next(i for i, line in enumerate(lines) if "model/b" in line)
    assert first < second  # sorted by rating, not by the order given
    assert "± " in shown.stdout and "pass^1" in shown.stdout and "0.800" in shown.stdout
    assert "15 matches over 1 pair" in shown.stdout and "7 ties" in shown.stdout
    assert "most informative" in shown.stdout
    as_json = frontdesk("arena", str(b), str(a), "--json", "--next", "2")
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert [s["label"] for s in data["standings"]] == ["model/a", "model/b"]
    top = data["standings"][0]
    assert {"mu", "sigma", "ordinal", "wins", "losses", "ties", "matches", "pass_hat_1", "interval"} <= set(top)
    assert (top["wins"], top["losses"], top["ties"], top["matches"]) == (8, 0, 7, 15)
    assert len(data["proposals"]) == 2 and data["decided_by"]["tie"] == 7


def test_html_escapes_a_hostile_run_label(tmp_path) -> None:
    hostile = "<script>alert('x')</script>"
    a = write_run(tmp_path / "a", hostile, passing(9))
    b = write_run(tmp_path / "b<img src=x onerror=alert(1)>", "model/b", passing(3))
    page = tmp_path / "arena.html"
    result = frontdesk("arena", str(a), str(b), "--html", str(page), "--next", "1")
    assert result.returncode == 0, result.stderr
    html = page.read_text()
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert html == render_arena_html(build_arena([a, b], next_n=1))


# --- the preference judge ------------------------------------------------------------------------


def test_parse_answer_is_strict() -> None:
    assert [parse_answer(t) for t in ("A", " b. ", "**TIE**", "`A`", "tie")] == ["A", "B", "TIE", "A", "TIE"]
    assert [parse_answer(t) for t in ("A or B", "I think A", "", None, "ATIE")] == [None] * 5


def test_prefer_judge_with_a_mocked_judge(replay, tmp_path) -> None:
    tasks = TASKS[:3]
    a = write_run(tmp_path / "a", "model/a", {t: 1.0 for t in tasks}, says="I am agent Alpha.")
    b = write_run(tmp_path / "b", "model/b", {**{t: 1.0 for t in tasks[:2]}, tasks[2]: 0.0}, says="I am agent Beta.")
    players = load_players([a, b])
    seeds = {p.key[0]: p.key[2] for p in pair_trials(players)}
    # Pairings are judged in the arena's order (task ids sorted): the two with equal rewards.
    first, second = sorted(tasks[:2])
    # The first is answered "A" (whoever was shown first); the second needs a re-ask, then "B".
    replay.script("judge", [Say("A"), Say("Alpha did better."), Say("B")])
    arena = build_arena([a, b], prefer="judge", judge="replay/judge")
    requests = replay.requests_for("judge")
    assert len(requests) == 3 and arena.judge_calls == arena.judge_attempts == 3
    shown_first = {}
    for task_id, request in ((first, requests[0]), (second, requests[1])):
        system, user = request.messages[0]["content"], request.messages[1]["content"]
        assert MOCK.policy.strip()[:200] in system and "exactly one word" in system
        conversation_a = user.split("CONVERSATION B")[0]
        shown_first[task_id] = "b" if "Beta" in conversation_a else "a"
        assert shown_first[task_id] == ("b" if shown_swapped(seeds[task_id]) else "a")  # the seed's coin
        assert f"about {task_id}" in user
    assert requests[2].messages[-1]["content"] == REMINDER  # the re-ask
    by_task = {m.task_id: (m.winner, m.decided_by) for m in arena.matches}
    assert by_task[tasks[2]] == ("a", "verdict")  # never asked: the verdict decided
    assert by_task[first] == (shown_first[first], "judge")  # "A" is whoever was shown as A
    assert by_task[second] == ("a" if shown_first[second] == "b" else "b", "judge")
    assert arena.judge_unusable == 0 and arena.decided_by["judge"] == 2


def test_a_judge_that_never_answers_in_the_format_is_a_tie(replay, tmp_path) -> None:
    a = write_run(tmp_path / "a", "model/a", {TASKS[0]: 1.0})
    b = write_run(tmp_path / "b", "model/b", {TASKS[0]: 1.0})
    replay.script("judge", [Say("Both were fine."), Say("Really, both.")])
    arena = build_arena([a, b], prefer="judge", judge="replay/judge")
    [match] = arena.matches
    assert (match.winner, match.decided_by) == ("tie", "tie")
    assert arena.judge_unusable == 1 and arena.judge_calls == 2  # asked once more, then a tie


def test_position_balance_flips_about_half_the_trials() -> None:
    flips = sum(shown_swapped(trial_seed(0, t, i, "regular")) for t in TASKS for i in range(4))
    assert 15 <= flips <= 45  # of 60


# --- playing the proposed cells ------------------------------------------------------------------


def test_run_plays_the_proposed_cells_on_a_shared_seed_and_the_leaderboard_counts_them(tmp_path) -> None:
    oracle, null = tmp_path / "oracle", tmp_path / "null"
    tasks = TASKS[:4]
    run(RunConfig(domain="mock", agent="scripted/oracle", task_ids=tasks), oracle)
    run(RunConfig(domain="mock", agent="scripted/null", task_ids=tasks), null)
    result = frontdesk("arena", str(oracle), str(null), "--next", "2", "--run", "--json")
    assert result.returncode == 0, result.stderr
    new = [tmp_path / "oracle-arena-1", tmp_path / "null-arena-1"]
    assert all((f / "manifest.json").exists() and (f / MARKER).exists() for f in new)
    assert "into " in result.stderr and str(new[0]) in result.stderr
    data = json.loads(result.stdout)
    for s in data["standings"]:
        assert s["matches"] == 4 + 2 and len(s["arena_runs"]) == 1
    marker = json.loads((new[0] / MARKER).read_text())
    assert marker["extends"] == "oracle" and marker["seed"] == 1
    oracle_new = {(r.task_id, r.seed) for r in RunStore(new[0]).records()}
    null_new = {(r.task_id, r.seed) for r in RunStore(new[1]).records()}
    assert oracle_new == null_new and len(oracle_new) == 2  # the same trials, new seeds
    manifest = RunStore(new[0]).read_manifest()
    assert manifest["config"]["agent"] == "scripted/oracle" and manifest["config"]["trials"] == 1
    # later arenas of the same runs count the arena runs; a second round takes the next folder and seed
    assert build_arena([oracle, null]).standings[0].matches == 6
    again = build_arena([oracle, null], next_n=1)
    played = run_proposals([oracle, null], again.proposals)
    assert played.seed == 2 and [f.name for f in played.folders] == ["oracle-arena-2", "null-arena-2"]


def test_a_run_that_cannot_be_rerun_here_is_named_in_one_line(tmp_path, monkeypatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_API_BASE", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    a = write_run(tmp_path / "a", "scripted/oracle", passing(3))
    b = write_run(tmp_path / "b", "openai/gpt-4o-mini", passing(1))
    arena = build_arena([a, b], next_n=1)
    said: list[str] = []
    played = run_proposals([a, b], arena.proposals, announce=said.append)
    assert played.folders == [] and played.cells == 0
    [line] = played.skipped
    assert said == [line] and "\n" not in line
    assert line.startswith("cannot re-run openai/gpt-4o-mini here: ") and "OPENAI_API_KEY" in line
    assert not (tmp_path / "a-arena-1").exists()
    pinned = rank(load_players([a, b]), pair_trials(load_players([a, b])))
    assert [s.matches for s in pinned.standings] == [15, 15]  # nothing was added
