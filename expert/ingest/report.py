"""Pydantic result models: what analyze_export hands to the engine, CLI and report."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["Window", "Windows", "Metric", "Analysis"]


class Window(BaseModel):
    """One time window, (start, end] in UTC."""

    start: datetime
    end: datetime


class Windows(BaseModel):
    """The current window, its baseline and the same window one year earlier."""

    current: Window
    baseline: Window
    year_ago: Window


class Metric(BaseModel):
    """A computed situation fact with the evidence a report needs to explain it."""

    fact: str
    value: float | int
    unit: str = ""
    definition: str
    evidence: dict[str, Any] = Field(default_factory=dict)


class Analysis(BaseModel):
    """Everything learned from one export; `facts` merges straight into a situation mapping."""

    format: str
    source: str
    windows: Windows
    events_read: int
    facts: dict[str, dict[str, float | int]] = Field(default_factory=dict)
    metrics: list[Metric] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
