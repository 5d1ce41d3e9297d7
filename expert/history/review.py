"""The review (复盘): the latest assessment against the previous one, each action judged by what moved, then the next plan."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from expert.errors import ExpertError
from expert.knowledge import KnowledgeBase
from expert.model.plan import MissingFact, Plan, PlannedAction
from expert.model.situation import Situation
from expert.reasoning.derive import derive

if TYPE_CHECKING:
    from expert.history.store import Assessment, FollowUp, MemberNote

__all__ = ["Review", "AssessmentRef", "DiagnosisChange", "FactChange", "ActionReview", "NextAction", "TrendPoint",
           "build_review", "moved", "VERDICTS", "MEMBER_PROMPTS"]

VERDICTS = ("improved", "worse", "moved", "not_moved", "unknown")
MEMBER_PROMPTS = ("review_ask_members_1", "review_ask_members_2", "review_ask_members_3")  # messages.yaml keys
CHANGE = 0.05  # a certainty must move this much to count as stronger or weaker
TREND_FACTS = 12  # at most this many facts get a trend line
JITTER = 0.05  # a number moves when it changes by more than this share of its size
NOT_ALARMS = ("watch", "anti_pattern")  # families (families.yaml) whose new diagnoses break no guardrail


class AssessmentRef(BaseModel):
    """Which assessment: its number, date and the command that made it."""

    id: int
    as_of: str
    kind: str


class DiagnosisChange(BaseModel):
    """A diagnosis's certainty before and after (None: not reported then)."""

    id: str
    title: str
    before: float | None = None
    after: float | None = None


class FactChange(BaseModel):
    """A fact's value before and after (None: unknown then)."""

    fact: str
    label: str
    before: Any = None
    after: Any = None


class ActionReview(BaseModel):
    """One action of the previous plan: what was done, whether its target facts and diagnoses moved."""

    id: str
    title: str
    status: str | None = None
    note: str = ""
    on_date: str | None = None
    success_metric: str
    guardrail_metric: str
    targets: list[FactChange]
    diagnoses: list[DiagnosisChange]
    verdict: str


class NextAction(BaseModel):
    """A step of the next plan, with its follow-up status and whether it needs rethinking."""

    id: str
    rank: int
    title: str
    phase: str
    status: str | None = None
    carried: bool = False
    rethink: bool = False


class TrendPoint(BaseModel):
    """A fact's value in one assessment."""

    as_of: str
    value: Any = None


class Review(BaseModel):
    """Everything a review says; every renderer (terminal, markdown, JSON, later HTML) reads only this."""

    community: str
    lang: str
    before: AssessmentRef | None = None
    after: AssessmentRef
    assessments: int
    new: list[DiagnosisChange] = []
    resolved: list[DiagnosisChange] = []
    stronger: list[DiagnosisChange] = []
    weaker: list[DiagnosisChange] = []
    facts_moved: list[FactChange] = []
    actions: list[ActionReview] = []
    done_not_moved: list[str] = []
    guardrail_alerts: list[str] = []
    unknown: list[MissingFact] = []
    member_notes: list[str] = []
    member_prompts: list[str] = []
    next_plan: list[NextAction] = []
    trend: dict[str, list[TrendPoint]] = {}

    def to_json(self) -> str:
        """Deterministic JSON of the review."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def _facts(kb: KnowledgeBase, situation: dict[str, Any]) -> dict[str, Any]:
    """The situation's facts with everything they derive (the raw facts if the knowledge has changed since)."""
    try:
        return derive(kb, Situation.parse(situation, kb).facts())
    except ExpertError:
        flat: dict[str, Any] = {}
        for group, value in situation.items():
            flat.update(value if isinstance(value, dict) else {group: value})
        return flat


def _diagnosis_title(kb: KnowledgeBase, plan: Plan, ident: str, lang: str) -> str:
    """A diagnosis's title in ``lang`` (as recorded if the knowledge no longer has it)."""
    if ident in kb.diagnoses:
        return kb.diagnoses[ident].title.get(lang)
    found = plan.diagnosis(ident)
    return found.title if found else ident


def _action_text(kb: KnowledgeBase, action: PlannedAction, attribute: str, lang: str) -> str:
    """An action's title or metric in ``lang`` (as recorded if the knowledge no longer has it)."""
    spec = kb.actions.get(action.id)
    return getattr(spec, attribute).get(lang) if spec else str(getattr(action, attribute))


def _diagnosis_changes(kb: KnowledgeBase, old: Plan, new: Plan, lang: str) -> dict[str, DiagnosisChange]:
    """Every diagnosis reported in either plan, with its certainty in each."""
    before = {d.id: d.certainty for d in old.diagnoses}
    after = {d.id: d.certainty for d in new.diagnoses}
    return {i: DiagnosisChange(id=i, title=_diagnosis_title(kb, new if i in after else old, i, lang),
                               before=before.get(i), after=after.get(i)) for i in sorted({*before, *after})}


def _fact_change(kb: KnowledgeBase, name: str, old: dict[str, Any], new: dict[str, Any], lang: str) -> FactChange:
    """A fact's label and its two values."""
    return FactChange(fact=name, label=kb.fact_label(name, lang), before=old.get(name), after=new.get(name))


def moved(before: Any, after: Any) -> bool:
    """True when a value changed by more than jitter (numbers by more than JITTER of their size)."""
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (before, after))
    if numbers:
        return abs(after - before) > JITTER * max(abs(before), abs(after))
    return before != after


def _verdict(targets: list[FactChange], diagnoses: list[DiagnosisChange]) -> str:
    """Did the behaviour change: its diagnoses eased or grew, or else whether its target facts moved at all."""
    if any(d.after is None or (d.before is not None and d.after < d.before - CHANGE) for d in diagnoses if d.before):
        return "improved"
    if any(d.before is not None and d.after is not None and d.after > d.before + CHANGE for d in diagnoses):
        return "worse"
    if not targets or all(t.after is None for t in targets):
        return "unknown"
    return "moved" if any(moved(t.before, t.after) for t in targets) else "not_moved"


def _latest_status(follow_ups: list[FollowUp]) -> dict[str, FollowUp]:
    """The last follow-up given for each action."""
    return {f.action_id: f for f in follow_ups}


def _judge_actions(kb: KnowledgeBase, old: Assessment, changes: dict[str, DiagnosisChange], facts: tuple[dict, dict],
                   status: dict[str, FollowUp], lang: str) -> list[ActionReview]:
    """Each action of the previous plan against the facts it aimed at and the diagnoses it was for."""
    out = []
    for action in old.plan.actions:
        targets = [_fact_change(kb, f, facts[0], facts[1], lang) for f in sorted(action.facts)]
        aimed = [changes[d] for d in action.for_ if d in changes]
        follow = status.get(action.id)
        out.append(ActionReview(
            id=action.id, title=_action_text(kb, action, "title", lang), status=follow.status if follow else None,
            note=follow.note if follow else "", on_date=follow.on_date if follow else None,
            success_metric=_action_text(kb, action, "success_metric", lang),
            guardrail_metric=_action_text(kb, action, "guardrail_metric", lang),
            targets=targets, diagnoses=aimed, verdict=_verdict(targets, aimed)))
    return out


def _trend(kb: KnowledgeBase, history: list[Assessment], names: list[str]) -> dict[str, list[TrendPoint]]:
    """Each key fact's value across every assessment, oldest first (the HTML report draws these)."""
    all_facts = [(a.as_of, _facts(kb, a.situation)) for a in history]
    return {n: [TrendPoint(as_of=d, value=f.get(n)) for d, f in all_facts] for n in names[:TREND_FACTS]}


def _still_unknown(kb: KnowledgeBase, latest: Assessment, lang: str) -> list[MissingFact]:
    """What the latest assessment left unknown, in the review's language: worked out again from its
    situation when its plan was recorded in another language (as recorded if that no longer diagnoses)."""
    if latest.plan.lang == lang:
        return list(latest.plan.missing_information)
    from expert.planning.pipeline import diagnose

    try:
        return list(diagnose(latest.situation, lang=lang, knowledge=kb).missing_information)
    except ExpertError:
        return list(latest.plan.missing_information)


def build_review(kb: KnowledgeBase, history: list[Assessment], follow_ups: list[FollowUp],
                 notes: list[MemberNote], lang: str = "en") -> Review:
    """Compare the community's two latest assessments (by date) and say what to do next."""
    latest = history[-1]
    status = _latest_status(follow_ups)
    review = Review(community=latest.community, lang=lang, after=_ref(latest), assessments=len(history),
                    unknown=_still_unknown(kb, latest, lang),
                    member_prompts=[kb.message(k, lang) for k in MEMBER_PROMPTS])
    since = history[-2].as_of if len(history) > 1 else ""
    review.member_notes = [f"{n.on_date}: {n.note}" for n in notes if n.on_date >= since]
    shifted: list[str] = []
    rethink: set[str] = set()
    if len(history) > 1:
        previous = history[-2]
        review.before = _ref(previous)
        facts = (_facts(kb, previous.situation), _facts(kb, latest.situation))
        changes = _diagnosis_changes(kb, previous.plan, latest.plan, lang)
        _sort_changes(review, changes)
        input_facts = sorted(n for n in {*facts[0], *facts[1]} if n in kb.facts)
        review.facts_moved = [_fact_change(kb, n, *facts, lang) for n in input_facts
                              if moved(facts[0].get(n), facts[1].get(n))]
        review.actions = _judge_actions(kb, previous, changes, facts, status, lang)
        rethink = {a.id for a in review.actions if a.status == "done" and a.verdict in ("not_moved", "worse")}
        review.done_not_moved = sorted(rethink)
        if any(a.status == "done" for a in review.actions):
            family = {d.id: d.family for d in latest.plan.diagnoses}
            review.guardrail_alerts = [d.id for d in review.new if family.get(d.id) not in NOT_ALARMS]
        shifted = [f.fact for f in review.facts_moved]
    targeted = sorted({f for a in latest.plan.actions for f in a.facts if f in kb.facts} - set(shifted))
    review.trend = _trend(kb, history, shifted + targeted)
    carried = {a.id for a in history[-2].plan.actions} if len(history) > 1 else set()
    review.next_plan = [NextAction(id=a.id, rank=a.rank, title=_action_text(kb, a, "title", lang), phase=a.phase,
                                   status=status[a.id].status if a.id in status else None,
                                   carried=a.id in carried, rethink=a.id in rethink)
                        for a in latest.plan.actions if status.get(a.id) is None or status[a.id].status != "dropped"]
    return review


def _ref(assessment: Assessment) -> AssessmentRef:
    """The short reference to an assessment."""
    return AssessmentRef(id=assessment.id, as_of=assessment.as_of, kind=assessment.kind)


def _sort_changes(review: Review, changes: dict[str, DiagnosisChange]) -> None:
    """Diagnoses new, resolved, stronger and weaker."""
    for change in changes.values():
        if change.before is None:
            review.new.append(change)
        elif change.after is None:
            review.resolved.append(change)
        elif change.after > change.before + CHANGE:
            review.stronger.append(change)
        elif change.after < change.before - CHANGE:
            review.weaker.append(change)
