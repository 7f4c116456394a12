"""The tokens an LLM customer writes to end a conversation, and how a reply is split by them."""

from __future__ import annotations

from frontdesk.trajectory import UserSignal

SIGNAL_TOKENS: dict[str, UserSignal] = {
    "###STOP###": UserSignal.STOP,
    "###TRANSFER###": UserSignal.TRANSFER,
    "###OUT-OF-SCOPE###": UserSignal.OUT_OF_SCOPE,
}
TOKEN = {signal: token for token, signal in SIGNAL_TOKENS.items()}


def parse_user_text(text: str | None) -> tuple[str | None, UserSignal | None]:
    """Split a model's reply into (message for the agent, ending signal)."""
    body = text or ""
    signal = None
    for token, value in SIGNAL_TOKENS.items():
        if token in body:
            signal = signal or value
            body = body.replace(token, "")
    return (body.strip() or None), signal
