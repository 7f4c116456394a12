"""Copy-on-write databases: a trial pays for the records it touches, not for the size of the DB.

A domain DB is a pydantic model whose tables are ``dict[str, Record]`` fields (plus a few scalar
fields). Copying a large DB for every trial, snapshotting it before every write and hashing all of
it at the end made per-call cost grow with the DB. Instead:

- one *pristine* DB per (domain, initial state) is validated once and never mutated;
- a trial's DB is a :func:`fork`: each table becomes a :class:`CowTable` that shares the pristine
  records and gives the trial its own copy of a record the first time the trial's code reads it
  (reading is where mutation starts: ``db.orders[oid].status = ...``);
- the state hash combines one hash per record (cached for pristine records) with a sum that is
  independent of key order, so it only recomputes what the trial changed;
- a write tool's rollback snapshot copies only what the trial has touched.

Code that reaches records through ``[]``, ``get``, ``values``, ``items``, ``pop``, ``setdefault``
is safe. Copying a table with the C-level ``dict(table)`` / ``{**table}`` and mutating what comes
out is not: domain code should not do that. A search that only reads uses :func:`scan`, which
copies nothing.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel

from frontdesk.envs.hashing import canonical_json

_MOD = 1 << 256
R = TypeVar("R")


def record_digest(key: str, record: Any) -> int:
    """An integer hash of one (key, record) pair; canonical, so 25 == 25.0 here as everywhere."""
    return int.from_bytes(hashlib.sha256(canonical_json([key, record]).encode("utf-8")).digest(), "big")


class PristineTable:
    """The shared, read-only source of a table: records, their raw data and cached digests."""

    __slots__ = ("records", "data", "_digests", "_total", "_json")

    def __init__(self, records: dict[str, BaseModel], data: dict[str, Any]) -> None:
        self.records = records
        self.data = data  # the validated input of each record, to make private copies quickly
        self._digests: dict[str, int] | None = None
        self._total = 0
        self._json: dict[str, str] = {}

    def json_of(self, key: str) -> str:
        """The pristine record serialised (cached): a fast way to see whether a copy still equals it."""
        text = self._json.get(key)
        if text is None:
            text = self._json[key] = self.records[key].model_dump_json()
        return text

    def digests(self) -> dict[str, int]:
        if self._digests is None:  # once per pristine table, shared by every trial
            self._digests = {k: record_digest(k, r) for k, r in self.records.items()}
            self._total = sum(self._digests.values()) % _MOD
        return self._digests

    def total(self) -> int:
        self.digests()
        return self._total

    def derive(self, records: dict[str, BaseModel], data: dict[str, Any], removed: set[str]) -> PristineTable:
        """This table with some records replaced, added or removed, sharing the rest (and their
        cached digests and serialisations): a state a few records away costs those records."""
        changed = set(records) | removed
        table = PristineTable(
            {k: v for k, v in {**self.records, **records}.items() if k not in removed},
            {k: v for k, v in {**self.data, **data}.items() if k not in removed},
        )
        table._json = {k: v for k, v in self._json.items() if k not in changed}
        base = self.digests()  # once per seed table: every state derived from it reuses them
        digests = {k: v for k, v in base.items() if k not in changed}
        total = (self._total - sum(base.get(k, 0) for k in changed)) % _MOD
        for key, record in records.items():
            digests[key] = record_digest(key, record)
            total = (total + digests[key]) % _MOD
        table._digests, table._total = digests, total
        return table

    def fresh_copy(self, key: str) -> BaseModel:
        record = self.records[key]
        raw = self.data.get(key)
        # Validating the raw data builds new objects all the way down: ~5x cheaper than deepcopy.
        return type(record).model_validate(raw) if raw is not None else copy.deepcopy(record)


class CowTable(dict):  # type: ignore[type-arg]
    """A dict that starts as a view of a pristine table and copies a record on first access."""

    __slots__ = ("pristine", "touched")

    def __init__(self, pristine: PristineTable) -> None:
        super().__init__(pristine.records)  # pointers only: cheap, and C-level readers see every record
        self.pristine = pristine
        self.touched: set[str] = set()  # keys whose value here may differ from the pristine one

    def _own(self, key: str) -> Any:
        value = dict.__getitem__(self, key)
        if key not in self.touched:
            if value is self.pristine.records.get(key):
                value = self.pristine.fresh_copy(key)
                dict.__setitem__(self, key, value)
            self.touched.add(key)
        return value

    def __getitem__(self, key: str) -> Any:
        return self._own(key)

    def get(self, key: str, default: Any = None) -> Any:
        return self._own(key) if dict.__contains__(self, key) else default

    def values(self) -> list[Any]:  # type: ignore[override]
        return [self._own(k) for k in list(dict.keys(self))]

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]
        return [(k, self._own(k)) for k in list(dict.keys(self))]

    def __setitem__(self, key: str, value: Any) -> None:
        self.touched.add(key)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: str) -> None:
        self.touched.add(key)
        dict.__delitem__(self, key)

    def pop(self, key: str, *default: Any) -> Any:
        if dict.__contains__(self, key):
            value = self._own(key)
            dict.__delitem__(self, key)
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def popitem(self) -> tuple[str, Any]:
        key = next(reversed(list(dict.keys(self))))
        return key, self.pop(key)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if dict.__contains__(self, key):
            return self._own(key)
        self[key] = default
        return default

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        self.touched.update(dict.keys(self))
        dict.clear(self)

    def __iter__(self) -> Iterator[str]:
        return iter(list(dict.keys(self)))

    def __copy__(self) -> dict[str, Any]:
        return {k: self._own(k) for k in list(dict.keys(self))}

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(self._own(k), memo) for k in list(dict.keys(self))}

    def __reduce__(self) -> Any:
        return (dict, (self.__copy__(),))

    def digest(self) -> int:
        """The order-independent sum of record digests, recomputing only touched records."""
        base = self.pristine.digests()
        total = self.pristine.total()
        for key in self.touched:
            if key in base:
                total -= base[key]
            if dict.__contains__(self, key):
                value = dict.__getitem__(self, key)
                pristine_value = self.pristine.records.get(key)
                # Most touched records were only read: comparing serialisations (done in Rust) is
                # far cheaper than hashing them canonically.
                unchanged = value is pristine_value or (
                    pristine_value is not None and value.model_dump_json() == self.pristine.json_of(key)
                )
                total += base[key] if unchanged else record_digest(key, value)
        return total % _MOD


def scan(table: dict[str, R]) -> Iterable[R]:
    """Every record of a table, for reading only: nothing is copied, so nothing is marked touched.

    ``values()`` on a copy-on-write table gives the trial its own copy of every record (reading is
    where mutation starts); a search that only compares fields would pay for copying, and later
    re-hashing, the whole table (an airline flight search: about 100 ms instead of under 1 ms).
    Never change a record found this way; fetch it again with ``table[key]`` first.
    """
    return dict.values(table)


@cache
def table_fields(model: type[BaseModel]) -> frozenset[str]:
    """Fields declared as ``dict[str, SomeModel]``: the DB's tables."""
    names = set()
    for name, field in model.model_fields.items():
        args = get_args(field.annotation)
        if get_origin(field.annotation) is dict and len(args) == 2:
            value_type = args[1]
            if isinstance(value_type, type) and issubclass(value_type, BaseModel):
                names.add(name)
    return frozenset(names)


def pristine_tables(db: BaseModel, data: dict[str, Any]) -> dict[str, PristineTable]:
    """The tables of a validated DB, with the raw data each was validated from."""
    return {name: PristineTable(getattr(db, name), data.get(name) or {}) for name in table_fields(type(db))}


def fork(db: BaseModel, tables: dict[str, PristineTable]) -> BaseModel:
    """A private, copy-on-write DB for one trial, sharing ``db``'s records until it touches them."""
    fields = {
        name: CowTable(tables[name]) if name in tables else copy.deepcopy(getattr(db, name))
        for name in type(db).model_fields
    }
    return type(db).model_construct(_fields_set=set(db.model_fields_set), **fields)


def table_digest(table: dict[str, Any]) -> int:
    if isinstance(table, CowTable):
        return table.digest()
    return sum(record_digest(k, v) for k, v in table.items()) % _MOD


def db_state_hash(db: BaseModel) -> str:
    """Canonical hash of a DB: per table, a sum of record hashes; other fields canonically.

    Two DBs that mean the same thing hash the same, whether forked (copy-on-write) or plain, and
    whatever the order of their records.
    """
    tables = table_fields(type(db))
    digests = {name: f"{table_digest(getattr(db, name)):064x}" for name in tables}
    other = {name: getattr(db, name) for name in type(db).model_fields if name not in tables}
    blob = canonical_json({"tables": digests, "fields": other})
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class _Serialised:
    __slots__ = ("model", "json")

    def __init__(self, record: BaseModel) -> None:
        self.model, self.json = type(record), record.model_dump_json()

    def rebuild(self) -> BaseModel:
        return self.model.model_validate_json(self.json)


def snapshot(db: BaseModel) -> dict[str, Any]:
    """What a write tool's rollback needs: table contents (touched records deep-copied) and fields."""
    saved: dict[str, Any] = {}
    for name in type(db).model_fields:
        value = getattr(db, name)
        if isinstance(value, CowTable):
            # Untouched records are the pristine objects, which nothing mutates: keep the pointers.
            # Touched ones are saved serialised (fast, and rebuilt only if the write fails).
            contents = {
                k: _Serialised(dict.__getitem__(value, k)) if k in value.touched else dict.__getitem__(value, k)
                for k in dict.keys(value)
            }
            saved[name] = (value.pristine, contents, set(value.touched))
        else:
            saved[name] = (None, copy.deepcopy(value), None)
    return saved


def restore(db: BaseModel, saved: dict[str, Any]) -> None:
    for name, (pristine, contents, touched) in saved.items():
        if pristine is None:
            object.__setattr__(db, name, contents)
            continue
        table = CowTable(pristine)  # a fresh table: the tool may have replaced or emptied the old one
        dict.clear(table)
        dict.update(table, {k: v.rebuild() if isinstance(v, _Serialised) else v for k, v in contents.items()})
        table.touched = touched
        object.__setattr__(db, name, table)
