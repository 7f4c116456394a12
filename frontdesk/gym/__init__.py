"""Gymnasium environments for both seats of a frontdesk trial (needs ``pip install 'frontdesk[gym]'``).

- :class:`AgentEnv` — play the agent: the observation is the chat request an agent model is sent
  (policy, tool schemas, the conversation), the action is its message; the simulated customer
  answers inside ``step``; the reward is the trial's verdict at the end.
- :class:`UserEnv` — play the customer, for training simulators; the reward is a fidelity signal.
- :func:`rollout` / :func:`arollout` — episodes of a policy as the runner's ``TrialRecord``\\ s,
  optionally written into a run folder that ``frontdesk report``/``compare``/``export`` read.
- :class:`ScriptedPolicy` — the built-in scripted participants as policies (baselines).

Importing this module registers ``frontdesk/<domain>-v0`` (the agent seat) and
``frontdesk/<domain>-customer-v0`` (the customer seat) for every installed domain, so
``gymnasium.make("frontdesk/retail-v0")`` works after ``import frontdesk.gym`` (or, without the
import, ``gymnasium.make("frontdesk.gym:frontdesk/retail-v0")``). ``import frontdesk`` never imports
gymnasium.
"""

from __future__ import annotations

import gymnasium

from frontdesk.envs import domain_names
from frontdesk.gym.actions import MalformedAction
from frontdesk.gym.envs import ACTION_MAX_LENGTH, CHARSET, AgentEnv, UserEnv, ending_info
from frontdesk.gym.rollout import Policy, ScriptedPolicy, arollout, rollout, turn_action


def env_ids() -> dict[str, tuple[str, str]]:
    """Registered id -> (env class entry point, domain), one pair of ids per installed domain."""
    ids = {}
    for name in domain_names():  # names only: no domain is loaded until an env is made
        ids[f"frontdesk/{name}-v0"] = ("frontdesk.gym.envs:AgentEnv", name)
        ids[f"frontdesk/{name}-customer-v0"] = ("frontdesk.gym.envs:UserEnv", name)
    return ids


def register_envs() -> None:
    for env_id, (entry_point, domain) in env_ids().items():
        if env_id not in gymnasium.registry:  # importing twice (reload, plugins) must not warn
            gymnasium.register(id=env_id, entry_point=entry_point, kwargs={"domain": domain})


register_envs()

__all__ = [
    "ACTION_MAX_LENGTH",
    "CHARSET",
    "AgentEnv",
    "MalformedAction",
    "Policy",
    "ScriptedPolicy",
    "UserEnv",
    "arollout",
    "ending_info",
    "env_ids",
    "register_envs",
    "rollout",
    "turn_action",
]
