"""The retail agent's tools, in the order the agent is shown them."""

from frontdesk.envs.retail.read_tools import READ_TOOLS
from frontdesk.envs.retail.write_tools import WRITE_TOOLS
from frontdesk.tools import AGENT_GENERIC_TOOLS

AGENT_TOOLS = [*READ_TOOLS, *WRITE_TOOLS, *AGENT_GENERIC_TOOLS]
