"""frontdesk: a multi-turn user-simulation benchmark for tool-using agents."""

__version__ = "0.1.0"
