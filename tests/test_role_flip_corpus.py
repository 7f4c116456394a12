"""The role-flip guard on a hand-written corpus (tests/data/role_flip_corpus.json): customer turns
that slip into the agent's role, and genuine ones that mention help, sorry or thanks."""

from __future__ import annotations

import json
from pathlib import Path

from frontdesk.envs import UserScenario
from frontdesk.simulators.guards import agent_like_speech, check_turn
from frontdesk.trajectory import Message, Role, UserTurn

CORPUS = json.loads((Path(__file__).parent / "data" / "role_flip_corpus.json").read_text(encoding="utf-8"))["turns"]
SCENARIO = UserScenario(reason_for_contact="You need help with an order.")
OPENED = [Message(role=Role.AGENT, content="Hi! How can I help you today?")]


def flagged(text: str) -> bool:
    failure = check_turn(UserTurn(text=text), SCENARIO, OPENED)
    return failure is not None and failure.guard == "role_flip"


def test_the_corpus_is_large_and_balanced():
    labels = [t["label"] for t in CORPUS]
    assert len(CORPUS) >= 60 and set(labels) == {"agent", "customer"}
    assert abs(labels.count("agent") - labels.count("customer")) <= 2
    customers = [t["text"].lower() for t in CORPUS if t["label"] == "customer"]
    hard = [t for t in customers if any(w in t for w in ("help", "sorry", "assist", "apologi", "thank"))]
    assert len(hard) >= 0.6 * len(customers)  # the genuine turns are the hard ones: they say help or sorry


def test_role_flip_guard_accuracy_on_the_corpus_is_at_least_95_percent():
    wrong = [t for t in CORPUS if flagged(t["text"]) != (t["label"] == "agent")]
    accuracy = 1 - len(wrong) / len(CORPUS)
    assert accuracy >= 0.95, f"accuracy {accuracy:.1%}; misjudged: {wrong}"
    # neither side may carry the figure alone
    for label in ("agent", "customer"):
        turns = [t for t in CORPUS if t["label"] == label]
        assert sum(t in wrong for t in turns) <= 0.08 * len(turns), label


def test_the_guard_names_the_speech_acts_it_saw():
    score = agent_like_speech("Sure, I'd be happy to help you with that. Could you please provide your order number?")
    assert score.agent_like and {act for act, _ in score.acts} == {"offers help", "asks for the customer's details"}
    failure = check_turn(UserTurn(text="Let me pull up your account for you."), SCENARIO, OPENED)
    assert failure is not None and "acts on the customer's account" in failure.reason


def test_weak_service_phrasing_needs_company_and_customer_voice_argues_against_it():
    assert not agent_like_speech("Thank you for your patience.").agent_like  # one weak act: not enough
    assert agent_like_speech("Thank you for your patience. Is there anything else?").agent_like
    assert not agent_like_speech("Thank you for your patience. Is there anything else? I need my refund.").agent_like
