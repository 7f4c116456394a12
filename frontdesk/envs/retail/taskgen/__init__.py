"""Task families for the retail domain: each builds one task (a Draft) per call; make_tasks.py runs them."""
