"""A conversation as plain text, for a model that reads it: the judge, the customer's verifier."""

from __future__ import annotations

from frontdesk.trajectory import Message, Role, Trajectory

MAX_RESULT_CHARS = 2000  # a long tool result is cut; a reader's decision rarely needs its tail


def _lines(m: Message, speakers: tuple[str, str], tools: bool) -> list[str]:
    if m.role is Role.TOOL:
        if not tools or m.tool_result is None:
            return []
        content = m.tool_result.content
        cut = content[:MAX_RESULT_CHARS] + (" …(cut)" if len(content) > MAX_RESULT_CHARS else "")
        return [f"TOOL RESULT ({m.tool_result.name}): {cut}"]
    speaker = speakers[0] if m.role is Role.AGENT else speakers[1]
    lines = [f"{speaker}: {m.content}"] if m.content else []
    if tools:
        lines += [f"{speaker} TOOL CALL {call.name}({call.arguments_text()})" for call in m.tool_calls]
    return lines


def render_transcript(
    trajectory: Trajectory, *, speakers: tuple[str, str] = ("AGENT", "CUSTOMER"), tools: bool = True
) -> str:
    """One line per message (and per tool call and result, with ``tools``), as ``SPEAKER: text``.

    ``speakers`` names the agent and the customer. The customer's private reasoning is never shown.
    """
    return "\n".join(line for m in trajectory for line in _lines(m, speakers, tools))
