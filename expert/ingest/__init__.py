"""Turn real activity exports (CSV/JSONL logs, git, Slack, Discord, Telegram, Discourse, mbox) into situation facts.

Readers stream pseudonymised Events; metrics are computed in bounded memory and each fact keeps
its definition and evidence for the report.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from expert.ingest.analyze import analyze_export
    from expert.ingest.detect import FORMATS, detect_format
    from expert.ingest.identity import pseudonym
    from expert.ingest.model import Event, IngestError
    from expert.ingest.readers import read_events
    from expert.ingest.report import Analysis, Metric, Window, Windows

__all__ = ["analyze_export", "read_events", "detect_format", "IngestError", "Event", "Analysis", "Metric",
           "Window", "Windows", "FORMATS", "pseudonym"]

_LAZY = {
    "analyze_export": "analyze", "FORMATS": "detect", "detect_format": "detect", "pseudonym": "identity",
    "Event": "model", "IngestError": "model", "read_events": "readers",
    "Analysis": "report", "Metric": "report", "Window": "report", "Windows": "report",
}


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562), so the command line's --help stays light."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f"expert.ingest.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'expert.ingest' has no attribute {name!r}")
