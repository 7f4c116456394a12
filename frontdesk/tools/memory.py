"""The agent's memory across a queue of customers: ``note_write``, ``note_search``, ``note_read``.

A sequential run (``frontdesk run --sequential --memory on``) gives the agent these tools, bound to
one :class:`Memory` per queue: what it writes while serving one customer it can find while serving
the next. Notes are not the domain's state — they never change a database hash or a verdict — and
the queue's record keeps them, so a reader sees what the agent remembered (and whether it kept a
customer's details it should not have).
"""

from __future__ import annotations

import dataclasses
import re

from pydantic import BaseModel, Field

from frontdesk.tools.tool import Tool, ToolError, ToolKind, tool

# Every trial of a queue stores the notes it began with (so it replays alone): bounded, that is
# at most about 200 kB a trial.
MAX_NOTES = 100
MAX_TITLE_CHARS = 200
MAX_NOTE_CHARS = 2000
SEARCH_RESULTS = 5
_WORD = re.compile(r"[a-z0-9]+")


class Note(BaseModel):
    id: str
    title: str
    text: str
    position: int = Field(description="The queue position (0-based) of the conversation that wrote it.")


class Memory(BaseModel):
    """One queue's notes. ``position`` is the conversation being served now (set by the queue)."""

    notes: list[Note] = Field(default_factory=list)
    position: int = 0


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


@tool(kind=ToolKind.MEMORY)
def note_write(memory: Memory, title: str, text: str) -> dict:
    """Save a note you can find again when serving later customers (notes outlive this conversation).

    Args:
        title: A short title to find the note by.
        text: What to remember.
    """
    title, text = title.strip(), text.strip()
    if not title or not text:
        raise ToolError("a note needs a non-blank title and text")
    if len(title) > MAX_TITLE_CHARS or len(text) > MAX_NOTE_CHARS:
        raise ToolError(f"a note's title is at most {MAX_TITLE_CHARS} characters and its text {MAX_NOTE_CHARS}")
    if len(memory.notes) >= MAX_NOTES:
        raise ToolError(f"memory is full ({MAX_NOTES} notes); read and reuse the notes you have")
    note = Note(id=f"N{len(memory.notes) + 1}", title=title, text=text, position=memory.position)
    memory.notes.append(note)
    return {"saved": note.id}


@tool(kind=ToolKind.MEMORY)
def note_search(memory: Memory, query: str) -> list[dict]:
    """Find saved notes sharing words with the query, best match first (at most 5).

    Args:
        query: Words to look for in the notes' titles and texts.
    """
    wanted = _words(query)
    if not wanted:
        raise ToolError("the query has no words to search for")
    scored = []
    for note in memory.notes:
        score = 2 * len(wanted & _words(note.title)) + len(wanted & _words(note.text))
        if score:
            scored.append((-score, note.position, note.id, note))
    return [{"id": n.id, "title": n.title} for *_, n in sorted(scored)[:SEARCH_RESULTS]]


@tool(kind=ToolKind.MEMORY)
def note_read(memory: Memory, note_id: str) -> dict:
    """Read one saved note in full.

    Args:
        note_id: The note's id, as note_search gives it (e.g. "N3").
    """
    for note in memory.notes:
        if note.id == note_id.strip():
            return {"id": note.id, "title": note.title, "text": note.text}
    known = ", ".join(n.id for n in memory.notes) or "none yet"
    raise ToolError(f"no note {note_id!r}; saved notes: {known}")


MEMORY_TOOLS = [note_write, note_search, note_read]


def memory_tools(memory: Memory) -> list[Tool]:
    """The memory tools bound to ``memory``, to sit beside a domain's tools in one Toolkit (which
    hands each tool the domain's database: these ignore it and use the queue's notes)."""
    return [dataclasses.replace(t, fn=_bound(t, memory)) for t in MEMORY_TOOLS]


def _bound(t: Tool, memory: Memory):  # noqa: ANN202 - a tool function
    def call(_db: object, **arguments: object) -> object:
        return t.fn(memory, **arguments)

    return call
