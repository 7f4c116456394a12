"""The retail tasks (``data/tasks.json``), drafted from the seed database, deterministically.

Every family (see scenarios/) builds one task per call from a seeded pool of customers and orders
and runs its gold actions as it writes them, so amounts in the tasks are what the tools produce.
``python -m authoring retail`` rewrites the file; run `frontdesk validate --domain retail` after.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from authoring.kit import apply_texts, load_texts, tasks_json
from authoring.retail.drafting import Draft, Pool
from authoring.retail.scenarios import (
    bundles,
    change_of_mind,
    changes,
    multi,
    pressure,
    read_only,
    refusals,
    returning,
    transfers,
)
from frontdesk.envs.domain import Domain

SEED = 11

Family = Callable[[Pool, int], Draft]

# (family, how many tasks it writes). Order matters: the families share one random source.
# Families that once wrote more tasks keep their first ids; the rest were retired in version 2 (see
# the README), when single-change and read-only tasks gave way to busier, pushier customers.
FAMILIES: list[tuple[Family, int]] = [
    (read_only.order_status, 5),
    (read_only.find_order_without_id, 2),
    (read_only.gift_card_balance, 1),
    (read_only.catalogue_price, 1),
    (read_only.pending_total, 2),
    (read_only.exchange_quote, 2),
    (changes.cancel_pending, 2),
    (changes.readdress_order, 2),
    (changes.readdress_to_profile, 1),
    (changes.change_payment, 2),
    (changes.modify_items, 7),
    (changes.update_profile_address, 1),
    (changes.return_items, 3),
    (changes.exchange_items, 7),
    (multi.move_house, 6),
    (multi.cancel_all_pending, 4),
    (multi.return_and_exchange, 3),
    (multi.cancel_and_readdress, 3),
    (multi.items_then_payment, 3),
    (multi.exchange_with_quote, 3),
    (refusals.cancel_not_pending, 3),
    (refusals.return_not_delivered, 2),
    (refusals.exchange_unavailable, 2),
    (refusals.exchange_other_product, 2),
    (refusals.second_modification, 2),
    (refusals.gift_card_short, 2),
    (refusals.other_customers_order, 2),
    (refusals.unverified, 1),
    (refusals.refund_elsewhere, 2),
    (refusals.refund_redirected, 3),
    (refusals.exchange_price_check, 2),
    (transfers.lost_package, 1),
    (transfers.damaged_compensation, 1),
    (transfers.asks_for_human, 1),
    (transfers.lost_after_changes, 3),
    (change_of_mind.cancel_then_readdress, 2),
    (change_of_mind.return_fewer, 2),
    (change_of_mind.exchange_then_return, 2),
    (change_of_mind.payment_switch, 2),
    (change_of_mind.keep_after_all, 1),
    (change_of_mind.modify_fewer_items, 2),
    (change_of_mind.cancel_to_changes, 4),
    (bundles.moving_overhaul, 10),
    (bundles.tidy_pending, 6),
    (bundles.return_and_pending, 6),
    (bundles.exchange_readdress_cancel, 5),
    (bundles.return_exchange_cancel, 5),
    (pressure.moving_and_cancel_refused, 6),
    (pressure.return_instead_of_cancel, 4),
    (pressure.compensation_with_changes, 3),
    # Customers who come back: each task follows one drafted above and starts from the state it left.
    (returning.readdressed_items, 3),
    (returning.after_moving, 2),
    (returning.new_total, 2),
    (returning.second_modification, 3),
    (returning.after_cancel, 3),
    (returning.after_return, 3),
    (returning.after_exchange, 2),
]

TEXTS = Path(__file__).parent / "texts"


def split_of(index: int) -> str:
    """Two in five tasks of every family train, the rest test: both splits see every family that has two."""
    return "train" if index % 5 in (1, 3) else "test"


def draft_tasks(domain: Domain, seed: int = SEED) -> list[dict[str, Any]]:
    """The tasks as the families draft them, before the authored texts are put in."""
    pool = Pool(domain, random.Random(seed))
    tasks = []
    for family, count in FAMILIES:
        for index in range(count):
            draft = family(pool, index)
            task_id = f"{draft.family}-{index + 1:02d}"
            pool.drafted[task_id] = draft  # a returning customer's task may follow it (scenarios/returning.py)
            tasks.append(draft.task(task_id, split_of(index)))
    return tasks


def build_tasks(domain: Domain, seed: int = SEED) -> list[dict[str, Any]]:
    """The drafted tasks with what each customer says written by hand (texts/*.yaml)."""
    return apply_texts(draft_tasks(domain, seed), load_texts(TEXTS), TEXTS)


def render(domain: Domain, seed: int = SEED) -> str:
    return tasks_json(build_tasks(domain, seed), indent=1)
