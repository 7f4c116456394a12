"""The retail tasks (``data/tasks.json``), drafted from the seed database, deterministically.

Every family (see scenarios/) builds one task per call from a seeded pool of customers and orders
and runs its gold actions as it writes them, so amounts in the tasks are what the tools produce.
``python -m authoring retail`` rewrites the file; run `frontdesk validate --domain retail` after.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from authoring.kit import tasks_json
from authoring.retail.drafting import Draft, Pool
from authoring.retail.scenarios import change_of_mind, changes, multi, read_only, refusals, transfers
from frontdesk.envs.domain import Domain

SEED = 11

Family = Callable[[Pool, int], Draft]

# (family, how many tasks it writes). Order matters: the families share one random source.
FAMILIES: list[tuple[Family, int]] = [
    (read_only.order_status, 6),
    (read_only.find_order_without_id, 4),
    (read_only.gift_card_balance, 3),
    (read_only.catalogue_price, 4),
    (read_only.pending_total, 4),
    (read_only.exchange_quote, 4),
    (changes.cancel_pending, 9),
    (changes.readdress_order, 5),
    (changes.readdress_to_profile, 3),
    (changes.change_payment, 6),
    (changes.modify_items, 8),
    (changes.update_profile_address, 4),
    (changes.return_items, 9),
    (changes.exchange_items, 7),
    (multi.move_house, 6),
    (multi.cancel_all_pending, 5),
    (multi.return_and_exchange, 4),
    (multi.cancel_and_readdress, 4),
    (multi.items_then_payment, 4),
    (multi.exchange_with_quote, 3),
    (refusals.cancel_not_pending, 6),
    (refusals.return_not_delivered, 3),
    (refusals.exchange_unavailable, 3),
    (refusals.exchange_other_product, 3),
    (refusals.second_modification, 3),
    (refusals.gift_card_short, 3),
    (refusals.other_customers_order, 3),
    (refusals.unverified, 2),
    (refusals.refund_elsewhere, 3),
    (refusals.refund_redirected, 3),
    (refusals.exchange_price_check, 3),
    (transfers.lost_package, 3),
    (transfers.damaged_compensation, 2),
    (transfers.asks_for_human, 2),
    (change_of_mind.cancel_then_readdress, 3),
    (change_of_mind.return_fewer, 3),
    (change_of_mind.exchange_then_return, 3),
    (change_of_mind.payment_switch, 3),
    (change_of_mind.keep_after_all, 3),
    (change_of_mind.modify_fewer_items, 3),
]


def split_of(index: int) -> str:
    """Two in five tasks of every family train, the rest test: both splits see every family that has two."""
    return "train" if index % 5 in (1, 3) else "test"


def build_tasks(domain: Domain, seed: int = SEED) -> list[dict[str, Any]]:
    pool = Pool(domain, random.Random(seed))
    tasks = []
    for family, count in FAMILIES:
        for index in range(count):
            draft = family(pool, index)
            tasks.append(draft.task(f"{draft.family}-{index + 1:02d}", split_of(index)))
    return tasks


def render(domain: Domain, seed: int = SEED) -> str:
    return tasks_json(build_tasks(domain, seed), indent=1)
