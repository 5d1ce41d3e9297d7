"""The Plan: the one object every front end renders (pydantic, JSON per KNOWLEDGE-SPEC §6)."""
from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Plan", "Differential", "DiagnosisResult", "PlannedAction", "MissingFact", "FiringRecord", "SCHEMA_VERSION"]

SCHEMA_VERSION = "1.0"


class _Out(BaseModel):
    """Output models: frozen, and dumped under the names of the JSON (``for``, not ``for_``) by default."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        """As pydantic's, but by alias unless told otherwise, so a dump and the JSON agree on field names."""
        kwargs.setdefault("by_alias", True)
        return super().model_dump(**kwargs)

    def model_dump_json(self, **kwargs: Any) -> str:
        """As pydantic's, but by alias unless told otherwise."""
        kwargs.setdefault("by_alias", True)
        return super().model_dump_json(**kwargs)


class DiagnosisResult(_Out):
    """A conclusion with its combined certainty and the evidence for and against it."""

    id: str
    title: str
    family: str
    certainty: float = Field(ge=0.0, le=1.0)
    certainty_word: str = ""
    basis: Literal["inferred", "stated"] = "inferred"
    confirmed: bool = True
    summary: str
    evidence_for: list[str]
    evidence_against: list[str]
    rules: list[str]
    references: list[str] = []


class PlannedAction(_Out):
    """One ranked plan step with everything needed to run and judge it."""

    id: str
    rank: int = Field(ge=1)
    phase: str
    tier: str
    kind: str
    for_: list[str] = Field(alias="for", serialization_alias="for")
    title: str
    description: str
    behaviour: str
    success_metric: str
    guardrail_metric: str
    owner: str
    effort: str
    review_after_days: int
    review_on: str | None = None
    horizon: Literal["main", "later"] = "main"
    target: str | None = None
    note: str | None = None
    hedged: str | None = None
    because: list[str]
    facts: dict[str, Any] = {}
    references: list[str] = []


class MissingFact(_Out):
    """An unknown fact that would most change the diagnosis, and why."""

    fact: str
    group: str
    label: str
    why: str


class Differential(_Out):
    """Competing causes of one situation: how each stands, what is ruled out, what would settle it."""

    family: str
    candidates: dict[str, float]
    ruled_out: list[str]
    settle_with: str | None = None
    note: str | None = None


class FiringRecord(_Out):
    """A rule firing, recorded as data: the rule, its effect and the facts it matched."""

    rule: str
    diagnosis: str
    cf: float
    matched: dict[str, Any]
    tests: list[str]


class Plan(_Out):
    """Diagnoses, a phased and ranked plan, anti-patterns, referrals and what to measure next."""

    schema_version: str = SCHEMA_VERSION
    community: str
    lang: str
    acknowledgement: str | None = None
    provisional: bool
    headline: str | None = None
    first_moves: list[str] = []
    diagnoses: list[DiagnosisResult]
    differentials: list[Differential] = []
    actions: list[PlannedAction]
    stop_doing: list[str] = []
    notes: list[str] = []
    anti_patterns: list[str]
    referrals: list[str]
    warnings: list[str]
    missing_information: list[MissingFact]
    unrecognised_tactics: list[str]
    trace: list[FiringRecord]

    def __repr__(self) -> str:
        """A short summary for a console: the community, the diagnoses with their certainty, how many actions."""
        found = ", ".join(f"{d.id} {d.certainty:.2f}" for d in self.diagnoses[:6])
        more = f", … {len(self.diagnoses) - 6} more" if len(self.diagnoses) > 6 else ""
        provisional = ", provisional" if self.provisional else ""
        return (f"Plan({self.community!r}, lang={self.lang!r}{provisional}, diagnoses=[{found}{more}], "
                f"actions={len(self.actions)})")

    def to_json(self, indent: int | None = 2) -> str:
        """Deterministic JSON: same plan, same bytes (keys in model order, UTF-8 kept)."""
        return json.dumps(self.model_dump(mode="json", by_alias=True), ensure_ascii=False, indent=indent) + "\n"

    def main_actions(self) -> list[PlannedAction]:
        """What to do now and this week."""
        return [a for a in self.actions if a.horizon == "main"]

    def later_actions(self) -> list[PlannedAction]:
        """What waits for later, in phase order."""
        return [a for a in self.actions if a.horizon == "later"]

    def diagnosis(self, diagnosis_id: str) -> DiagnosisResult | None:
        """The reported diagnosis with this id, if any."""
        return next((d for d in self.diagnoses if d.id == diagnosis_id), None)
