"""Every rule fires somewhere: in a golden scenario or, for the rest, on a small situation made for it here."""
from __future__ import annotations

import pytest

from expert.model.scenario import load_scenario
from expert.planning.pipeline import consult_facts, load_situation

from .conftest import SCENARIOS

DECLINE = {"activity_change_pct": -40}
# Rules no golden scenario fires (19 of 159 when this was written): the fewest facts that make each one fire.
FIXTURES: dict[str, dict] = {
    "churn.trigger.core_share_falls": {"core_share_change_pct": -25},
    "churn.trigger.lost_regulars": {"lost_regulars": 4},
    "bus_factor.two": {"bus_factor": 2},
    "bus_factor.top10_concentrated": {"top10_share": 0.85, "members": 400},
    "decline.trigger.mild": {"activity_change_pct": -12, "active_members_change_pct": -5},
    "content_fatigue.event_attendance": {**DECLINE, "event_attendance_change_pct": -30, "content_repetition": True},
    "relationship_gap.newcomers_not_activated": {**DECLINE, "newcomer_activation_rate_change_pct": -30},
    "relationship_gap.slow_first_response": {**DECLINE, "median_first_response_hours": 60},
    "relationship_gap.newcomers_rarely_activate": {**DECLINE, "newcomer_activation_rate": 0.1},
    "value_mismatch.against.stable": {**DECLINE, "member_mix_shift": False, "value_score_change": 0},
    "funnel.activate.newcomers_stay_silent": {"newcomer_activation_rate": 0.1, "joined": 50},
    "admin_dependency.quieter_without_admin": {"activity_drop_when_admin_away_pct": 40},
    "review_loop.against.no_events": {"events_per_month": 0},
    "belonging.no_connection": {"member_connection": False},
    "belonging.against.all_three": {"member_identity": True, "member_competence": True, "member_connection": True},
    "noise.activity_up_resolution_low": {"activity_change_pct": 30, "question_resolution_rate": 0.3},
    "resolution.moderate": {"median_resolution_days": 20},
    "resolution.against.fast": {"median_resolution_days": 3},
    "referral.safety.clinical": {"out_of_scope": ["clinical_crisis"]},
}


def _situation(kb, facts: dict) -> dict:
    """A situation file's mapping for facts given by name (each put under its group)."""
    data: dict = {"community": {"name": "Fixture"}}
    for name, value in facts.items():
        spec = kb.facts[name]
        if spec.scalar_group:
            data[spec.group] = value
        else:
            data.setdefault(spec.group, {})[name] = value
    return data


def _fired(kb, data: dict) -> set[str]:
    """The ids of the rules that fire on a situation."""
    return {f.rule for f in consult_facts(load_situation(data, kb), kb, engine="plain").firings}


@pytest.mark.parametrize("rule", sorted(FIXTURES))
def test_rule_fires_on_its_fixture(kb, rule):
    assert rule in _fired(kb, _situation(kb, FIXTURES[rule]))


def test_every_rule_fires_in_a_scenario_or_a_fixture(kb):
    """A new rule needs a scenario (or at least a fixture above) that shows it at work."""
    fired = set(FIXTURES)
    for path in SCENARIOS:
        fired |= _fired(kb, load_scenario(path).situation)
    assert [r.id for r in kb.rules if r.id not in fired] == []
