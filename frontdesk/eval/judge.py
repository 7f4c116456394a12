"""Judged assertions: natural-language checks on a conversation, scored by a judge model.

The judge is a configuration value (``RunConfig.judge``, ``frontdesk run --judge MODEL``): any
litellm model string. Each assertion gets one call; the judge's reasoning is kept in the verdict.

Whose fault a judge failure is:

- a reply without a ``VERDICT: PASS`` / ``VERDICT: FAIL`` line, or a response that cannot be used
  (:class:`frontdesk.llm.ModelOutputError`), is re-asked up to :data:`MAX_REASKS` times with a
  format reminder. Still unusable, the assertion gets no verdict: it fails, and a gating
  ``judge_error`` component says so. Not infra: at temperature 0 a rerun gets the same reply, so
  an infra error would leave the trial pending forever;
- a provider failure after retries is infra (:class:`JudgeInfraError`): a rerun can fix it.

The judge's usage is summed over every call, re-asks and failed attempts included.
"""

from __future__ import annotations

import json
import re
from typing import Any

from frontdesk.envs import Task
from frontdesk.errors import ConfigError
from frontdesk.eval.checker import Component
from frontdesk.llm import InfraError, ModelConfig, ModelOutputError, check_model_string, complete
from frontdesk.trajectory import Trajectory, Usage
from frontdesk.transcript import render_transcript

JUDGE_PROMPT = """You grade one customer-service conversation between a support AGENT and a CUSTOMER.
Tool calls the agent (or the customer's own device) made are shown with their results.

Decide whether this statement is true of the conversation:
{assertion}

Judge only from what the transcript shows. Explain your reasoning briefly, then end with a last
line that is exactly `VERDICT: PASS` (the statement is true) or `VERDICT: FAIL` (it is not)."""

FORMAT_REMINDER = (
    "Your reply did not end with the verdict line. Answer again: explain briefly, then end with a last "
    "line that is exactly `VERDICT: PASS` or `VERDICT: FAIL`."
)

MAX_REASKS = 2  # after the first reply: a judge gets three chances to answer in the format

_VERDICT = re.compile(r"VERDICT:\s*(PASS|FAIL)\b", re.IGNORECASE)


class JudgeError(Exception):
    """The judge answered without a usable verdict (the judge's fault; never infra)."""


class JudgeInfraError(InfraError):
    """The judge's provider failed after retries: infra, and what the failed attempts cost."""

    def __init__(self, message: str, usage: Usage) -> None:
        super().__init__(message)
        self.usage = usage


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


async def _judge_one(
    model: ModelConfig, assertion: str, transcript: str, seed: int, usage: list[Usage]
) -> dict[str, Any]:
    """One assertion's result: ``passed`` True/False, or False with ``judge_error`` when the judge
    never answered in the format. Every call's usage is appended to ``usage``."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": JUDGE_PROMPT.format(assertion=json.dumps(assertion))},
        {"role": "user", "content": f"TRANSCRIPT\n{transcript}"},
    ]
    problems: list[str] = []
    reply_text: str | None = None
    for _ in range(MAX_REASKS + 1):
        try:
            reply = await complete(model, messages, seed=seed)
        except ModelOutputError as e:
            usage.append(e.usage)
            problems.append(f"unusable response: {e}"[:300])
            messages = [*messages, {"role": "user", "content": FORMAT_REMINDER}]
            continue
        except InfraError as e:
            raise JudgeInfraError(str(e), sum(usage, Usage())) from None
        usage.append(reply.usage)
        reply_text = reply.text
        try:
            passed = parse_verdict(reply.text)
        except JudgeError as e:
            problems.append(str(e))
            messages = [
                *messages,
                {"role": "assistant", "content": reply.text or ""},
                {"role": "user", "content": FORMAT_REMINDER},
            ]
            continue
        return {"assertion": assertion, "passed": passed, "reasoning": reply.text, "attempts": len(problems) + 1}
    return {
        "assertion": assertion,
        "passed": False,  # never a pass on the judge's behalf
        "reasoning": reply_text,
        "attempts": len(problems),
        "judge_error": "; ".join(problems),
    }


async def judge_assertions(model: ModelConfig, assertions: list[str], trajectory: Trajectory, seed: int) -> Component:
    """One gating component: passed only if the judge finds every assertion true.

    An assertion the judge could not answer in the format counts as not passed and carries
    ``judge_error``; :func:`judge_error_component` turns those into their own component. Raises
    :class:`JudgeInfraError` when the judge's provider fails after retries.
    """
    transcript = render_transcript(trajectory)
    results = []
    usage: list[Usage] = []
    for assertion in assertions:
        results.append(await _judge_one(model, assertion, transcript, seed, usage))
    total = sum(usage, Usage())
    return Component(
        name="judged_assertions",
        passed=all(r["passed"] for r in results),
        detail={"judge": model.model, "results": results, "usage": total.model_dump(mode="json")},
    )


def judge_error_component(judged: Component) -> Component:
    """Gating ``judge_error``: passes when the judge gave every assertion a verdict; fails, naming
    the assertions and what was wrong with the replies, when it did not."""
    results = judged.detail.get("results", []) if isinstance(judged.detail, dict) else []
    errors = [{"assertion": r["assertion"], "error": r["judge_error"]} for r in results if r.get("judge_error")]
    judge = judged.detail.get("judge") if isinstance(judged.detail, dict) else None
    return Component(name="judge_error", passed=not errors, detail={"judge": judge, "errors": errors})


def judge_components(judged: Component) -> list[Component]:
    """What a judgement adds to a verdict: the judged assertions and the gating ``judge_error``.
    The one place both a live trial and a regrade get them from."""
    return [judged, judge_error_component(judged)]
