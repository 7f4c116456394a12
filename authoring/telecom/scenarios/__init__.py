"""Telecom task scenarios: the issues (issues.py) that tasks.py composes, alone and in combinations."""
