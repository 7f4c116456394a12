"""`frontdesk play`: a person in one seat, through a pseudo-terminal and through scripted typing."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

import frontdesk
from frontdesk.envs import get_domain
from frontdesk.errors import ConfigError
from frontdesk.eval import load_run
from frontdesk.eval.compare import compare_runs
from frontdesk.play import HUMAN, Terminal, parse_line, play

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r")

# What a person playing the agent well types on mock's cancel-pending-order.
CANCEL = [
    'find_customer_by_email {"email": "ana.silva@example.com"}',
    'get_order_details {"order_id": "#O5000"}',
    "I can cancel order #O5000. Do you confirm I should proceed? (yes/no)",
    'cancel_order {"order_id": "#O5000", "reason": "no longer needed"}',
    "Done. Is there anything else I can help you with?",
]


class Typist:
    """Scripted keystrokes for Terminal(read=…): one line per prompt, everything shown kept."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self.lines:
            raise EOFError  # the person walked away
        return self.lines.pop(0)


def terminal(lines: list[str]) -> tuple[Terminal, Typist, Console]:
    typist = Typist(lines)
    console = Console(record=True, width=160, file=open(os.devnull, "w"))  # noqa: SIM115
    return Terminal(console, read=typist), typist, console


class Pty:
    """`frontdesk …` on a pseudo-terminal: wait for text (bounded), type keystrokes."""

    def __init__(self, *args: str, cwd: Path) -> None:
        import pty

        self.master, slave = pty.openpty()
        env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "xterm"}
        env.pop("FRONTDESK_DEBUG", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "frontdesk", *args], stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env
        )
        os.close(slave)
        self.seen = ""
        self.pending = ""

    def expect(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            clean = ANSI.sub("", self.pending)
            at = clean.find(text)
            if at >= 0:
                self.pending = ""
                self.seen += clean
                return clean
            if time.monotonic() > deadline or self.process.poll() is not None and not self._read(0.1):
                raise AssertionError(f"{text!r} never appeared; the terminal shows:\n{self.seen}{clean}")
            self._read(0.5)

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # the child closed the terminal
            return False
        self.pending += data.decode("utf-8", "replace")
        return bool(data)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> int:
        try:
            return self.process.wait(timeout=60)
        finally:
            os.close(self.master)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_a_person_plays_the_agent_in_a_terminal(tmp_path):
    out = tmp_path / "human"
    term = Pty(
        "play", "--domain", "mock", "--task", "cancel-pending-order", "--as", "agent", "--out", str(out), cwd=ROOT
    )
    try:
        shown = term.expect("agent> ")
        assert "customer: I'd like to cancel my order #O5000" in shown
        term.type("/tools\r")
        assert "update_shipping_address" in term.expect("agent> ")
        # Tab completes the tool name: "find_cust" + Tab is find_customer_by_email.
        term.type('find_cust\t{"email": "ana.silva@example.com"}\r')
        assert "<- find_customer_by_email: C1000" in term.expect("agent> ")
        term.type('get_order_det\t{"order_id": "#O5000"}\r')
        assert '"status": "pending"' in term.expect("agent> ")
        for line in CANCEL[2:]:
            term.type(line + "\r")
        shown = term.expect("Recorded in")
        assert "customer: Yes, please go ahead." in term.seen + shown
        assert "reward 1" in shown
    finally:
        code = term.close()
    assert code == 0
    view = load_run(out)
    assert len(view.records) == 1
    record = view.records[0]
    assert (record.task_id, record.trial, record.reward) == ("cancel-pending-order", 0, 1.0)
    assert view.manifest["config"]["agent"] == HUMAN and view.manifest["config"]["agent_strategy"] == "human"
    calls = [c.name for m in record.messages for c in m.tool_calls]
    assert calls == ["find_customer_by_email", "get_order_details", "cancel_order"]


def test_replaying_a_task_adds_trials_and_pass_hat_k_and_compare_work(tmp_path):
    out = tmp_path / "human"
    first = play("mock", "agent", "cancel-pending-order", out=out, terminal=terminal(CANCEL)[0])
    # The second time the person forgets to cancel: the trial fails.
    second = play("mock", "agent", "cancel-pending-order", out=out, terminal=terminal([*CANCEL[:2], CANCEL[-1]])[0])
    assert (first.trial, first.record.reward) == (0, 1.0)
    assert (second.trial, second.record.reward) == (1, 0.0) and "db_state" in second.record.verdict.failed
    view = load_run(out)
    assert view.manifest["config"]["trials"] == 2
    assert [(r.k, r.pass_hat_k) for r in view.summary.rows] == [(1, 0.5), (2, 0.0)]
    # Against a model's run of the same split: paired on the task both played.
    model = frontdesk.evaluate("mock", trials=2, out=tmp_path / "oracle", split="train")
    comparison = compare_runs(model, view)
    assert comparison.rows[0].difference == -0.5 and comparison.cells == 1


def test_without_a_task_the_least_played_train_task_comes_next(tmp_path):
    out = tmp_path / "human"
    train = [t.id for t in get_domain("mock").tasks if t.split == "train"]
    quit_at_once = ["/quit"]
    abandoned = play("mock", "agent", out=out, terminal=terminal(quit_at_once)[0])
    assert abandoned.record is None and abandoned.task_id == train[0]
    assert load_run(out).records == []  # nothing recorded for a person who left
    said = ["Sorry, I cannot help with that. Is there anything else?"]
    played = play("mock", "agent", out=out, terminal=terminal(said)[0])
    assert played.task_id == train[0] and played.record.reward == 0.0
    following = play("mock", "agent", out=out, terminal=terminal(said)[0])
    assert following.task_id == train[1] and following.trial == 0


def test_a_person_plays_the_customer_of_the_oracle(tmp_path):
    term, typist, console = terminal(["/scenario", "I'd like to cancel my order #O5000, please.", "yes", "/stop"])
    result = play("mock", "customer", "cancel-pending-order", out=tmp_path / "customer", terminal=term)
    assert result.record.reward == 1.0 and result.record.termination.value == "user_stop"
    shown = console.export_text()
    assert "What you know:" in shown and "ana.silva@example.com" in shown  # /scenario shows the brief
    assert "agent: I'm about to run cancel_order" in shown
    assert set(typist.prompts) == {"customer> "}
    view = load_run(tmp_path / "customer")
    assert view.manifest["config"]["user"] == HUMAN and view.manifest["config"]["agent"] == "scripted/oracle"


def test_typed_tool_calls_with_bad_json_get_the_error_result_a_model_gets(tmp_path):
    term, _, console = terminal(['get_order_details {"order_id": ', "/quit"])
    result = play("mock", "agent", "cancel-pending-order", out=tmp_path / "h", terminal=term)
    assert result.record is None
    assert "<- get_order_details: Error: arguments for 'get_order_details' are not valid JSON" in console.export_text()


def test_parse_line():
    tools = ["get_order_details", "cancel_order"]
    assert parse_line("  ", tools, "x").kind == "empty"
    line = parse_line('get_order_details{"order_id": "#O1"}', tools, "h-1")
    assert (
        line.kind == "call" and line.call.name == "get_order_details" and line.call.arguments == '{"order_id": "#O1"}'
    )
    # No arguments: the toolkit says what is missing.
    assert parse_line("cancel_order", tools, "h-2").call.arguments == ""
    assert parse_line("cancel my order please", tools, "x").kind == "text"  # "cancel" is not a tool name
    assert (parse_line("/say cancel_order is done", tools, "x").command, parse_line("/SAY x", tools, "x").command) == (
        "/say",
        "/say",
    )
    assert parse_line("set_apn {}", ["set_apn"], "u", requestor="user").call.requestor == "user"


def test_bad_seats_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="--as must be 'agent' or 'customer'"):
        play("mock", "manager", out=tmp_path / "x", terminal=terminal([])[0])
    with pytest.raises(ConfigError, match="--agent does not apply"):
        play("mock", "agent", agent="scripted/oracle", out=tmp_path / "x", terminal=terminal([])[0])
    result = subprocess.run(
        [sys.executable, "-m", "frontdesk", "play", "--domain", "mock", "--as", "boss", "--out", str(tmp_path / "y")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )
    assert result.returncode == 2 and result.stderr.strip().startswith("error: --as must be")
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "y").exists()
