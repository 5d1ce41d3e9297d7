"""Scenario files: a situation plus what an expert expects of its plan (demos and golden tests).

A scenario file has a ``situation`` mapping and an ``expect`` mapping; ``expert diagnose``
accepts it like a plain situation file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import InputFileError, Problem
from .plan import Plan
from .yamlio import load_yaml_file

__all__ = ["Scenario", "Expectation", "load_scenario", "check", "is_scenario"]


class Expectation(BaseModel):
    """What the plan must show. Every list is 'at least these'; ``absent`` is 'none of these'."""

    model_config = ConfigDict(extra="forbid")

    diagnoses: list[str] = []
    absent: list[str] = []
    min_certainty: dict[str, float] = {}
    max_certainty: dict[str, float] = {}
    action_kinds: list[str] = []
    actions: list[str] = []
    absent_actions: list[str] = []
    first_action_kind: str | None = None
    kind_order: list[list[str]] = Field(default=[], description="pairs [a, b]: the first action of kind a comes before the first of kind b")
    missing_includes: list[str] = []
    provisional: bool | None = None
    no_problems: bool = False


class Scenario(BaseModel):
    """A named situation and the expert's expectations of its plan."""

    model_config = ConfigDict(extra="forbid")

    title: str
    description: str = ""
    situation: dict[str, Any]
    expect: Expectation


def is_scenario(data: dict[str, Any]) -> bool:
    """A scenario wraps its situation; a situation has groups at the top."""
    return "situation" in data and "community" not in data


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file."""
    data = load_yaml_file(Path(path))
    if not isinstance(data, dict) or not is_scenario(data):
        raise InputFileError(Problem(str(path), "not a scenario: expected 'title', 'situation' and 'expect'"))
    return Scenario.model_validate(data)


def _first(plan: Plan, kind: str) -> int | None:
    """Rank of the first action of a kind, or None."""
    return next((a.rank for a in plan.actions if a.kind == kind), None)


def check(plan: Plan, expect: Expectation) -> list[str]:
    """Every way the plan falls short of the expectation, in words (empty when it holds)."""
    got = {d.id: d.certainty for d in plan.diagnoses}
    kinds = [a.kind for a in plan.actions]
    ids = [a.id for a in plan.actions]
    failures = [f"expected diagnosis {d}, got {sorted(got)}" for d in expect.diagnoses if d not in got]
    failures += [f"diagnosis {d} should be absent (certainty {got[d]})" for d in expect.absent if d in got]
    failures += [f"{d} certainty {got.get(d)} < {v}" for d, v in expect.min_certainty.items() if got.get(d, 0.0) < v]
    failures += [f"{d} certainty {got[d]} > {v}" for d, v in expect.max_certainty.items() if d in got and got[d] > v]
    failures += [f"expected an action of kind {k}, got {sorted(set(kinds))}" for k in expect.action_kinds if k not in kinds]
    failures += [f"expected action {a}" for a in expect.actions if a not in ids]
    failures += [f"action {a} should be absent" for a in expect.absent_actions if a in ids]
    if expect.first_action_kind and (not kinds or kinds[0] != expect.first_action_kind):
        failures.append(f"first action should be {expect.first_action_kind}, got {kinds[:1]}")
    for a, b in expect.kind_order:
        ra, rb = _first(plan, a), _first(plan, b)
        if ra is None or rb is None or ra > rb:
            failures.append(f"first {a} action (rank {ra}) should come before first {b} (rank {rb})")
    missing = [m.fact for m in plan.missing_information]
    failures += [f"missing_information should include {f}, got {missing}" for f in expect.missing_includes if f not in missing]
    if expect.provisional is not None and plan.provisional != expect.provisional:
        failures.append(f"provisional should be {expect.provisional}")
    if expect.no_problems:
        problems = [d.id for d in plan.diagnoses if d.family not in ("objective",)]
        if problems:
            failures.append(f"expected no problems, got {problems}")
    return failures
