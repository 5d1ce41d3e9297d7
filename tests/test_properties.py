"""Properties that hold for every valid situation (hypothesis)."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expert.knowledge import cached_knowledge
from expert.knowledge import conditions as C
from expert.model.plan import Plan
from expert.model.situation import Situation
from expert.planning.pipeline import consult_facts, load_situation
from expert.planning.planner import make_plan

from .conftest import diagnose_plain

KB = cached_knowledge()
SEVERITIES = ["none", "low", "medium", "high", "critical"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _value(spec):
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "enum":
        return st.sampled_from(spec.values)
    if spec.type == "list":
        choices = spec.values or tuple(KB.tactics) + ("free text nobody knows", "马甲")
        return st.lists(st.sampled_from(choices), unique=True, max_size=4)
    if spec.type == "integer":
        return st.integers(int(spec.min), int(min(spec.max, 10_000)))
    if spec.type == "number":
        return st.floats(spec.min, min(spec.max, 1000.0), allow_nan=False).map(lambda v: round(v, 2))
    return st.sampled_from(["grow a helpful community", "成员互助", "weekly questions solved"])


@st.composite
def situations(draw):
    """A random valid situation: each fact independently absent (unknown) or valid."""
    data: dict = {"community": {"name": "Random"}}
    for spec in KB.facts.values():
        if spec.name == "name" or not draw(st.booleans()):
            continue
        value = draw(_value(spec))
        if spec.scalar_group:
            data[spec.group] = value
        else:
            data.setdefault(spec.group, {})[spec.name] = value
    contributors = data.get("contributors", {})
    if "core_inactive_4w" in contributors and "core_total" in contributors:
        contributors["core_inactive_4w"] = min(contributors["core_inactive_4w"], contributors["core_total"])
    return data


@SETTINGS
@given(situations())
def test_any_valid_situation_gives_a_valid_plan(data):
    plan = diagnose_plain(data, KB)
    assert Plan.model_validate(plan.model_dump(by_alias=True)) == plan
    assert all(0.0 <= d.certainty <= 1.0 for d in plan.diagnoses)
    assert [a.rank for a in plan.actions] == list(range(1, len(plan.actions) + 1))


@SETTINGS
@given(situations(), st.sampled_from(["en", "zh"]))
def test_experta_and_plain_evaluation_give_the_same_plan_bytes(data, lang):
    """The one place generated situations run on experta: every other property relies on this agreement."""
    situation = load_situation(data, KB, lang)
    rete, plain = consult_facts(situation, KB), consult_facts(situation, KB, engine="plain")
    assert rete.cf == plain.cf
    assert sorted(f.rule for f in rete.firings) == sorted(f.rule for f in plain.firings)
    assert make_plan(KB, situation, rete, lang).to_json() == make_plan(KB, situation, plain, lang).to_json()


@SETTINGS
@given(situations())
def test_unknown_facts_never_fire_rules(data):
    situation = Situation.parse(data, KB)
    reasoning = consult_facts(situation, KB, engine="plain")
    rules = {r.id: r for r in KB.rules}
    for firing in reasoning.firings:
        assert set(firing.matched) <= set(reasoning.facts)
        # the rule holds on the known facts alone: no leaf over an unknown fact was needed
        assert C.evaluate(rules[firing.rule].when, reasoning.facts, reasoning.cf) is True


def test_a_name_alone_fires_no_threshold_rule():
    reasoning = consult_facts(Situation.parse({"community": {"name": "Empty"}}, KB), KB, engine="plain")
    for firing in reasoning.firings:
        leaves = [leaf for leaf in C.leaves(next(r for r in KB.rules if r.id == firing.rule).when)
                  if isinstance(leaf, C.Leaf) and leaf.op in C.NUMERIC_OPS]
        assert not leaves, firing.rule


def _stop_loss(plan):
    return next((a for a in plan.actions if a.kind == "stop_loss"), None)


@SETTINGS
@given(situations(), st.integers(0, 3))
def test_raising_conflict_severity_never_moves_stop_loss_later(data, lower):
    plans = []
    for severity in SEVERITIES[lower:lower + 2]:
        copy = {**data, "conflict": {**data.get("conflict", {}), "severity": severity}}
        plans.append(diagnose_plain(copy, KB))
    before, after = (_stop_loss(p) for p in plans)
    if before is not None:
        assert after is not None
        assert after.phase == "now"
        ahead = [a.kind for a in plans[1].actions if a.rank < after.rank]
        assert set(ahead) <= {"referral", "stop_loss"}, ahead


@SETTINGS
@given(situations(), st.lists(st.sampled_from(sorted(KB.tactics)), min_size=1, unique=True))
def test_forbidden_tactics_are_refused_never_planned(data, tactics):
    data = {**data, "pressure": {**data.get("pressure", {}), "proposed_tactics": tactics}}
    plan = diagnose_plain(data, KB)
    forbidden = [t for t in tactics if KB.tactics[t].forbidden]
    planned_tactics = {t.id for t in KB.tactics.values() if t.action in {a.id for a in plan.actions}}
    assert not planned_tactics & set(forbidden)
    assert (plan.diagnosis("violation.fake_activity") is not None) == bool(forbidden)
    if forbidden:
        assert any(a.kind == "guardrail" and a.tier == "stop_harm" for a in plan.actions)


@SETTINGS
@given(situations(), st.floats(-100, -20), st.floats(0, 80))
def test_a_deeper_decline_never_lowers_decline_certainty(data, change, deeper):
    base = {**data, "activity": {**data.get("activity", {}), "activity_change_pct": change}}
    worse = {**data, "activity": {**data.get("activity", {}), "activity_change_pct": max(-100.0, change - deeper)}}
    cf = lambda d: consult_facts(Situation.parse(d, KB), KB, engine="plain").cf.get("situation.activity_decline", 0.0)  # noqa: E731
    assert cf(worse) >= cf(base)


@SETTINGS
@given(situations())
def test_without_an_objective_defining_it_comes_before_all_but_stopping_harm(data):
    data = {**data, "community": {k: v for k, v in data["community"].items() if k not in ("objective", "success_metric")}}
    plan = diagnose_plain(data, KB)
    assert plan.provisional
    first = next(a for a in plan.actions if a.kind == "define_objective")
    assert {a.kind for a in plan.actions if a.rank < first.rank} <= {"referral", "stop_loss"}
