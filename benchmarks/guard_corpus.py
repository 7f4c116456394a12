"""Replay the 1,000-turn customer corpus through the turn guards and the stall guard; print how often each fires.

    python benchmarks/guard_corpus.py            # tests/data/guard_corpus.jsonl
    python benchmarks/guard_corpus.py --json     # the same figures, machine-readable

Each turn is checked exactly as the LLM customer's turn would be (``check_turn`` with the task's
scenario and the conversation before it); a turn that passes and carries no signal then goes to the
stall guard (``stalled``) as the orchestrator would ask it. Printed: how often each guard fired over
all turns, and per kind of turn how often the expected guard fired and what fired instead — on the
clean kinds, anything that fires is a false positive. The corpus is written by
``benchmarks/make_guard_corpus.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from frontdesk.envs import get_domain
from frontdesk.simulators.guards import check_turn, stalled
from frontdesk.simulators.signals import parse_user_text
from frontdesk.trajectory import Message, Role, UserTurn

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "guard_corpus.jsonl"
_ROLES = {"agent": Role.AGENT, "user": Role.USER}


def verdict(row: dict[str, Any], scenarios: dict[str, Any]) -> str | None:
    """What fires on this turn: a turn guard's name, ``stall:stop`` / ``stall:error``, or None."""
    context = [Message(role=_ROLES[m["role"]], content=m["content"]) for m in row["context"]]
    text, signal = parse_user_text(row["text"])
    failure = check_turn(UserTurn(text=text, signal=signal), scenarios[row["task"]], context)
    if failure is not None:
        return failure.guard
    if signal is not None:
        return None
    stall = stalled([*context, Message(role=Role.USER, content=text)])
    return f"stall:{stall.ending}" if stall else None


def replay(path: Path = CORPUS) -> dict[str, Any]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    scenarios = {t.id: t.user_scenario for t in get_domain("mock").tasks}
    fired: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    expected: dict[str, str | None] = {}
    started = time.perf_counter()
    for row in rows:
        got = verdict(row, scenarios)
        fired[got or "(none)"] += 1
        by_kind[row["kind"]][got or "(none)"] += 1
        expected[row["kind"]] = row["expect"]
    elapsed = time.perf_counter() - started
    kinds = {}
    for kind, counts in by_kind.items():
        n = sum(counts.values())
        want = expected[kind] or "(none)"
        kinds[kind] = {
            "turns": n,
            "expect": expected[kind],
            "hit": counts[want],
            "rate": counts[want] / n,
            "fired": dict(counts),
        }
    clean = [k for k in kinds.values() if k["expect"] is None]
    faulty = [k for k in kinds.values() if k["expect"] is not None]
    return {
        "turns": len(rows),
        "fired": dict(fired.most_common()),
        "kinds": kinds,
        "false_positive_rate": sum(k["turns"] - k["hit"] for k in clean) / max(1, sum(k["turns"] for k in clean)),
        "detection_rate": sum(k["hit"] for k in faulty) / max(1, sum(k["turns"] for k in faulty)),
        "us_per_turn": 1e6 * elapsed / max(1, len(rows)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = replay(args.corpus)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    n = figures["turns"]
    print(f"{n} customer turns from {args.corpus.name}\n")
    print(f"{'fired':<18}{'turns':>7}{'share':>9}")
    for name, count in figures["fired"].items():
        print(f"{name:<18}{count:>7}{count / n:>9.1%}")
    print(f"\n{'kind of turn':<24}{'turns':>6}  {'expected':<16}{'hit':>7}  otherwise fired")
    for kind, k in sorted(figures["kinds"].items(), key=lambda item: (item[1]["expect"] is not None, item[0])):
        others = ", ".join(f"{g} {c}" for g, c in sorted(k["fired"].items()) if g != (k["expect"] or "(none)"))
        print(f"{kind:<24}{k['turns']:>6}  {k['expect'] or '(nothing)':<16}{k['rate']:>7.1%}  {others or '-'}")
    print(
        f"\nclean turns flagged: {figures['false_positive_rate']:.1%}; faulty turns caught: "
        f"{figures['detection_rate']:.1%}; {figures['us_per_turn']:.0f} µs per turn"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
