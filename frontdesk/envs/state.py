"""A database state as data: a merge patch on the seed, in one canonical form.

A task's ``initial_state`` is an RFC 7386 merge patch on the domain's seed. Two things need the
state *another conversation left* written the same way: a task that ``follows`` another starts
where that task's gold leaves the database, and a sequential run carries one queue's database from
customer to customer (and records where each customer started, so a trial can be replayed).

:func:`changes` writes a live database as such a patch. Every record entry is that record's merge
diff from the seed (``None`` for a removed record), so applying the patch to the seed gives the
state back, and a record is never left half-merged with its seed value. :func:`layer` puts one
patch on top of another and keeps that form.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from frontdesk.envs.cow import CowTable, table_fields
from frontdesk.envs.hashing import canonical

if TYPE_CHECKING:
    from frontdesk.envs.domain import Domain

_ABSENT = object()  # a record that does not exist on one side


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: dicts merge recursively, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def merge_diff(before: Any, after: Any) -> Any:
    """The merge patch that turns ``before`` into ``after``: ``merge_patch(before, merge_diff(before, after))``
    equals ``after`` (a field that became ``None`` is removed, i.e. back to its default)."""
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return copy.deepcopy(after)
    patch: dict[str, Any] = {}
    for key, value in after.items():
        if key not in before:
            if value is not None:
                patch[key] = copy.deepcopy(value)
        elif canonical(before[key]) != canonical(value):
            patch[key] = merge_diff(before[key], value)
    patch.update({key: None for key in before if key not in after})
    return patch


def _dump(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else canonical(value)


def _seed_record(domain: Domain, table: str, key: str) -> Any:
    record = dict.get(domain.seed_tables()[table].records, key, _ABSENT)
    return record if record is _ABSENT else record.model_dump(mode="json")


def _entry(seed: Any, now: Any) -> Any:
    """A record's entry in the patch: _ABSENT when it equals the seed (no entry), None when removed."""
    if now is _ABSENT:
        return _ABSENT if seed is _ABSENT else None
    if seed is _ABSENT:
        return now
    if canonical(seed) == canonical(now):
        return _ABSENT
    return merge_diff(seed, now)


def _put(patch: dict[str, Any], table: str, key: str, entry: Any) -> None:
    records = patch.get(table)
    if not isinstance(records, dict):
        records = patch[table] = {}
    if entry is _ABSENT:
        records.pop(key, None)
    else:
        records[key] = entry
    if not records:
        patch.pop(table)


def _put_field(domain: Domain, patch: dict[str, Any], name: str, now: Any) -> None:
    seed = _dump(getattr(domain.seed_db(), name))
    if canonical(seed) == canonical(now):
        patch.pop(name, None)
    else:
        patch[name] = merge_diff(seed, now)


def changes(domain: Domain, start: dict[str, Any] | None, db: BaseModel) -> dict[str, Any] | None:
    """The state of ``db`` — a database built from ``start`` and then used — as a patch on the seed.

    Only what ``db`` touched is compared (a copy-on-write table knows), so the cost is what the
    conversation touched, not the size of the domain. ``None`` when the state is the seed's.
    """
    patch = copy.deepcopy(start) if start else {}
    tables = table_fields(type(db))
    for name in type(db).model_fields:
        value = getattr(db, name)
        if name not in tables:
            _put_field(domain, patch, name, _dump(value))
            continue
        keys = (
            value.touched
            if isinstance(value, CowTable)
            else set(dict.keys(value)) | set(domain.seed_tables()[name].records)
        )
        for key in keys:
            now = dict.get(value, key, _ABSENT)
            _put(patch, name, key, _entry(_seed_record(domain, name, key), _dump(now) if now is not _ABSENT else now))
    return patch or None


def layer(domain: Domain, base: dict[str, Any] | None, patch: dict[str, Any] | None) -> dict[str, Any] | None:
    """``base`` then ``patch``, as one patch on the seed in the form :func:`changes` writes."""
    if not patch:
        return copy.deepcopy(base) if base else None
    if not base:
        return copy.deepcopy(patch)
    out = copy.deepcopy(base)
    tables = domain.seed_tables()
    for name, value in patch.items():
        if name in tables and isinstance(value, dict) and isinstance(base.get(name, {}), dict):
            for key, entry in value.items():
                seed = _seed_record(domain, name, key)
                earlier = base.get(name, {}).get(key, _ABSENT)
                if earlier is _ABSENT:
                    current = seed
                elif earlier is None:
                    current = _ABSENT
                else:
                    current = merge_patch(None if seed is _ABSENT else seed, earlier)
                now = _ABSENT if entry is None else merge_patch(None if current is _ABSENT else current, entry)
                _put(out, name, key, _entry(seed, now))
        else:
            seed = _dump(getattr(domain.seed_db(), name))
            current = merge_patch(seed, base[name]) if name in base else seed
            _put_field(domain, out, name, merge_patch(current, value))
    return out or None


def changed_records(
    domain: Domain, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> set[tuple[str, str | None]]:
    """The records (``(table, key)``, or ``(field, None)`` outside tables) whose value differs between
    two patches on the seed: what a conversation changed, given where it started and what it left."""
    tables = domain.seed_tables()
    out: set[tuple[str, str | None]] = set()
    before, after = before or {}, after or {}
    for name in before.keys() | after.keys():
        b, a = before.get(name, _ABSENT), after.get(name, _ABSENT)
        if (
            name in tables
            and isinstance(b if b is not _ABSENT else {}, dict)
            and isinstance(a if a is not _ABSENT else {}, dict)
        ):
            b, a = b if b is not _ABSENT else {}, a if a is not _ABSENT else {}
            for key in b.keys() | a.keys():
                if _resolved(domain, name, key, b) != _resolved(domain, name, key, a):
                    out.add((name, key))
        elif canonical(None if b is _ABSENT else b) != canonical(None if a is _ABSENT else a):
            out.add((name, None))
    return out


def _resolved(domain: Domain, table: str, key: str, entries: dict[str, Any]) -> Any:
    """A record's value under a table's patch entries, canonical; None when it does not exist."""
    seed = _seed_record(domain, table, key)
    entry = entries.get(key, _ABSENT)
    if entry is _ABSENT:
        value = seed
    elif entry is None:
        return None
    else:
        value = merge_patch(None if seed is _ABSENT else seed, entry)
    return None if value is _ABSENT else canonical(value)
