"""Planning: turn conclusions into a ranked, phased plan; the diagnose() pipeline end to end."""
