"""Readers that turn activity exports into situation facts (filled in by the ingest work)."""
