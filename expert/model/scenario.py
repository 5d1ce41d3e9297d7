"""Scenario files: a situation plus what an expert expects of its plan (demos and golden tests).

A scenario file has a ``situation`` mapping and an ``expect`` mapping; ``expert diagnose``
accepts it like a plain situation file. Any other top-level key is refused: a group such as
``activity:`` written beside ``situation:`` instead of under it would otherwise be dropped and
change the diagnosis without a word.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from expert.errors import InputFileError, Problem, SituationError, did_you_mean
from expert.knowledge import KnowledgeBase, cached_knowledge
from expert.model.plan import Plan
from expert.yamlio import line_of, load_yaml_file, short_repr

__all__ = ["Scenario", "Expectation", "SCENARIO_KEYS", "load_scenario", "check", "is_scenario", "check_scenario_keys"]


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


SCENARIO_KEYS = tuple(Scenario.model_fields)  # title, description, situation, expect


def _unknown_key(data: dict[str, Any], key: Any, where: str, kb: KnowledgeBase, lang: str) -> Problem:
    """The problem for one top-level key a scenario does not have: a situation group belongs under
    ``situation:``, anything else gets the closest scenario key or the list of allowed ones."""
    name = short_repr(key) if not isinstance(key, str) else key[:80]
    line = line_of(data, (key,))
    if name in kb.groups:
        hint = kb.message("err_group_outside_situation", lang, group=name)
    else:
        guess = did_you_mean(name, SCENARIO_KEYS)
        hint = (kb.message("err_did_you_mean", lang, guess=guess) if guess
                else kb.message("err_allowed_here", lang, fields=", ".join(SCENARIO_KEYS)))
    return Problem(where, kb.message("err_unknown_field", lang, field=name), hint, line=line, field=name)


def check_scenario_keys(data: dict[str, Any], where: str, kb: KnowledgeBase | None = None, lang: str = "en") -> None:
    """Refuse every top-level key of a scenario file other than SCENARIO_KEYS (SituationError)."""
    unknown = [key for key in data if key not in SCENARIO_KEYS]
    if unknown:
        kb = kb or cached_knowledge()
        raise SituationError([_unknown_key(data, key, where, kb, lang) for key in unknown], lang)


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file."""
    data = load_yaml_file(Path(path))
    if not isinstance(data, dict) or not is_scenario(data):
        raise InputFileError(Problem(str(path), "not a scenario: expected 'title', 'situation' and 'expect'"))
    check_scenario_keys(data, str(path))
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
