"""The 1,000-turn customer corpus (tests/data/guard_corpus.jsonl) and its replay through the guards."""

from __future__ import annotations

from benchmarks.guard_corpus import CORPUS, replay
from benchmarks.make_guard_corpus import build, render


def test_the_corpus_is_what_its_generator_writes():
    assert CORPUS.read_text(encoding="utf-8") == render(build())  # deterministic: rerun the generator after a change


def test_every_guard_fires_where_it_should_and_rarely_elsewhere():
    figures = replay()
    assert figures["turns"] == 1000
    assert figures["false_positive_rate"] <= 0.02  # clean turns a guard would have regenerated
    assert figures["detection_rate"] >= 0.95
    for kind, k in figures["kinds"].items():
        if k["expect"] is not None:
            assert k["rate"] >= 0.9, (kind, k)
