"""Turn guards: checks every simulated customer turn must pass before the agent sees it.

Simulated customers are the noisiest part of a benchmark like this: they go silent, slip into the
agent's role, leak their instructions or reasoning, stop before anything was tried, and invent ids
or amounts. Each guard catches one of those. A failing turn is regenerated (bounded); a turn that
keeps failing ends the trial as a *user* error, which is excluded from the agent's score.

The stall guard (:func:`stalled`, asked by the orchestrator after each customer message) catches
what no single turn shows: a customer that says goodbye forever, or repeats itself, instead of
ending the conversation. ``python benchmarks/guard_corpus.py`` shows how often each guard fires on
1,000 recorded-style customer turns.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from frontdesk.envs import UserScenario
from frontdesk.simulators.signals import SIGNAL_TOKENS
from frontdesk.text import numbers_in
from frontdesk.trajectory import Message, Role, Trajectory, UserSignal, UserTurn


@dataclass(frozen=True)
class GuardFailure:
    guard: str
    reason: str

    def __str__(self) -> str:
        return f"{self.guard}: {self.reason}"


# --- speaking as the agent ------------------------------------------------------------------
#
# A small model playing the customer slips into the assistant role it was trained for. Rather
# than a list of whole sentences, the guard looks for the *speech acts* only an agent performs —
# offering help, apologising for being unable to help, acting on "your" account, asking for the
# customer's details, speaking as the company — each a few patterns that name who helps whom.
# Strong acts decide alone; weak ones (said by customers too, now and then) need company, and
# plain customer-voice ("my order", "I need", "can you help me") argues against them.

_ACCOUNT = (
    r"(?:orders?|account|reservation|booking|refund|request|subscription|plan|line|bill|case|ticket|"
    r"details|information|info|profile|records?|email(?: address)?|address|payment|flight|return|exchange|issue)"
)
_UNABLE_TO_SERVE = (
    r"(?:help|assist|comply|process|fulfill?|accommodate|grant|honou?r|approve|support you|"
    r"make an exception|proceed with (?:that|this|your))"
)
_UNABLE = (
    r"(?:i can'?t|i cannot|i'?m unable to|i am unable to|i'?m not able to|i am not able to|i won'?t be able to|"
    r"we can'?t|we cannot|we'?re unable to|we are unable to|we'?re not able to|we are not able to)"
)
_STRONG_ACTS: dict[str, re.Pattern[str]] = {
    "offers help": re.compile(
        r"\b(?:how|what) (?:else )?(?:can|may|could|shall) i (?:help|assist|do for) you\b|"
        r"\bhow (?:can|may|could) i (?:help|assist|be of (?:help|assistance|service))\b|"
        r"\bwhat can i (?:help|assist) (?:you )?with\b|"
        r"\b(?:i'?m|i am) (?:here|available|ready) to (?:help|assist)\b|"
        r"\b(?:i'?d|i would|i'?ll|i will|i'?m|i am) (?:be )?(?:so |more than )?(?:happy|glad|delighted) to (?:help|assist)\b|"
        r"\banything else (?:that )?(?:i|we) (?:can|could|may) (?:help|assist|do)\b|"
        r"\bi can (?:certainly |definitely )?(?:help|assist) you\b|"
        r"\bwhat brings you (?:here|in|to us)\b|\bhow may i direct\b",
        re.IGNORECASE,
    ),
    "greets as the company": re.compile(
        r"\bthanks?(?: you)? (?:so much |very much )?for (?:contacting|reaching out|calling|choosing|shopping with|"
        r"being a (?:valued|loyal) customer)\b|\bwelcome to (?:our|the|\w+) (?:store|shop|support|service|help ?desk|"
        r"customer (?:service|support)|airline)\b",
        re.IGNORECASE,
    ),
    "apologises for being unable to help": re.compile(
        rf"\b(?:i'?m|i am|we'?re|we are) (?:so |very |really )?sorry,? (?:but )?{_UNABLE} {_UNABLE_TO_SERVE}\b|"
        rf"\bunfortunately,? {_UNABLE} {_UNABLE_TO_SERVE}\b|"
        r"\bi (?:can'?t|cannot) (?:help|assist) (?:you )?with (?:that|this)\b|"
        r"\b(?:that|this) is not something (?:i|we) can (?:help|assist) with\b|"
        r"\b(?:i|we) (?:apologi[sz]e|'?m sorry|am sorry) for any (?:inconvenience|confusion|trouble|frustration)\b|"
        r"\bi understand (?:your|the) (?:frustration|concern)\b",
        re.IGNORECASE,
    ),
    "acts on the customer's account": re.compile(
        r"\b(?:i'?ve|i have|we'?ve|we have) (?:now |just |successfully |already |gone ahead and )?(?:cancell?ed|updated|"
        r"processed|refunded|changed|issued|modified|booked|rebooked|upgraded|reset|credited|applied|submitted|initiated|"
        r"placed|removed|added|exchanged|reviewed|located|found|pulled up|verified|confirmed) your\b|"
        r"\b(?:i'?ll|i will|let me|i'?m going to|i am going to|allow me to|i can|i'?m|i am) (?:go ahead and |now |quickly |"
        r"just )?(?:cancel|update|process|refund|change|check|look up|pull up|look into|review|verify|modify|issue|"
        r"book|escalate|reset|find|locate|checking|looking into|pulling up|processing|cancell?ing|updating) "
        rf"(?:that |this |it )?(?:for you|your {_ACCOUNT})\b|"
        rf"\byour {_ACCOUNT} (?:has been|have been|is now|was) (?:successfully )?(?:cancell?ed|updated|processed|"
        r"refunded|changed|issued|modified|booked|confirmed|approved|submitted|placed)\b",
        re.IGNORECASE,
    ),
    "asks for the customer's details": re.compile(
        r"\b(?:could|can|would|may) (?:you|i) (?:please |kindly )?(?:provide|give|share|confirm|verify|tell|get|have|send)"
        r"(?: me| us)? (?:with )?your (?:full )?(?:name|e-?mail|order|account|zip|postal|phone|date of birth|"
        r"reservation|booking|user ?id|customer id|address|membership|confirmation)|"
        r"\b(?:what|which)(?:'s| is| are) your (?:full )?(?:name|e-?mail|order (?:id|number)|account|zip|postal|"
        r"phone|date of birth|reservation|booking|user ?id|customer id|membership)|"
        r"\b(?:for verification purposes|to verify your identity|to locate your (?:order|account|reservation))\b",
        re.IGNORECASE,
    ),
    "speaks as staff": re.compile(
        r"\bas (?:an|a|your) (?:ai|customer (?:service|support) (?:agent|representative)|(?:support )?agent|"
        r"(?:virtual )?assistant|representative)\b|\bi(?:'m| am) an ai\b|"
        r"\b(?:according to|per|under) our (?:policy|policies|records|system|terms)\b|"
        r"\bour (?:records|system) (?:show|shows|indicate|indicates)\b",
        re.IGNORECASE,
    ),
}
_WEAK_ACTS: dict[str, re.Pattern[str]] = {
    "service phrasing": re.compile(
        r"\b(?:i|we) (?:apologi[sz]e|'?m sorry|am sorry) for (?:the|this) (?:inconvenience|delay|wait|frustration)\b|"
        r"\bthank you for your (?:patience|understanding)\b|\byou'?re (?:very |most )?welcome\b|"
        r"\blet me know if (?:there(?:'s| is) anything|you (?:need|have) any)|\bour (?:policy|store|team|company)\b|"
        r"\bfeel free to\b|\bi hope (?:this|that) helps\b|\bhappy to help\b",
        re.IGNORECASE,
    ),
    "asks for details": re.compile(
        r"\b(?:please )?(?:provide|share|confirm) (?:me with )?(?:your|the) (?:order|email|account|name|zip)|"
        r"\bis there anything else\b(?! (?:you need|you want) from me)",
        re.IGNORECASE,
    ),
}
_CUSTOMER_VOICE = re.compile(
    r"\bmy (?:order|account|email|package|refund|phone|reservation|flight|bill|card|subscription|money|address|item)\b|"
    r"\bi (?:need|want|would like|'?d like)\b|\b(?:can|could|would) you (?:please )?(?:help|assist|check|cancel|look|tell)\b|"
    r"\bfrom me\b|\bon my (?:end|side)\b|\bhelp me\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AgentLikeScore:
    score: float
    acts: list[tuple[str, str]]  # (speech act, the words that showed it)

    @property
    def agent_like(self) -> bool:
        return self.score >= 1.0


def agent_like_speech(text: str) -> AgentLikeScore:
    """How much ``text`` sounds like the agent speaking: 1 per strong speech act, 0.5 per weak one,
    the weak ones offset by customer-voice (0.5 each). 1 or more is a role flip."""
    acts: list[tuple[str, str]] = []
    spans: list[tuple[int, int]] = []
    strong = 0.0
    for name, pattern in _STRONG_ACTS.items():
        found = pattern.search(text)
        if found:
            acts.append((name, found.group(0)))
            spans.append(found.span())
            strong += 1.0
    weak = 0.0
    for name, pattern in _WEAK_ACTS.items():
        # Words a strong act already counted do not count again as a weak one.
        found = next((m for m in pattern.finditer(text) if all(m.end() <= a or m.start() >= b for a, b in spans)), None)
        if found:
            acts.append((name, found.group(0)))
            weak += 0.5
    customer = 0.5 * len(_CUSTOMER_VOICE.findall(text))
    return AgentLikeScore(strong + max(0.0, weak - customer), acts)


_LEAK = re.compile(
    r"<\s*/?\s*(thinking|scratchpad)|\bscratchpad\b|\bmy instructions\b|\bmy persona\b|\bthe scenario\b|"
    r"\b(known|unknown) facts\b|\bsimulated (customer|user)\b|\bi am (a |an )?simulat|"
    r"#\s*what you (know|do not know)|#\s*your instructions|\breason for contact(ing)?\b",
    re.IGNORECASE,
)
_SIGNAL_LIKE = re.compile(r"###[A-Z\- ]*###")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# An id: a token mixing letters and digits (C1000, #O5000, W-2231) or a run of 5+ digits (zips, numbers).
_ID = re.compile(r"#?\b(?=[A-Za-z\-]*\d)(?=\d*[A-Za-z])[A-Za-z0-9][A-Za-z0-9\-]{2,}\b|\b\d{5,}\b")
_NOT_AN_ID = re.compile(r"^\d+(st|nd|rd|th|am|pm|h|hrs?|min|mins|s|x|gb|mb|kb|kg|lbs?|g|mbps)$", re.IGNORECASE)
_NAME = re.compile(r"\b([A-Z][a-z]+)\s+([A-Z][a-z]+)\b")
_COMMON_CAPITALISED = {
    "i",
    "hi",
    "hello",
    "hey",
    "thanks",
    "thank",
    "yes",
    "no",
    "please",
    "sure",
    "okay",
    "ok",
    "the",
    "my",
    "and",
    "but",
    "so",
    "could",
    "can",
    "would",
    "will",
    "actually",
    "great",
    "well",
    "oh",
    "sorry",
    "also",
    "that",
    "this",
    "it",
    "is",
    "what",
    "when",
    "where",
    "why",
    "how",
    "do",
    "does",
    "did",
    "just",
    "then",
    "perfect",
    "good",
    "fine",
    "alright",
    "right",
    "wait",
    "hmm",
    "um",
    "let",
    "you",
    "your",
    "we",
    "our",
}


def scenario_text(scenario: UserScenario) -> str:
    parts = [
        scenario.reason_for_contact,
        scenario.opening_message or "",
        *scenario.known_facts.keys(),
        *scenario.known_facts.values(),
        *scenario.unknown_facts,
        *scenario.instructions,
        *scenario.will_not_accept,
        *scenario.pushback,
    ]
    return "\n".join(parts)


def _allowed_text(scenario: UserScenario, trajectory: Trajectory) -> str:
    """What the customer may mention: its scenario, anything the agent said, what its device showed."""
    said = [m.content or "" for m in trajectory if m.role is Role.AGENT]
    shown = [
        m.tool_result.content for m in trajectory if m.role is Role.TOOL and m.requestor == "user" and m.tool_result
    ]
    return "\n".join([scenario_text(scenario), *said, *shown])


def invented_facts(text: str, scenario: UserScenario, trajectory: Trajectory) -> list[str]:
    """Ids, emails, amounts and full names in ``text`` that nothing the customer knows contains."""
    allowed = _allowed_text(scenario, trajectory)
    lowered = allowed.lower()
    allowed_numbers = numbers_in(allowed)
    found: list[str] = []
    ids = [m.group(0) for m in _ID.finditer(text) if not _NOT_AN_ID.match(m.group(0))]
    for token in [*_EMAIL.findall(text), *ids]:
        if token.lower().lstrip("#") not in lowered:
            found.append(token)
    text_without_ids = _ID.sub(" ", _EMAIL.sub(" ", text))
    for number in numbers_in(text_without_ids):
        # Small whole numbers ("2 items", "option 1") are talk, not facts.
        if number not in allowed_numbers and (number != number.to_integral_value() or abs(number) >= 100):
            found.append(str(number))
    for first, last in _NAME.findall(text):
        if first.lower() in _COMMON_CAPITALISED or last.lower() in _COMMON_CAPITALISED:
            continue
        if first.lower() not in lowered and last.lower() not in lowered:
            found.append(f"{first} {last}")
    return found


def check_turn(turn: UserTurn, scenario: UserScenario, trajectory: Trajectory) -> GuardFailure | None:
    """The first guard ``turn`` fails, or None. ``trajectory`` is the conversation before the turn."""
    text = (turn.text or "").strip()
    if not text and turn.signal is None and not turn.tool_calls:
        return GuardFailure("empty", "the turn has no message, no signal and no device action")
    if text:
        speech = agent_like_speech(text)
        if speech.agent_like:
            acts = "; ".join(f"{act}: {words!r}" for act, words in speech.acts)
            return GuardFailure("role_flip", f"the customer speaks as the agent ({acts})")
    leak = _LEAK.search(text) or next((m for m in _SIGNAL_LIKE.finditer(text) if m.group(0) not in SIGNAL_TOKENS), None)
    if leak:
        return GuardFailure("leak", f"instructions or reasoning leaked into the message: {leak.group(0)!r}")
    if turn.signal is UserSignal.STOP:
        opened = next((i for i, m in enumerate(trajectory) if m.role is Role.USER), None)
        agent_replied = opened is not None and any(m.role is Role.AGENT for m in trajectory[opened + 1 :])
        if not agent_replied:
            return GuardFailure("premature_stop", "the customer stopped before the agent attempted the request")
    invented = invented_facts(text, scenario, trajectory) if text else []
    if invented:
        return GuardFailure("invented_facts", f"mentions facts the customer was never given: {', '.join(invented)}")
    return None


# --- a customer that cannot finish (the stall guard) -----------------------------------------------
#
# A small model may never write the stop token: it says goodbye again and again, or repeats itself,
# until max_turns ends the trial and the agent is blamed. The orchestrator asks `stalled` after every
# customer message; the rule is in README ("How trials are scored") and docs/results.md.

CLOSINGS_TO_STOP = 2  # closing-only customer messages in a row that end the conversation
REPEATS_TO_STALL = 3  # near-identical customer messages in a row that mean the customer is stuck
AGENT_REPEATS_DONE = 3  # near-identical agent replies in a row that mean the agent has nothing left
NEAR_IDENTICAL = 0.9  # difflib ratio of two normalised messages

_CLOSING_PHRASES = re.compile(
    r"\b(?:thanks?(?: you)?|thx|ty|cheers|bye(?:-bye)?|good ?bye|see you|take care|no(?:pe)?|"
    r"have a (?:good|great|nice|lovely|wonderful) (?:day|evening|night|one|weekend)|"
    r"that'?s (?:all|it|everything)|that is (?:all|it|everything)|that'?ll be all|that will be all|nothing else|"
    r"(?:i'?m|i am) (?:all )?(?:done|set|good|fine)(?: now| for (?:today|now))?|all set|all good|"
    r"(?:i )?(?:don'?t|do not) need anything (?:else|more)|no (?:more|further|other) (?:questions|requests)|"
    r"not (?:at the moment|right now|today)|appreciate (?:it|your help|the help)|you too|"
    r"(?:you'?ve|you have) been (?:very |so |really |a )?(?:helpful|great|big help)|"
    r"that (?:was|is) (?:all i needed|very helpful|helpful))\b",
    re.IGNORECASE,
)
_FILLER = frozenset(
    [
        "a",
        "again",
        "alright",
        "all",
        "and",
        "for",
        "great",
        "good",
        "help",
        "i",
        "it",
        "just",
        "lot",
        "much",
        "now",
        "oh",
        "ok",
        "okay",
        "perfect",
        "really",
        "so",
        "that",
        "the",
        "then",
        "today",
        "truly",
        "very",
        "well",
        "wonderful",
        "your",
        "needed",
        "awesome",
        "excellent",
    ]
)
_WORD = re.compile(r"[a-z']+")
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
# An agent's question that only offers more help: it asks the customer for nothing.
_CLOSING_OFFER = re.compile(
    r"anything else|something else|any other|anything more|further (?:questions|assistance|help)|"
    r"other questions|else (?:i|we) can|else can i|help (?:you )?with today|else today",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]*[.!?\n]?")
_REQUEST = re.compile(
    r"\b(?:please|kindly) (?:provide|confirm|share|send|tell|give|reply|choose|select|try|restart|toggle|turn|"
    r"check|open|go to|enable|disable|let me know (?:your|which|whether|if (?:you|the)))\b|\(yes/no\)",
    re.IGNORECASE,
)
_AFFIRMATIVE = re.compile(r"^(?:yes|yeah|yep|sure|ok(?:ay)?|correct|right|please|go ahead|that'?s right)\b", re.I)


def is_closing(text: str | None) -> bool:
    """Whether a customer message only closes: thanks, goodbye, "that's all", nothing asked or stated."""
    if not text or "?" in text or any(ch.isdigit() for ch in text):
        return False
    rest, found = _CLOSING_PHRASES.subn(" ", text.lower())
    if not found:
        return False
    return all(word in _FILLER for word in _WORD.findall(rest))


def asks_customer(text: str | None) -> bool:
    """Whether an agent message waits on the customer: a question other than "anything else?", or a
    request to provide, confirm or do something."""
    if not text:
        return False
    for sentence in _SENTENCE.findall(text):
        if sentence.strip().endswith("?") and not _CLOSING_OFFER.search(sentence):
            return True
    return bool(_REQUEST.search(text))


def _normalised(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def near_identical(a: str, b: str) -> bool:
    """The same message up to case, punctuation and small edits."""
    x, y = _normalised(a), _normalised(b)
    if x == y:
        return True
    matcher = difflib.SequenceMatcher(None, x, y, autojunk=False)
    return matcher.real_quick_ratio() >= NEAR_IDENTICAL and matcher.ratio() >= NEAR_IDENTICAL


@dataclass(frozen=True)
class Stall:
    """The stall guard's decision: the conversation is over (``stop``, a normal ending) or the
    customer is stuck while the agent waits on it (``error``, a user error)."""

    ending: str  # "stop" | "error"
    reason: str


def _turns_since(trajectory: Trajectory, index: int) -> list[Message]:
    return [m for m in trajectory[index + 1 :] if m.role is Role.AGENT]


def stalled(trajectory: Trajectory) -> Stall | None:
    """Decide, after the customer's latest message, whether the conversation can go on.

    1. Goodbye without the token: this message and the customer's previous one only close (thanks,
       bye, "that's all"), and the agent asked nothing in between (no question but "anything
       else?") → ``stop``.
    2. The agent has nothing left: its last 3 replies are the same message, ask nothing, call no
       tool, and the customer still has not ended → ``stop`` (the agent's work is scored as it is).
    3. The customer is stuck: its last 3 messages are the same (not a short "yes" to successive
       confirmations), the agent called no tool meanwhile and did not repeat itself → ``error`` if
       the agent's latest reply asks the customer something (it waits on an answer that does not
       come), else ``stop``.
    """
    said = [i for i, m in enumerate(trajectory) if m.role is Role.USER]
    if not said:
        return None
    last = trajectory[said[-1]]
    if last.signal is not None or last.tool_calls or not last.content:
        return None
    texts = [trajectory[i] for i in said]

    def plain(m: Message) -> bool:  # a text-only customer message (no device action)
        return bool(m.content) and not m.tool_calls

    # 1. goodbye without the token
    if len(texts) >= CLOSINGS_TO_STOP and all(plain(m) and is_closing(m.content) for m in texts[-CLOSINGS_TO_STOP:]):
        between = _turns_since(trajectory, said[-CLOSINGS_TO_STOP])
        if not any(asks_customer(m.content) for m in between):
            return Stall(
                "stop", f"the customer said only goodbye {CLOSINGS_TO_STOP} times and the agent asked nothing more"
            )
    # 2. the agent has nothing left
    replies = [m for m in trajectory if m.role is Role.AGENT][1:]  # the greeting is not a reply
    recent = replies[-AGENT_REPEATS_DONE:]
    if (
        len(recent) == AGENT_REPEATS_DONE
        and all(m.content and not m.tool_calls and not asks_customer(m.content) for m in recent)
        and all(near_identical(m.content or "", recent[-1].content or "") for m in recent)
    ):
        return Stall(
            "stop", f"the agent gave the same closing reply {AGENT_REPEATS_DONE} times and the customer did not end"
        )
    # 3. the customer is stuck
    if len(texts) < REPEATS_TO_STALL:
        return None
    window = texts[-REPEATS_TO_STALL:]
    if not all(plain(m) and near_identical(m.content or "", last.content) for m in window):
        return None
    if _AFFIRMATIVE.match(last.content.strip()) and len(last.content.split()) <= 6:
        return None  # "Yes, please." to one confirmation after another is progress, not a stall
    between = _turns_since(trajectory, said[-REPEATS_TO_STALL])
    if any(m.tool_calls for m in between):
        return None  # the agent acts on what the customer says: the conversation moves
    agent_texts = [m.content for m in between if m.content]
    if len(agent_texts) >= 2 and all(near_identical(t, agent_texts[-1]) for t in agent_texts):
        return None  # both sides repeat themselves: nobody's fault can be told, max_turns decides
    if agent_texts and asks_customer(agent_texts[-1]):
        return Stall(
            "error", f"the customer sent the same message {REPEATS_TO_STALL} times without answering the agent"
        )
    return Stall(
        "stop", f"the customer repeated the same message {REPEATS_TO_STALL} times after the agent had nothing more"
    )
