"""From an export's analysis to a situation the planner can diagnose (above ingest and planning)."""
