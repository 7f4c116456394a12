"""Write tests/data/guard_corpus.jsonl: 1,000 recorded-style simulated-customer turns on the mock shop.

Each line is one customer turn with the conversation before it, the mock task whose scenario the
customer plays, its ``kind`` (what the turn is) and ``expect`` (the guard that should fire, or
``stall:stop`` / ``stall:error`` for the stall guard, or null for a clean turn). The phrasing is
drawn from the ways real simulated customers write — genuine openings, answers, confirmations,
goodbyes, and the faults small open models produce (speaking as the agent, leaking the prompt,
inventing ids, going silent, stopping early, saying goodbye forever, repeating themselves).

Deterministic: the same seed writes the same bytes (tests/test_guard_corpus.py checks it).
``python benchmarks/make_guard_corpus.py`` rewrites the file; ``--check`` only compares.
``python benchmarks/guard_corpus.py`` replays it through the guards and prints how often each fires.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

from frontdesk.envs import get_domain

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "guard_corpus.jsonl"
SEED = 20261122
GREETING = "Hi! How can I help you today?"

# (kind, expect, how many)
PLAN = [
    ("opening", None, 120),
    ("answers_fact", None, 120),
    ("confirms", None, 90),
    ("declines", None, 30),
    ("asks", None, 60),
    ("does_not_know", None, 40),
    ("thanks_midway", None, 40),
    ("stops_with_token", None, 100),
    ("speaks_as_agent", "role_flip", 120),
    ("leaks_prompt", "leak", 50),
    ("invents_fact", "invented_facts", 80),
    ("empty", "empty", 30),
    ("stops_before_anything", "premature_stop", 30),
    ("goodbye_loop", "stall:stop", 50),
    ("stuck_repeating", "stall:error", 40),
]

HELLO = ["", "Hi, ", "Hello. ", "Hey there, ", "Good morning! ", "Hi, sorry to bother you. ", "Hello! "]
PLEASE = [
    "",
    " Can you help me?",
    " Thanks in advance.",
    " I hope you can help.",
    " Thank you.",
    " Sorry if this is a silly question.",
]
ASK_FACT = {
    "email": ["What is the email address on your account?", "Could I get the email on the account?"],
    "order_id": ["Which order is it? Do you have the order id?", "What's the order number?"],
    "new_address": ["What is the new address?", "Where should it go instead?"],
    "new_email": ["What is the new email address?", "Which address should I switch it to?"],
    "sku": ["Do you have the product code?", "Which product is it exactly?"],
}
ANSWER = [
    "It's {v}.",
    "Sure, my {k} is {v}.",
    "{v}",
    "Sorry, here it is: {v}",
    "My {k} is {v}, thanks.",
    "Oh, it's {v}.",
]
CONFIRM_Q = [
    "I can cancel it now. Shall I proceed? (yes/no)",
    "Do you want me to go ahead with that?",
    "Just to confirm: should I make this change?",
]
CONFIRM = [
    "Yes, please go ahead.",
    "Yes please.",
    "Yes, that's right, go ahead.",
    "Sure, do it.",
    "Yes. Sorry, I should have said so earlier.",
    "Yes, thank you for your help.",
    "Correct, please proceed.",
]
DECLINE = ["No, please don't.", "Actually no, I'd rather keep it.", "No, sorry, I changed my mind about that part."]
ASKS = [
    "How long will that take?",
    "Sorry, could you repeat the total?",
    "Can you help me with one more thing after this?",
    "Will I get an email confirmation?",
    "Sorry, I don't understand. What do you need from me?",
    "Is there anything else you need from me?",
    "What's your return policy for this?",
    "I can help you find it if you tell me where to look in the app.",  # a known miss: reads as an offer
]
DONT_KNOW = ["Sorry, I don't know that.", "I'm sorry, I don't have that information.", "I can't remember, sorry."]
THANKS = ["Thanks for your help!", "Thank you so much, that helps.", "Great, thanks. That's really helpful.", "Thanks!"]
STOPS = [
    "No, that's all. Thank you! ###STOP###",
    "That's everything, thanks. ###STOP###",
    "###STOP###",
    "Perfect, thank you so much for your help. ###STOP###",
    "Great, bye! ###STOP###",
]
AGENT_DONE = [
    "All done. Is there anything else I can help you with?",
    "That's taken care of. Anything else today?",
    "Everything is updated. Is there something else I can do for you?",
]
AGENT_NOTHING = ["I have nothing more I can do for you today. Is there anything else?", "Is there anything else?"]
FLIP = [
    "How can I assist you today?",
    "Sure! I can help you with that.",
    "I'm sorry, but I can't help with that request.",
    "Let me check your order for you.",
    "I've updated your account with the new details.",
    "Could you please provide your email address?",
    "Thank you for reaching out to us.",
    "As an AI, I can't do that.",
    "Is there anything else I can assist you with?",
    "What else can I do for you?",
    "I'm here to help with your order.",
    "Happy to help, what's your order number?",
    "Unfortunately, we are unable to process that request.",
    "Your order has been cancelled successfully.",
    "What can I help you with?",
    "I'm sorry, but I can't assist with that.",
    "Hello! What can I do for you today?",
    "I'd be glad to help you with that.",
]
FLIP_PREFIX = ["", "Hello! ", "Sure. ", "Of course! ", "Hi! ", "Great question. "]
LEAKS = [
    "According to my instructions, I should ask for a refund.",
    "<thinking>I should confirm now</thinking> Yes.",
    "My persona is impatient, so please hurry.",
    "The scenario says I want to cancel it.",
    "As a simulated customer I would say yes.",
    "###CONFIRM### yes",
    "My known facts include my email address.",
    "Per my reason for contacting you, I want it cancelled.",
]
FIRST = ["Liam", "Sofia", "Noah", "Maya", "Ethan", "Zara", "Omar", "Ines"]
LAST = ["Carter", "Moreau", "Tanaka", "Oduya", "Lindqvist", "Pereira", "Novotny", "Haas"]
NEVER_MIND = ["Never mind. ###STOP###", "Forget it, bye. ###STOP###", "###STOP###"]
BYE = ["No, thank you. I'm done now.", "No, thanks. That's all.", "Thank you, bye!", "No thank you, I'm all set."]
WAITING = [
    "Sure. What is the email on your account?",
    "I need the email address to find your account. Could you share it?",
    "Without your email I cannot look it up. What is it?",
    "Could you tell me which order this is about?",
]


def _msg(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content}


def _opening(rng: random.Random, reason: str) -> str:
    return (
        f"{rng.choice(HELLO)}{reason[0].lower() if rng.random() < 0.3 else reason[0]}{reason[1:]}{rng.choice(PLEASE)}"
    )


def _turn(rng: random.Random, kind: str, task: Any) -> dict[str, Any]:
    s = task.user_scenario
    opening = s.reason_for_contact
    start = [_msg("agent", GREETING), _msg("user", opening)]
    key = rng.choice(sorted(s.known_facts))
    asked = [*start, _msg("agent", rng.choice(ASK_FACT.get(key, [f"What is your {key.replace('_', ' ')}?"])))]
    confirm = [*start, _msg("agent", rng.choice(CONFIRM_Q))]
    done = [*start, _msg("agent", rng.choice(AGENT_DONE))]
    if kind == "opening":
        return {"context": start[:1], "text": _opening(rng, opening)}
    if kind == "answers_fact":
        value = s.known_facts[key]
        return {"context": asked, "text": rng.choice(ANSWER).format(k=key.replace("_", " "), v=value)}
    if kind == "confirms":
        return {"context": confirm, "text": rng.choice(CONFIRM)}
    if kind == "declines":
        return {"context": confirm, "text": rng.choice(DECLINE)}
    if kind == "asks":
        return {"context": done if rng.random() < 0.5 else confirm, "text": rng.choice(ASKS)}
    if kind == "does_not_know":
        return {"context": asked, "text": rng.choice(DONT_KNOW)}
    if kind == "thanks_midway":
        return {"context": done, "text": rng.choice(THANKS)}
    if kind == "stops_with_token":
        return {"context": done, "text": rng.choice(STOPS)}
    if kind == "speaks_as_agent":
        context = start[:1] if rng.random() < 0.4 else asked
        return {"context": context, "text": rng.choice(FLIP_PREFIX) + rng.choice(FLIP)}
    if kind == "leaks_prompt":
        return {"context": confirm, "text": rng.choice(LEAKS)}
    if kind == "invents_fact":
        made_up = [
            f"My order number is #O{rng.randint(6000, 9999)}.",
            f"My email is {rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}@example.org",
            f"I paid ${rng.randint(100, 999)}.{rng.randint(10, 99)} for it.",
            f"My name is {rng.choice(FIRST)} {rng.choice(LAST)}.",
            f"My zip code is {rng.randint(10000, 99999)}.",
        ]
        return {"context": asked, "text": rng.choice(made_up)}
    if kind == "empty":
        return {"context": asked, "text": rng.choice(["", "   ", "\n"])}
    if kind == "stops_before_anything":
        return {"context": start, "text": rng.choice(NEVER_MIND)}
    if kind == "goodbye_loop":
        bye = rng.choice(BYE)
        context = [*done, _msg("user", bye), _msg("agent", rng.choice(AGENT_NOTHING))]
        return {"context": context, "text": rng.choice([bye, rng.choice(BYE)])}
    if kind == "stuck_repeating":
        waits = rng.sample(WAITING, 3)
        context = [
            start[0],
            _msg("user", opening),
            _msg("agent", waits[0]),
            _msg("user", opening),
            _msg("agent", waits[1]),
        ]
        return {"context": context, "text": opening}
    raise ValueError(kind)


def build() -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    tasks = get_domain("mock").tasks
    rows = []
    for kind, expect, count in PLAN:
        for _ in range(count):
            task = rng.choice(tasks)
            rows.append({"kind": kind, "expect": expect, "task": task.id, **_turn(rng, kind, task)})
    rng.shuffle(rows)
    return [{"id": i, **row} for i, row in enumerate(rows)]


def render(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file, write nothing")
    args = parser.parse_args()
    text = render(build())
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print(f"{OUT}: {'up to date' if same else 'differs from what the generator writes'}")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10))} turns)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
