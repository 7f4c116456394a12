"""Copy-on-write trial databases: isolation, hashing and rollback."""

from __future__ import annotations

from pydantic import BaseModel

from frontdesk.envs import Environment, canonical, get_domain
from frontdesk.envs.cow import CowTable, PristineTable, db_state_hash, fork, pristine_tables, restore, snapshot
from frontdesk.tools import ToolCall, ToolError, Toolkit, tool


class Item(BaseModel):
    name: str
    qty: int
    tags: list[str] = []


class Shop(BaseModel):
    items: dict[str, Item]
    counter: int = 0


DATA = {"items": {"a": {"name": "apple", "qty": 3}, "b": {"name": "pear", "qty": 1, "tags": ["x"]}}, "counter": 7}


def pristine() -> tuple[Shop, dict[str, PristineTable]]:
    db = Shop.model_validate(DATA)
    return db, pristine_tables(db, DATA)


def test_a_fork_shares_nothing_it_changes():
    base, tables = pristine()
    one, two = fork(base, tables), fork(base, tables)
    assert isinstance(one.items, CowTable)
    one.items["a"].qty = 99
    one.items["b"].tags.append("y")
    for item in one.items.values():
        item.name = item.name.upper()
    one.counter += 1
    assert base.items["a"].qty == 3 and base.items["b"].tags == ["x"] and base.items["a"].name == "apple"
    assert two.items["a"].qty == 3 and two.items["b"].name == "pear" and two.counter == 7
    assert canonical(base) == canonical(Shop.model_validate(DATA))


def test_forked_and_plain_databases_hash_alike_whatever_the_order():
    base, tables = pristine()
    forked = fork(base, tables)
    plain = Shop.model_validate({"items": {"b": DATA["items"]["b"], "a": DATA["items"]["a"]}, "counter": 7})
    assert db_state_hash(forked) == db_state_hash(plain) == db_state_hash(base)
    forked.items["a"].qty = 4
    assert db_state_hash(forked) != db_state_hash(plain)
    plain.items["a"].qty = 4
    assert db_state_hash(forked) == db_state_hash(plain)


def test_reading_alone_does_not_change_the_hash_and_undoing_restores_it():
    base, tables = pristine()
    db = fork(base, tables)
    before = db_state_hash(db)
    _ = [i.qty for i in db.items.values()]  # every record copied, none changed
    assert db_state_hash(db) == before
    db.items["a"].qty = 5
    db.items["a"].qty = 3
    assert db_state_hash(db) == before


def test_adding_and_removing_records():
    base, tables = pristine()
    db = fork(base, tables)
    db.items["c"] = Item(name="fig", qty=2)
    assert db.items.pop("b").name == "pear"
    del db.items["a"]
    assert sorted(db.items) == ["c"] and len(db.items) == 1
    assert db.items.setdefault("a", Item(name="kiwi", qty=1)).name == "kiwi"
    plain = Shop.model_validate(
        {"items": {"c": {"name": "fig", "qty": 2}, "a": {"name": "kiwi", "qty": 1}}, "counter": 7}
    )
    assert db_state_hash(db) == db_state_hash(plain)
    assert "b" in base.items and base.items["a"].name == "apple"


def test_snapshot_and_restore_undo_everything_since_the_snapshot():
    base, tables = pristine()
    db = fork(base, tables)
    db.items["a"].qty = 10  # touched before the snapshot: must come back as 10
    saved = snapshot(db)
    before = db_state_hash(db)
    db.items["a"].qty = 11
    db.items["b"].tags.clear()
    db.items["z"] = Item(name="new", qty=1)
    db.counter = 0
    restore(db, saved)
    assert db_state_hash(db) == before
    assert db.items["a"].qty == 10 and db.items["b"].tags == ["x"] and "z" not in db.items and db.counter == 7


@tool(kind="write")
def take(db: Shop, key: str, qty: int) -> str:
    """Take items; fails after changing the DB when stock runs out.

    Args:
        key: Item key.
        qty: How many.
    """
    db.items[key].qty -= qty
    db.counter += 1
    if db.items[key].qty < 0:
        raise ToolError("not enough stock")
    return "ok"


def test_a_failed_write_on_a_fork_leaves_no_trace():
    base, tables = pristine()
    db = fork(base, tables)
    from frontdesk.envs import cow

    kit = Toolkit([take], db, snapshot=cow.snapshot, restore=cow.restore)
    before = db_state_hash(db)
    result = kit.call(ToolCall(id="1", name="take", arguments={"key": "b", "qty": 5}))
    assert result.error is not None and "not enough stock" in result.content
    assert db_state_hash(db) == before and db.items["b"].qty == 1 and db.counter == 7
    assert kit.call(ToolCall(id="2", name="take", arguments={"key": "a", "qty": 1})).ok
    assert db.items["a"].qty == 2 and base.items["a"].qty == 3


def test_trials_of_a_real_domain_are_isolated_and_cheap_to_build():
    domain = get_domain("mock")
    task = domain.task("cancel-pending-order")
    first, second = Environment(domain, task), Environment(domain, task)
    assert first.db.orders is not second.db.orders
    first.execute(ToolCall(id="1", name="cancel_order", arguments={"order_id": "#O5000", "reason": "no longer needed"}))
    assert first.db.orders["#O5000"].status == "cancelled"
    assert second.db.orders["#O5000"].status == "pending"
    assert Environment(domain, task).db.orders["#O5000"].status == "pending"
    assert first.state_hash() != second.state_hash() == Environment(domain, task).state_hash()
    # Untouched records are shared with the pristine DB, not copied.
    pristine_db, _ = domain._pristine(task.initial_state)
    assert dict.__getitem__(second.db.orders, "#O5003") is dict.__getitem__(pristine_db.orders, "#O5003")


def test_scan_reads_the_trial_s_current_records_without_copying_any():
    from frontdesk.envs import scan

    base, tables = pristine()
    db = fork(base, tables)
    db.items["b"].qty = 5  # the trial's own copy of b
    seen = {item.name: item for item in scan(db.items)}
    assert seen["pear"].qty == 5 and seen["apple"] is base.items["a"]  # a is still the shared record
    assert db.items.touched == {"b"}  # scanning touched nothing more
    assert [i.qty for i in scan(Shop.model_validate(DATA).items)] == [3, 1]  # plain dicts too


def test_a_flight_search_copies_no_flight():
    domain = get_domain("airline")
    env = Environment(domain, domain.tasks[0])
    flight = next(iter(dict.values(env.db.flights)))
    for name in ("search_direct_flights", "search_onestop_flights"):
        arguments = f'{{"origin": "{flight.origin}", "destination": "{flight.destination}", "date": "2026-05-12"}}'
        result = env.agent_tools.call(ToolCall(id="s", name=name, arguments=arguments))
        assert result.error is None, result.content
    assert env.db.flights.touched == set()
