"""An Environment: the live state of one trial — a private DB and the toolkits bound to it."""

from __future__ import annotations

from typing import Any

from frontdesk.envs import cow
from frontdesk.envs.domain import Domain
from frontdesk.envs.task import Task
from frontdesk.tools import Memory, ToolCall, Toolkit, ToolResult, memory_tools

TASK_STATE: Any = object()  # "start from the task's own initial state", the usual case


class Environment:
    def __init__(
        self,
        domain: Domain,
        task: Task,
        initial_state: dict[str, Any] | None = TASK_STATE,
        memory: Memory | None = None,
    ) -> None:
        """``initial_state``: where a sequential queue starts this customer instead (a patch on the
        seed, ``None`` for the seed itself). ``memory``: the queue's notes, given to the agent as
        the memory tools beside the domain's own."""
        self.domain = domain
        self.task = task
        self.initial_state = task.initial_state if initial_state is TASK_STATE else initial_state
        self.db = domain.build_db(self.initial_state)
        self.memory = memory
        agent_tools = [*domain.agent_tools, *(memory_tools(memory) if memory is not None else [])]
        # Both sides act on one DB; a failed write rolls back only what the trial touched.
        self.agent_tools = Toolkit(agent_tools, self.db, snapshot=cow.snapshot, restore=cow.restore)
        self.user_tools = Toolkit(domain.user_tools, self.db, snapshot=cow.snapshot, restore=cow.restore)

    def execute(self, call: ToolCall) -> ToolResult:
        """Run a call with the toolkit of whoever asked; the user cannot reach agent tools, nor back."""
        toolkit = self.user_tools if call.requestor == "user" else self.agent_tools
        return toolkit.call(call)

    def state_hash(self) -> str:
        return cow.db_state_hash(self.db)
