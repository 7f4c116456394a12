"""The airline's tasks (``data/tasks.json``), drafted from the seed database, deterministically.

Run ``python -m authoring airline`` after changing the seed data, the tools or a scenario. Every
task is chosen from the seed database with a fixed seed, and its gold actions are run while it is
written, so its required outputs are what the tools really answer.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from authoring.airline.drafting import Context, Facts, Picker
from authoring.airline.scenarios.booking import (
    book_around_full_flight,
    book_business_extra_bags,
    book_expired_certificate,
    book_gift_card_split,
    book_one_stop,
    book_one_way,
    book_round_trip_insured,
    book_with_certificate,
    cheapest_direct_question,
    group_booking_transfer,
)
from authoring.airline.scenarios.cancel import cancel_tasks
from authoring.airline.scenarios.change import change_tasks
from authoring.airline.scenarios.multi import combo_tasks, more_tasks
from authoring.airline.scenarios.pressure import pressure_tasks
from authoring.airline.scenarios.returning import returning_tasks
from authoring.airline.scenarios.service import (
    add_insurance_refused,
    bag_cost_question,
    cancel_one_refuse_other,
    compensation_tasks,
    delayed_flight_question,
    lost_bag_transfer,
    someone_elses_reservation,
    total_paid_question,
    upgrade_then_bags,
)
from authoring.kit import apply_texts, load_texts, tasks_json
from frontdesk.envs.domain import Domain

SEED = 11
TEXTS = Path(__file__).parent / "texts"  # what each task's customer says, written per task
TRAIN_EVERY = 3  # every third task goes to the train split, the rest to test

# (task id, builder). An id used more than once gets a number; a builder that returns a list
# returns (task id, task) pairs and its own id is unused.
SCENARIOS: list[tuple[str, Callable[[Context], Any]]] = [
    ("flight-status-delayed", delayed_flight_question),
    ("flight-status-delayed", delayed_flight_question),
    ("bag-cost-question", bag_cost_question),
    ("bag-cost-question", bag_cost_question),
    ("total-paid-question", total_paid_question),
    ("total-paid-question", total_paid_question),
    ("cheapest-direct-question", cheapest_direct_question),
    ("cheapest-direct-question", cheapest_direct_question),
    ("book-economy-one-way", lambda ctx: book_one_way(ctx, "economy", "regular", 1)),
    ("book-basic-economy-with-bag", lambda ctx: book_one_way(ctx, "basic_economy", "regular", 1)),
    ("book-economy-silver-bags", lambda ctx: book_one_way(ctx, "economy", "silver", 3)),
    ("book-round-trip-insured", book_round_trip_insured),
    ("book-round-trip-insured", book_round_trip_insured),
    ("book-one-stop", lambda ctx: book_one_stop(ctx, "economy")),
    ("book-one-stop", lambda ctx: book_one_stop(ctx, "basic_economy")),
    ("book-business-extra-bags", book_business_extra_bags),
    ("book-with-certificate", book_with_certificate),
    ("book-with-certificate", book_with_certificate),
    ("book-expired-certificate", book_expired_certificate),
    ("book-gift-card-split", book_gift_card_split),
    ("book-around-full-flight", book_around_full_flight),
    ("group-booking-transfer", group_booking_transfer),
    ("cancellations", cancel_tasks),
    ("changes", change_tasks),
    ("compensation", compensation_tasks),
    ("lost-bag-transfer", lost_bag_transfer),
    ("cancel-one-refuse-other", cancel_one_refuse_other),
    ("upgrade-then-bags", upgrade_then_bags),
    ("add-insurance-refused", add_insurance_refused),
    ("someone-elses-reservation", someone_elses_reservation),
    # Added with issue 22, after the original tasks so their seeded choices stay as they were.
    ("several-changes", combo_tasks),
    ("pressure", pressure_tasks),
    ("more-changes", more_tasks),
    # Customers who come back after one of the tasks above (``follows``): last, so every task they follow
    # is drafted first and no earlier seeded choice moves.
    ("returning", returning_tasks),
]


def draft_tasks(domain: Domain, seed: int = SEED) -> list[dict[str, Any]]:
    """The tasks as the scenarios draft them, before the authored customer texts are put in."""
    ctx = Context(domain=domain, facts=Facts(domain.build_db()), pick=Picker(random.Random(seed)))
    repeated = Counter(name for name, _ in SCENARIOS)
    seen: Counter[str] = Counter()
    named: list[tuple[str, dict[str, Any]]] = []
    for name, build in SCENARIOS:
        built = build(ctx)
        if isinstance(built, list):
            named.extend(built)
        else:
            seen[name] += 1
            named.append((f"{name}-{seen[name]}" if repeated[name] > 1 else name, built))
        ctx.drafted.update(named)  # what a returning customer's task can follow
    return [
        {"id": task_id, "split": "train" if i % TRAIN_EVERY == 0 else "test", **task}
        for i, (task_id, task) in enumerate(named)
    ]


def build_tasks(domain: Domain, seed: int = SEED) -> list[dict[str, Any]]:
    """The drafted tasks with what each customer says written per task in texts/*.yaml."""
    return apply_texts(draft_tasks(domain, seed), load_texts(TEXTS), TEXTS)


def render(domain: Domain, seed: int = SEED) -> str:
    return tasks_json(build_tasks(domain, seed), indent=2)
