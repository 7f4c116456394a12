"""An Environment: the live state of one trial — a private DB and the toolkits bound to it."""

from __future__ import annotations

from frontdesk.envs import cow
from frontdesk.envs.domain import Domain
from frontdesk.envs.task import Task
from frontdesk.tools import ToolCall, Toolkit, ToolResult


class Environment:
    def __init__(self, domain: Domain, task: Task) -> None:
        self.domain = domain
        self.task = task
        self.db = domain.build_db(task.initial_state)
        # Both sides act on one DB; a failed write rolls back only what the trial touched.
        self.agent_tools = Toolkit(domain.agent_tools, self.db, snapshot=cow.snapshot, restore=cow.restore)
        self.user_tools = Toolkit(domain.user_tools, self.db, snapshot=cow.snapshot, restore=cow.restore)

    def execute(self, call: ToolCall) -> ToolResult:
        """Run a call with the toolkit of whoever asked; the user cannot reach agent tools, nor back."""
        toolkit = self.user_tools if call.requestor == "user" else self.agent_tools
        return toolkit.call(call)

    def state_hash(self) -> str:
        return cow.db_state_hash(self.db)
