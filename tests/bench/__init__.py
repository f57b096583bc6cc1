"""`make bench`: the performance budgets of the brief, measured (not asserted in timed tests)."""
