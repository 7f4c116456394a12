"""Canonical state hashing: equal meaning, equal hash; different values, different hashes."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from frontdesk.envs import canonical, canonical_json, state_hash


class Item(BaseModel):
    sku: str
    price: float
    tags: list[str] = []


class Store(BaseModel):
    items: dict[str, Item]
    open: bool


def test_key_order_does_not_matter() -> None:
    assert state_hash({"a": 1, "b": 2}) == state_hash({"b": 2, "a": 1})


def test_nested_key_order_does_not_matter() -> None:
    a = {"outer": {"x": 1, "y": [{"p": 1, "q": 2}]}, "z": 0}
    b = {"z": 0, "outer": {"y": [{"q": 2, "p": 1}], "x": 1}}
    assert state_hash(a) == state_hash(b)


def test_integral_float_equals_int() -> None:
    assert state_hash({"age": 25}) == state_hash({"age": 25.0})
    assert canonical(25.0) == 25 and isinstance(canonical(25.0), int)


def test_large_integral_float_equals_int() -> None:
    # "integral floats become ints": exact integral floats must not be rounded away from the int.
    n = 10**13 + 1  # exactly representable as a float
    assert state_hash({"n": n}) == state_hash({"n": float(n)})


def test_binary_noise_is_absorbed() -> None:
    assert state_hash({"total": 0.1 + 0.2}) == state_hash({"total": 0.3})
    assert state_hash([414.97 + 153.5]) == state_hash([568.47])


def test_nested_lists_and_dicts_with_float_noise() -> None:
    a = {"orders": [{"items": [{"price": 0.1 + 0.2, "qty": 2.0}]}, {"items": []}]}
    b = {"orders": [{"items": [{"qty": 2, "price": 0.3}]}, {"items": []}]}
    assert state_hash(a) == state_hash(b)


def test_list_order_matters() -> None:
    assert state_hash([1, 2]) != state_hash([2, 1])


def test_tuple_hashes_like_list() -> None:
    assert state_hash((1, "a")) == state_hash([1, "a"])


def test_pydantic_model_equals_its_dict() -> None:
    store = Store(items={"P1": Item(sku="P1", price=12.0, tags=["x"])}, open=True)
    as_dict = {"open": True, "items": {"P1": {"tags": ["x"], "price": 12, "sku": "P1"}}}
    assert state_hash(store) == state_hash(as_dict)


def test_nested_pydantic_models_inside_plain_data() -> None:
    assert state_hash({"item": Item(sku="P1", price=1.5)}) == state_hash(
        {"item": {"sku": "P1", "price": 1.5, "tags": []}}
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"status": "pending"}, {"status": "cancelled"}),
        ({"price": 41.0}, {"price": 41.01}),
        ({"a": 1}, {"a": 1, "b": None}),
        ({"a": None}, {"a": "None"}),
        ({"a": "1"}, {"a": 1}),
        ({"a": []}, {"a": {}}),
        ([1, [2, 3]], [1, [2, 4]]),
    ],
)
def test_different_values_hash_differently(a: object, b: object) -> None:
    assert state_hash(a) != state_hash(b)


def test_pydantic_model_change_changes_hash() -> None:
    store = Store(items={"P1": Item(sku="P1", price=12.0)}, open=True)
    before = state_hash(store)
    store.items["P1"].price = 13.0
    assert state_hash(store) != before


def test_bool_is_not_turned_into_int() -> None:
    assert canonical(True) is True
    assert canonical(False) is False
    assert state_hash({"flag": True}) != state_hash({"flag": 1})
    assert state_hash({"flag": False}) != state_hash({"flag": 0})


def test_canonical_json_is_sorted_and_compact() -> None:
    assert canonical_json({"b": 1.0, "a": [True, None]}) == '{"a":[true,null],"b":1}'


def test_state_hash_is_sha256_hex() -> None:
    h = state_hash({"a": 1})
    assert len(h) == 64 and int(h, 16) >= 0
    assert h == state_hash({"a": 1})


def test_unhashable_type_is_refused() -> None:
    with pytest.raises(TypeError, match="set"):
        state_hash({"a": {1, 2}})


def test_canonical_sorts_keys_and_stringifies_them() -> None:
    result = canonical({"b": 1, "a": {"d": 2, "c": 3}, 7: "x"})
    assert list(result) == ["7", "a", "b"]
    assert list(result["a"]) == ["c", "d"]
