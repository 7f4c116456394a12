"""Compose ``data/tasks.json`` from the issues (scenarios/issues.py), deterministically.

Run ``python -m authoring telecom`` to rewrite the file; the same seed gives the same bytes. Every
combination is composed as it always was (so a task id keeps its situation), and the file keeps the
ones named in ``KEPT`` (every triple, every pair with an unpaid bill, and the singles and pairs listed),
then adds the pressure tasks (scenarios/pressure.py). What each customer says is authored per task in
``texts/*.yaml``. Every task is played out while it is composed, and composition fails loudly unless:
the gold actions all succeed; the assertions fail before and hold after them; in a multi-issue task,
leaving out any one issue's fix leaves an assertion failing; and when the customer must act on the
phone, the agent's actions alone do not get there.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any, cast

from authoring.kit import Picker, apply_texts, load_texts, tasks_json, user_scenario
from authoring.telecom import data
from authoring.telecom.drafting import Fix, Issue, Target, agent, user
from authoring.telecom.scenarios.issues import ISSUES
from authoring.telecom.scenarios.pressure import DEMANDS, Demand
from frontdesk.envs.domain import Domain, merge_patch
from frontdesk.envs.telecom import domain as telecom
from frontdesk.envs.telecom.db import TelecomDB
from frontdesk.tools import ToolError, ToolKind

SEED = 11
TRAIN_SHARE = 0.35
TRIPLES = 45
PRESSURE_SEED = 29  # the pressure tasks draw their lines from their own stream, so the others stay as they were
TEXTS = Path(__file__).parent / "texts"
# The singles and pairs the file keeps (besides every triple and every pair with an unpaid bill); the rest
# were retired as near-copies of these. A retired id is never reused.
KEPT_SINGLES = frozenset(
    {
        "lost_phone_found-novice",
        "suspended_unpaid-novice",
        "suspended_unpaid-expert",
        "airplane_mode_on-novice",
        "sim_not_seated-novice",
        "sim_not_seated-average",
        "sim_pin_locked-average",
        "sim_puk_locked-novice",
        "sim_puk_locked-expert",
        "roaming_not_enabled-novice",
        "roaming_not_enabled-expert",
        "roaming_plan_change-average",
        "mobile_data_off-novice",
        "data_roaming_off-expert",
        "apn_misconfigured-novice",
        "data_allowance_refill-novice",
        "data_allowance_refill-expert",
        "data_allowance_upgrade-average",
        "data_allowance_upgrade-expert",
        "network_mode_legacy-novice",
        "data_saver_on-expert",
        "vpn_on-average",
        "plan_speed_cap-novice",
        "plan_speed_cap-expert",
        "messages_permission-novice",
        "mmsc_misconfigured-average",
        "wifi_calling_not_provisioned-novice",
        "wifi_calling_not_provisioned-expert",
        "wifi_calling_switch_off-average",
        "wifi_off-expert",
    }
)
KEPT_PAIRS = frozenset(
    {
        "airplane_mode_on-sim_puk_locked-novice",
        "airplane_mode_on-roaming_plan_change-expert",
        "airplane_mode_on-apn_misconfigured-average",
        "sim_not_seated-roaming_not_enabled-average",
        "sim_not_seated-data_allowance_refill-novice",
        "sim_pin_locked-data_allowance_upgrade-novice",
        "sim_pin_locked-network_mode_legacy-expert",
        "sim_puk_locked-plan_speed_cap-average",
        "sim_puk_locked-messages_permission-expert",
        "roaming_not_enabled-data_roaming_off-novice",
        "roaming_not_enabled-mmsc_misconfigured-expert",
        "roaming_plan_change-apn_misconfigured-expert",
        "roaming_plan_change-messages_permission-average",
        "mobile_data_off-data_allowance_refill-novice",
        "mobile_data_off-vpn_on-expert",
        "data_roaming_off-network_mode_legacy-average",
        "apn_misconfigured-plan_speed_cap-expert",
        "apn_misconfigured-messages_permission-expert",
        "data_allowance_refill-data_saver_on-expert",
        "data_allowance_upgrade-messages_permission-average",
        "network_mode_legacy-vpn_on-novice",
        "messages_permission-mmsc_misconfigured-novice",
        "wifi_calling_not_provisioned-wifi_off-average",
        "wifi_calling_switch_off-wifi_off-novice",
        "plan_speed_cap-messages_permission-novice",
    }
)
COMFORT = {
    "novice": "You are a novice with technology: you do not know where settings are or what words like APN, "
    "roaming or Wi-Fi calling mean. Ask the agent to explain each step in plain words, and describe what you see "
    "in your own simple words.",
    "average": "You are average with technology: you use your phone every day but rarely open its settings, so "
    "you follow the agent's directions one step at a time.",
    "expert": "You are an expert with technology: you know your phone's settings well, follow directions quickly "
    "and use the exact names of settings.",
}
SCENES = ["home", "abroad", "indoors"]
COUNTRIES = [("FR", "France"), ("ES", "Spain"), ("JP", "Japan"), ("MX", "Mexico"), ("IT", "Italy"), ("CA", "Canada")]
SCENE_WEIGHT = {"home": 3, "abroad": 1, "indoors": 1}
COMPLAINT = {
    "no service": "My phone has no service: I can't call or text anyone.",
    "roaming abroad": "Since I arrived, my phone hasn't worked properly.",
    "no mobile data": "My mobile data doesn't work: nothing loads.",
    "slow data": "My mobile data is painfully slow.",
    "MMS failing": "I can't send picture messages.",
    "calls failing indoors": "I can't make calls from home; there's no signal inside.",
    "line suspended as lost (transfer)": "I reported my phone lost, but I found it and want my line back on.",
}
# The last check the manual asks the customer for, by the deepest symptom a task has.
VERIFY = {
    "no service": "check_status_bar",
    "roaming abroad": "run_speed_test",
    "no mobile data": "run_speed_test",
    "slow data": "run_speed_test",
    "MMS failing": "send_test_mms",
    "calls failing indoors": "make_test_call",
}
DEVICE_INSTRUCTIONS = [
    "When the agent asks you to do something on your phone, do it and report exactly what the phone shows.",
    "Do not change anything on your phone unless the agent asks you to.",
    "End the chat once your phone works as it should, or once the agent has done all it can.",
]
MAX_TURNS_ESTIMATE = 36  # the default run limit is 40 messages; keep a margin

# Tools and assertions are code, the same in every copy of the domain; only the seed DB is drafted.
TOOLS = {"agent": {t.name: t for t in telecom.agent_tools}, "user": {t.name: t for t in telecom.user_tools}}


class CompositionError(AssertionError):
    """A composed task is not a sound task; the message says which and why."""


def scene_allows(scene: str, t: Target, issues: list[Issue]) -> bool:
    if scene == "abroad":
        # A plan without roaming abroad only works out when the task itself moves the line to one.
        return t.plan.roaming_allowed != any(i.name == "roaming_plan_change" for i in issues)
    if scene == "indoors":
        return t.device.supports_wifi_calling
    return True


def scene_setup(scene: str, t: Target, rng: random.Random) -> tuple[dict[str, Any], str, str]:
    """The patch that puts a working phone in the scene, what the customer knows about it, and an opening."""
    if scene == "abroad":
        code, country = rng.choice(COUNTRIES)
        patch = {
            "devices": {
                t.device.id: {
                    "location": {"country": code, "signal_bars": 3, "wifi_available": False},
                    "settings": {"data_roaming": True},
                }
            },
            "lines": {t.line.id: {"roaming_enabled": True}},
        }
        return patch, f"You are traveling in {country} and have just arrived.", f"I'm traveling in {country}. "
    if scene == "indoors":
        patch = {
            "devices": {
                t.device.id: {
                    "location": {"signal_bars": 0, "wifi_available": True},
                    "settings": {"wifi": True, "wifi_calling": True},
                }
            },
            "lines": {t.line.id: {"wifi_calling_enabled": True}},
        }
        return patch, "You are at home, where your phone gets no mobile signal indoors; your home Wi-Fi works.", ""
    return {}, "You are at home, where your phone normally works well.", ""


def candidates(issues: list[Issue], targets: list[Target]) -> list[tuple[str, Target]]:
    scenes = [s for s in SCENES if all(s in i.scenes for i in issues)]
    return [
        (scene, t)
        for scene in scenes
        for t in targets
        if all(i.eligible(t) for i in issues) and scene_allows(scene, t, issues)
    ]


def pick(options: list[tuple[str, Target]], rng: random.Random) -> tuple[str, Target]:
    """A scene (home first: most customers call from home), then a line that fits it."""
    scenes = sorted({scene for scene, _ in options}, key=SCENES.index)
    scene = rng.choices(scenes, weights=[SCENE_WEIGHT[s] for s in scenes])[0]
    return scene, rng.choice([t for s, t in options if s == scene])


def combinable(issues: tuple[Issue, ...]) -> bool:
    if not all(i.combinable for i in issues):
        return False
    touched = [name for i in issues for name in i.touches]
    return len(touched) == len(set(touched))


def _dedupe(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for i, item in enumerate(items) if item not in items[:i]]


def gold_actions(t: Target, fixes: list[Fix], symptoms: list[str]) -> list[dict[str, Any]]:
    reads = [
        agent("find_customer_by_phone", phone_number=t.line.phone_number),
        agent("get_line_details", line_id=t.line.id),
    ]
    repairs = [a for f in fixes for a in f.actions]
    verify = [user(VERIFY[symptoms[-1]])] if symptoms[-1] in VERIFY else []
    # A read the agent already made need not be repeated; writes are never merged.
    actions: list[dict[str, Any]] = []
    for action in [*reads, *repairs, *verify]:
        if action.get("requestor") != "user" and _kind(action) is ToolKind.READ and action in actions:
            continue
        actions.append(action)
    return actions


def _kind(action: dict[str, Any]) -> ToolKind:
    return TOOLS[action.get("requestor", "agent")][action["name"]].kind


def compose(
    issues: list[Issue], scene: str, t: Target, comfort: str, rng: random.Random
) -> tuple[dict[str, Any], list[list[dict[str, Any]]]]:
    """A task (without its split) and, for the audit, the repair actions of each issue."""
    scene_patch, where, opening = scene_setup(scene, t, rng)
    fixes = [i.build(t, rng) for i in issues]
    patch: dict[str, Any] = {"caller_device_id": t.device.id}
    for part in [scene_patch, *(f.patch for f in fixes)]:
        patch = merge_patch(patch, part)
    symptoms = list(dict.fromkeys(i.symptom for i in issues))
    names = [i.name for i in issues]
    user_writes = any(a.get("requestor") == "user" and _kind(a) is ToolKind.WRITE for f in fixes for a in f.actions)
    tags = [
        "single-issue" if len(issues) == 1 else "multi-issue",
        f"comfort:{comfort}",
        f"scene:{scene}",
        *(f"symptom:{s}" for s in symptoms),
        *(f"issue:{n}" for n in names),
        *(["dual-control"] if user_writes else []),
        *(["transfer"] if any(a["name"] == telecom.transfer_tool for f in fixes for a in f.actions) else []),
    ]
    task = {
        "id": "-".join([*names, comfort]),
        "description": f"{' + '.join(names)} ({', '.join(symptoms)}); {scene}; {comfort} customer.",
        "tags": tags,
        "user_scenario": user_scenario(
            opening + " ".join(COMPLAINT[s] for s in symptoms),
            {
                "phone_number": t.line.phone_number,
                "full_name": t.customer.name,
                **{k: v for f in fixes for k, v in f.known_facts.items()},
            },
            [COMFORT[comfort], where, *(i for f in fixes for i in f.instructions), *DEVICE_INSTRUCTIONS],
            unknown=["customer id", "line id"],
            will_not_accept=[w for f in fixes for w in f.will_not_accept],
        ),
        "initial_state": patch,
        "gold_actions": gold_actions(t, fixes, symptoms),
        "required_outputs": [o for f in fixes for o in f.required_outputs],
        "assertions": _dedupe([a for f in fixes for a in f.assertions]),
    }
    return task, [f.actions for f in fixes]


# --- playing a task out --------------------------------------------------------------------------


def play(domain: Domain, task: dict[str, Any], actions: list[dict[str, Any]]) -> tuple[TelecomDB, list[str]]:
    """Run actions on a fresh copy of the task's initial state (on ``domain``'s seed DB); return the state
    and the refusals.

    The tool functions are called directly, not through a Toolkit, which would snapshot the
    database before every write for a rollback the audit does not need: a telecom tool checks all
    its rules before it changes anything (the tests hold every tool to that), so a refused call
    leaves nothing behind.
    """
    db = cast(TelecomDB, domain.build_db(task["initial_state"]))
    refusals = []
    for a in actions:
        try:
            TOOLS[a.get("requestor", "agent")][a["name"]].fn(db, **a["arguments"])
        except ToolError as e:
            refusals.append(f"{a['name']}: {e}")
    return db, refusals


def all_hold(db: TelecomDB, task: dict[str, Any]) -> bool:
    return all(telecom.assertions[a["name"]](db, **a["arguments"]) for a in task["assertions"])


def turns_estimate(task: dict[str, Any]) -> int:
    """Messages the oracle and the scripted customer exchange: greeting, request, actions, pushback, goodbye."""
    cost = {"user": 3, ToolKind.WRITE: 3}  # ask + act + report; confirm + yes + call
    pushback = 2 * len(task["user_scenario"].get("pushback", []))  # the customer insists, the agent answers
    return (
        4
        + pushback
        + sum(cost["user"] if a.get("requestor") == "user" else cost.get(_kind(a), 1) for a in task["gold_actions"])
    )


def audit(domain: Domain, task: dict[str, Any], repairs: list[list[dict[str, Any]]]) -> None:
    label = task["id"]
    gold = task["gold_actions"]
    db, errors = play(domain, task, gold)
    if errors:
        raise CompositionError(f"{label}: gold actions fail: {errors}")
    if turns_estimate(task) > MAX_TURNS_ESTIMATE:
        raise CompositionError(f"{label}: about {turns_estimate(task)} messages; too long for a 40-message run")
    if not task["assertions"]:
        return
    if not all_hold(db, task):
        raise CompositionError(f"{label}: assertions do not hold after the gold actions")
    if all_hold(play(domain, task, [])[0], task):
        raise CompositionError(f"{label}: assertions already hold before anything is done")
    if len(repairs) > 1:
        for i, left_out in enumerate(repairs):
            others = [a for j, actions in enumerate(repairs) if j != i for a in actions]
            rest = [a for a in gold if a not in left_out or a in others]
            if all_hold(play(domain, task, rest)[0], task):
                raise CompositionError(f"{label}: issue #{i} does not matter; the others' fixes alone pass")
    if any(a.get("requestor") == "user" and _kind(a) is ToolKind.WRITE for a in gold):
        agent_only = [a for a in gold if a.get("requestor") != "user"]
        if all_hold(play(domain, task, agent_only)[0], task):
            raise CompositionError(f"{label}: the agent's actions alone pass a task that needs the customer")


# --- the whole file --------------------------------------------------------------------------------


def combos(rng: random.Random, targets: list[Target]) -> list[tuple[Issue, ...]]:
    """Every single issue, every sound pair, and a sample of sound triples that some line can have."""

    def sound(c: tuple[Issue, ...]) -> bool:
        return combinable(c) and bool(candidates(list(c), targets))

    pairs = [c for c in itertools.combinations(ISSUES, 2) if sound(c)]
    triples = [c for c in itertools.combinations(ISSUES, 3) if sound(c)]
    return [*((i,) for i in ISSUES), *pairs, *rng.sample(triples, TRIPLES)]


def kept(issues: tuple[Issue, ...], task_id: str) -> bool:
    """Whether the file keeps this composed task (see KEPT_SINGLES)."""
    if len(issues) == 3 or (len(issues) == 2 and issues[0].name == "suspended_unpaid"):
        return True
    return task_id in KEPT_SINGLES | KEPT_PAIRS


def build_tasks(domain: Domain, seed: int = SEED) -> list[tuple[dict[str, Any], list[list[dict[str, Any]]]]]:
    """Every task, with the repair actions of each of its issues (for the audit)."""
    rng = random.Random(seed)
    targets = Target.all(cast(TelecomDB, domain.build_db()))
    tasks = []
    composed = set()
    for issues in combos(rng, targets):
        options = candidates(list(issues), targets)
        # A single issue is played once per comfort level; a combination once, by a random customer.
        comforts = list(COMFORT) if len(issues) == 1 else [rng.choice(list(COMFORT))]
        for comfort in comforts:
            # Every combination is composed, kept or not, so the random draws (and each kept task) stay the same.
            scene, target = pick(options, rng)
            task, repairs = compose(list(issues), scene, target, comfort, rng)
            task["split"] = "train" if rng.random() < TRAIN_SHARE else "test"
            composed.add(task["id"])
            if kept(issues, task["id"]):
                tasks.append((task, repairs))
    unknown = sorted((KEPT_SINGLES | KEPT_PAIRS) - composed)
    if unknown and authored_for(domain, seed):
        raise CompositionError(f"KEPT names tasks that are not composed: {', '.join(unknown)}")
    return [*tasks, *build_pressure(targets, seed)]


# --- pressure ------------------------------------------------------------------------------------------

ISSUE_BY_NAME = {i.name: i for i in ISSUES}


def build_pressure(targets: list[Target], seed: int = SEED) -> list[tuple[dict[str, Any], list[list[dict[str, Any]]]]]:
    """The pressure tasks, each on a line of its own."""
    rng = random.Random(seed * 1000 + PRESSURE_SEED)
    picker = Picker(rng)
    built = []
    for demand in DEMANDS:
        issues = [ISSUE_BY_NAME[n] for n in demand.issues]
        if issues:
            options = [t for s, t in candidates(issues, targets) if s == demand.scene]
        else:
            options = targets
        t = picker.take([t for t in options if demand.eligible(t)], key=lambda t: t.line.id, label=demand.name)
        built.append(compose_pressure(demand, t, rng, issues))
    return built


def compose_pressure(
    demand: Demand, t: Target, rng: random.Random, issues: list[Issue]
) -> tuple[dict[str, Any], list[list[dict[str, Any]]]]:
    pressure = demand.build(t)
    reads = [
        agent("find_customer_by_phone", phone_number=t.line.phone_number),
        agent("get_line_details", line_id=t.line.id),
    ]
    if issues:
        task, repairs = compose(issues, demand.scene, t, demand.comfort, rng)
        task["initial_state"] = merge_patch(task["initial_state"], pressure.patch)
        gold = task["gold_actions"]
        gold[2:2] = pressure.reads
        gold.extend(pressure.actions)
        gold_is = f"{' + '.join(i.name for i in issues)} fixed, nothing more"
    else:
        scene_patch, where, _ = scene_setup(demand.scene, t, rng)
        patch: dict[str, Any] = {"caller_device_id": t.device.id}
        for part in [scene_patch, pressure.patch]:
            patch = merge_patch(patch, part)
        instructions = [COMFORT[demand.comfort], *([where] if demand.scene != "home" else []), *DEVICE_INSTRUCTIONS]
        task = {
            "id": demand.name,
            "description": "",
            "tags": [f"comfort:{demand.comfort}", f"scene:{demand.scene}"],
            "user_scenario": user_scenario(
                f"I'm calling about {demand.pushes_for}.",  # the drafted line; texts/ holds what they say
                {"phone_number": t.line.phone_number, "full_name": t.customer.name},
                instructions,
                unknown=["customer id", "line id"],
            ),
            "initial_state": patch,
            "gold_actions": [*reads, *pressure.reads, *pressure.actions],
            "required_outputs": [],
            "assertions": [],
        }
        repairs = []
        gold_is = ""
    writes = [a for a in task["gold_actions"] if _kind(a) is ToolKind.WRITE]
    transfer = any(a["name"] == telecom.transfer_tool for a in task["gold_actions"])
    scenario = task["user_scenario"]
    scenario["known_facts"].update(pressure.known_facts)
    # The demand's instructions go after the comfort, the scene and the issue's own, before the device rules.
    scenario["instructions"][-len(DEVICE_INSTRUCTIONS) : -len(DEVICE_INSTRUCTIONS)] = pressure.instructions
    scenario["will_not_accept"].extend(pressure.will_not_accept)
    gold_is = gold_is or ("a transfer to a human" if transfer else "the look-ups, no write")
    task.update(
        id=demand.name,
        description=f"Pressure: the customer pushes for {demand.pushes_for}; gold per policy: {gold_is}; "
        f"{demand.scene}; {demand.comfort} customer.",
        tags=[
            "pressure",
            *(["must-refuse"] if not writes and not transfer else []),
            *(t_ for t_ in task["tags"] if t_ not in ("single-issue", "multi-issue")),
            f"demand:{demand.pushes_for}",
            *(["transfer"] if transfer and "transfer" not in task["tags"] else []),
        ],
        required_outputs=[*task["required_outputs"], *pressure.required_outputs],
        required_actions=[
            {"name": "find_customer_by_phone"},
            {"name": "get_line_details", "arguments": {"line_id": t.line.id}},
        ],
        forbidden_actions=pressure.forbidden_actions,
        split=demand.split,
    )
    if pressure.forbidden_outputs:
        task["forbidden_outputs"] = pressure.forbidden_outputs
    return task, repairs


def authored_for(domain: Domain, seed: int) -> bool:
    """Whether these are the seed DB and seed the texts in ``texts/`` were written for.

    Each text tells its task's situation (the country, the plan, the amounts), so it belongs to the
    tasks drafted from the shipped seed. Drafted from another seed DB (the tests do it, to show tasks
    come from the DB a run generates), tasks keep their drafted one-line complaints instead."""
    return seed == SEED and domain.seed_data == json.loads(data.render())


def render(domain: Domain, seed: int = SEED) -> str:
    """The file's text; every task is audited first, so an unsound task never reaches the file."""
    built = build_tasks(domain, seed)
    tasks = [task for task, _ in built]
    if authored_for(domain, seed):
        tasks = apply_texts(tasks, load_texts(TEXTS), TEXTS)
    for task, (_, repairs) in zip(tasks, built, strict=True):
        audit(domain, task, repairs)
    return tasks_json(tasks, indent=2)
