"""--agent-strategy / --user-strategy: an unknown strategy is refused whoever plays, scripted or not."""

from __future__ import annotations

import pytest
from test_cli import assert_one_line_error, frontdesk

from frontdesk.agents import check_agent_spec
from frontdesk.errors import ConfigError
from frontdesk.eval import RunConfig
from frontdesk.simulators import check_user_spec


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--agent-strategy", "nope"], "unknown agent strategy 'nope'; choose one of: tool-calling"),
        (["--user-strategy", "nope"], "unknown user strategy 'nope'; choose one of: plain, think, verify"),
        (["--agent", "scripted/null", "--agent-strategy", "nope"], "unknown agent strategy 'nope'"),
        (["--user", "scripted/user", "--user-strategy", "nope"], "unknown user strategy 'nope'"),
    ],
    ids=["agent-default", "user-default", "agent-scripted", "user-scripted"],
)
def test_an_unknown_strategy_with_scripted_participants_is_one_error_line(tmp_path, args, line) -> None:
    folder = tmp_path / "run"
    result = frontdesk("run", "--domain", "mock", "--task", "product-price", *args, "--out", str(folder))
    assert_one_line_error(result, line)
    assert not folder.exists()


def test_the_default_strategies_named_with_scripted_participants_still_run(tmp_path) -> None:
    defaults = RunConfig(domain="mock")
    folder = tmp_path / "run"
    result = frontdesk(
        "run", "--domain", "mock", "--task", "product-price", "--agent-strategy", defaults.agent_strategy,
        "--user-strategy", defaults.user_strategy, "--out", str(folder),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (folder / "trials.jsonl").read_text().count("\n") == 1


def test_the_registry_checks_the_strategy_for_every_model() -> None:
    check_agent_spec("scripted/oracle", "tool-calling")
    check_user_spec("scripted/user", "think")  # a real strategy, which a scripted customer ignores
    for model in ("scripted/oracle", "openai/gpt-4o-mini"):
        with pytest.raises(ConfigError, match="unknown agent strategy 'nope'; choose one of: tool-calling"):
            check_agent_spec(model, "nope")
    with pytest.raises(ConfigError, match="unknown user strategy 'nope'"):
        check_user_spec("scripted/user", "nope")
    # a misspelt scripted name is the first thing to fix, so it is the one named
    with pytest.raises(ConfigError, match="unknown scripted agent 'scripted/nope'"):
        check_agent_spec("scripted/nope", "nope")
