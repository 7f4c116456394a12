"""Agents that live elsewhere: the domain's tools over MCP, remote agents over A2A.

- ``mcp_server``: an environment's agent tools, policy and verdict as an MCP server
  (``frontdesk serve-mcp``), one environment per session;
- ``endpoints``: a loopback MCP endpoint per trial, all on one server per event loop;
- ``a2a_agent``: ``--agent a2a:URL``, a remote agent that calls the trial's tools through its endpoint.
"""

from __future__ import annotations

from frontdesk.interop import a2a_agent, endpoints
from frontdesk.interop.mcp_server import EnvironmentHost, ToolHost, build_server, serve_mcp


async def aclose() -> None:
    """Close this event loop's A2A connections and trial endpoint server (both also close by
    themselves when the loop's last A2A trial ends)."""
    await a2a_agent.aclose()
    await endpoints.aclose()


__all__ = ["EnvironmentHost", "ToolHost", "aclose", "build_server", "serve_mcp"]
