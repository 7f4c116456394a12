"""Which database records differ between two states, and how: the explanation behind a hash mismatch.

A *record* is one entry of a top-level table (``orders["#O5000"]``), or a whole top-level field
when it is not a table of records (``next_reservation_number``). Records are compared as canonical JSON data
(:func:`frontdesk.envs.canonical`), so 25 and 25.0 never show up as a difference.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from frontdesk.envs import canonical
from frontdesk.envs.cow import CowTable

RecordKey = tuple[str, str | None]  # (table, key in the table); key None: the whole top-level field
_ABSENT = object()  # marks a record missing from one side (a record's value may itself be None)

# Bounds on what one trial line stores: a runaway agent must not turn trials.jsonl into a DB dump.
MAX_RECORDS = 50
MAX_FIELDS = 20


class FieldDiff(BaseModel):
    path: str  # inside the record, e.g. "items[0].quantity"; "" for a scalar record
    expected: Any = None
    actual: Any = None


class RecordDiff(BaseModel):
    table: str
    key: str | None = None
    change: Literal["added", "removed", "changed"]
    fields: list[FieldDiff] = Field(default_factory=list)
    more_fields: int = 0  # differing fields left out (beyond MAX_FIELDS)


def label(key: RecordKey) -> str:
    """How a record is named to people: ``orders['#O5000']``, or the field name for a scalar."""
    table, k = key
    return table if k is None else f"{table}[{k!r}]"


def sorted_keys(keys: set[RecordKey]) -> list[RecordKey]:
    return sorted(keys, key=lambda k: (k[0], k[1] or ""))


def candidate_records(db: BaseModel) -> set[RecordKey]:
    """Every record of ``db`` that may differ from the state it started from.

    A copy-on-write table knows which of its records the trial touched (deleted ones included),
    so a large DB costs only what was touched; any other field is one record, compared whole.
    """
    keys: set[RecordKey] = set()
    for name in type(db).model_fields:
        value = getattr(db, name)
        if isinstance(value, CowTable):
            keys |= {(name, k) for k in value.touched}
        else:
            keys.add((name, None))
    return keys


def record_values(db: BaseModel, keys: set[RecordKey]) -> dict[RecordKey, Any]:
    """Canonical values of those of ``keys`` that exist in ``db`` (so 25 and 25.0 never differ)."""
    out: dict[RecordKey, Any] = {}
    for table, key in keys:
        container = getattr(db, table)
        if key is None:
            out[(table, key)] = canonical(container)
            continue
        value = dict.get(container, key, _ABSENT)  # C-level read: looking must not copy a copy-on-write record
        if value is not _ABSENT:
            out[(table, key)] = canonical(value)
    return out


def changed_records(before: dict[RecordKey, Any], after: dict[RecordKey, Any]) -> set[RecordKey]:
    """Records added, removed or changed going from ``before`` to ``after``."""
    return {k for k in before.keys() | after.keys() if before.get(k, _ABSENT) != after.get(k, _ABSENT)}


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    """Path -> scalar. A nested empty container is a leaf ("items": []); an empty record has none."""
    if not path and value in ({}, []):
        return {}
    if isinstance(value, dict) and value:
        return {p: v for k, item in value.items() for p, v in _leaves(item, f"{path}.{k}" if path else str(k)).items()}
    if isinstance(value, list) and value:
        return {p: v for i, item in enumerate(value) for p, v in _leaves(item, f"{path}[{i}]").items()}
    return {path: value}


def _field_diffs(expected: Any, actual: Any) -> list[FieldDiff]:
    a = _leaves(expected) if expected is not _ABSENT else {}
    b = _leaves(actual) if actual is not _ABSENT else {}
    return [
        FieldDiff(path=p, expected=a.get(p), actual=b.get(p))
        for p in sorted(a.keys() | b.keys())
        if a.get(p, _ABSENT) != b.get(p, _ABSENT)
    ]


def describe(expected: dict[RecordKey, Any], actual: dict[RecordKey, Any], keys: set[RecordKey]) -> list[RecordDiff]:
    """Field-level differences of the given records (the first MAX_RECORDS, in a stable order)."""
    out = []
    for table, key in sorted_keys(keys)[:MAX_RECORDS]:
        e, a = expected.get((table, key), _ABSENT), actual.get((table, key), _ABSENT)
        fields = _field_diffs(e, a)
        out.append(
            RecordDiff(
                table=table,
                key=key,
                change="added" if e is _ABSENT else "removed" if a is _ABSENT else "changed",
                fields=fields[:MAX_FIELDS],
                more_fields=max(0, len(fields) - MAX_FIELDS),
            )
        )
    return out
