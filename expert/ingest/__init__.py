"""Turn real activity exports (CSV/JSONL logs, git, Slack, Discord, Telegram, Discourse, mbox) into situation facts.

Readers stream pseudonymised Events; metrics are computed in bounded memory and each fact keeps
its definition and evidence for the report.
"""
from __future__ import annotations

from .analyze import analyze_export
from .detect import FORMATS, detect_format
from .identity import pseudonym
from .model import Event, IngestError
from .readers import read_events
from .report import Analysis, Metric, Window, Windows

__all__ = ["analyze_export", "read_events", "detect_format", "IngestError", "Event", "Analysis", "Metric",
           "Window", "Windows", "FORMATS", "pseudonym"]
