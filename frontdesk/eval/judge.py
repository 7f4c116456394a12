"""Judged assertions: natural-language checks on a conversation, scored by a judge model.

The judge is a configuration value (``RunConfig.judge``, ``frontdesk run --judge MODEL``): any
litellm model string. Each assertion gets one call; the judge's reasoning is kept in the verdict.
A judge that fails or answers without a verdict is an infra error — the trial is retried on
resume, never counted as a pass (or a fail) on the judge's behalf.
"""

from __future__ import annotations

import json
import re

from frontdesk.envs import Task
from frontdesk.errors import ConfigError
from frontdesk.eval.checker import Component
from frontdesk.llm import InfraError, ModelConfig, check_model_string, complete
from frontdesk.trajectory import Trajectory, Usage
from frontdesk.transcript import render_transcript

JUDGE_PROMPT = """You grade one customer-service conversation between a support AGENT and a CUSTOMER.
Tool calls the agent (or the customer's own device) made are shown with their results.

Decide whether this statement is true of the conversation:
{assertion}

Judge only from what the transcript shows. Explain your reasoning briefly, then end with a last
line that is exactly `VERDICT: PASS` (the statement is true) or `VERDICT: FAIL` (it is not)."""

_VERDICT = re.compile(r"VERDICT:\s*(PASS|FAIL)\b", re.IGNORECASE)


class JudgeError(InfraError):
    """The judge answered without a usable verdict."""


def judge_for(judge: str | None, task: Task) -> str:
    """The judge model for a task with judged assertions; a ConfigError when none is configured."""
    if judge is None:
        raise ConfigError(
            f"task {task.id!r} has judged_assertions, which need a judge model: "
            "pass --judge MODEL (any litellm model string, e.g. openai/gpt-4o-mini)"
        )
    return judge


def check_judge(judge: str | None, tasks: list[Task], transport: str = "litellm") -> None:
    """Before a run starts: the judge's model string is usable, and every task that needs a judge has one."""
    if judge is not None:
        check_model_string(judge, transport)
    for task in tasks:
        if task.judged_assertions:
            judge_for(judge, task)


def parse_verdict(text: str | None) -> bool:
    found = _VERDICT.findall(text or "")
    if not found:
        raise JudgeError(f"the judge's reply has no 'VERDICT: PASS' or 'VERDICT: FAIL' line: {(text or '')[:200]!r}")
    return found[-1].upper() == "PASS"


async def judge_assertions(model: ModelConfig, assertions: list[str], trajectory: Trajectory, seed: int) -> Component:
    """One gating component: passed only if the judge finds every assertion true."""
    transcript = render_transcript(trajectory)
    results = []
    usage = Usage()
    for assertion in assertions:
        reply = await complete(
            model,
            [
                {"role": "system", "content": JUDGE_PROMPT.format(assertion=json.dumps(assertion))},
                {"role": "user", "content": f"TRANSCRIPT\n{transcript}"},
            ],
            seed=seed,
        )
        usage += reply.usage
        results.append({"assertion": assertion, "passed": parse_verdict(reply.text), "reasoning": reply.text})
    return Component(
        name="judged_assertions",
        passed=all(r["passed"] for r in results),
        detail={"judge": model.model, "results": results, "usage": usage.model_dump(mode="json")},
    )
