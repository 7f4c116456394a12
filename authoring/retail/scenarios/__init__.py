"""Task families for the retail domain: each builds one task (a Draft) per call; tasks.py runs them."""
