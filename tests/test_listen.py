"""Listening first: what a person's own account proposes, in both languages, and what it must not."""
from __future__ import annotations

import pytest

from expert.consult.listen import listen


def heard(kb, text: str) -> dict:
    """The proposals of an account as fact -> value."""
    return {p.fact: p.value for p in listen(kb, text)}


@pytest.mark.parametrize(("text", "expected"), [
    ("Things have gone quiet and I am worried.", {"concerns": ["activity_decline"], "mood": "worried"}),
    ("社群越来越冷清,我很担心", {"concerns": ["activity_decline"], "mood": "worried"}),
    ("Boss wants DAU up 30% within 6 weeks, activity is down 40%",
     {"concerns": ["activity_decline", "metric_target"], "target_metric": "daily active users", "target_change_pct": 30,
      "deadline_weeks": 6, "activity_change_pct": -40, "mood": "under_pressure"}),
    ("老板要求六周内日活提升30%,可是活跃度下降了四成",
     {"target_metric": "日活跃用户", "target_change_pct": 30, "deadline_weeks": 6, "activity_change_pct": -40}),
    ("We just launched a new community", {"concerns": ["new_community"], "stage": "cold_start"}),
    ("Someone got doxxed after the fight", {"concerns": ["conflict"], "threats_or_doxxing": True}),
    ("吵完架之后有人被人肉了", {"concerns": ["conflict"], "threats_or_doxxing": True}),
    ("We also want to monetise the group", {"adjacent_topics": ["monetisation"]}),
    ("老板想变现,顺便做用户调研", {"adjacent_topics": ["monetisation", "user_research"]}),
    ("Our teams disagree about what the group is for", {"cross_team_alignment": False}),
    ("活跃度降了一半", {"activity_change_pct": -50}), ("activity halved since spring", {"activity_change_pct": -50}),
    ("launched 2 months ago and it is dead quiet", {"age_months": 2}),
    ("two maintainers quit, we are 4 years old, about 12k members", {"age_months": 48, "members": 12000}),
    ("社群成立三年了,有两千名成员", {"age_months": 36, "members": 2000}),
    # the second review: decimals and thousands stay whole, Chinese and English phrasings
    ("about 1,200 members", {"members": 1200}), ("2.3k members", {"members": 2300}), ("1.2万成员", {"members": 12000}),
    ("KPI: +25% weekly posts", {"target_change_pct": 25}),
    ("两个家长吵起来了", {"concerns": ["conflict"]}), ("骨干都累了", {"concerns": ["contributors_leaving"]}),
    ("mods burnt out", {"concerns": ["contributors_leaving"]}),
    ("群里约有两千人,最近两个家长吵起来了", {"members": 2000, "concerns": ["conflict"]}), ("一个480人的群", {"members": 480}),
])
def test_an_account_proposes_the_facts_it_states(kb, text, expected):
    got = heard(kb, text)
    for fact, value in expected.items():
        assert fact in got, (text, got)
        if isinstance(value, list):
            assert set(value) <= set(got[fact]), (text, got)
        else:
            assert got[fact] == value, (text, got)


@pytest.mark.parametrize("text", [
    "No doxxing happened, nobody was threatened.",
    "没有人被人肉",
    "We need more support from members.",  # 'support' alone is not a team disagreement
    "We build hardware together.",
])
def test_negated_or_unrelated_words_propose_nothing_of_the_kind(kb, text):
    got = heard(kb, text)
    assert "threats_or_doxxing" not in got and "cross_team_alignment" not in got, got


@pytest.mark.parametrize(("text", "absent"), [
    ("launched 2 months ago", "deadline_weeks"),  # months ago is an age, not a deadline
    ("30% of members left", "members"),  # a percentage is not a count
    ("a troll said we use sock puppets", "proposed_tactics"),  # an accusation is not a proposal
    ("we stopped the giveaways last year", "proposed_tactics"),  # nor a tactic given up
    ("活动报名的人比去年少了一半", "proposed_tactics"),  # 活动 is the everyday word for events
    ("brand fan community for our headphones", "adjacent_topics"),  # a brand community asks nothing of branding
])
def test_a_number_is_not_taken_for_the_wrong_fact(kb, text, absent):
    assert absent not in heard(kb, text)


def test_every_proposal_is_a_valid_answer_for_its_fact(kb):
    from expert.knowledge.facttypes import fact_type

    texts = ["things have gone quiet, core people are leaving, newcomers don't stick, there is a fight, doxxed, "
             "we want to monetise, our brand, user research, data modelling, product features, teams disagree",
             "社群越来越冷清,核心成员在流失,新人留不住,有人被人肉,想变现,品牌,用户调研,数据建模,产品功能"]
    for text in texts:
        for p in listen(kb, text):
            spec = kb.facts[p.fact]
            fact_type(spec).display(kb, spec, p.value, "en")  # raises on a value outside the fact's type
            if spec.values:
                values = p.value if isinstance(p.value, list) else [p.value]
                assert set(values) <= set(spec.values), p


@pytest.mark.parametrize("text", ["Someone threatens a lawsuit.", "有人说要起诉,还威胁要投诉"])
def test_a_threatened_lawsuit_is_not_a_threat_to_someone_s_safety(kb, text):
    got = heard(kb, text)
    assert got.get("concerns") == ["out_of_scope"] and "threats_or_doxxing" not in got, got


@pytest.mark.parametrize(("text", "expected", "absent"), [
    ("members are leaving", {"members_leaving": True}, "concerns"),
    ("core people are leaving", {"concerns": ["contributors_leaving"]}, "members_leaving"),
    ("成员流失严重", {"members_leaving": True}, "concerns"),
    ("核心成员在流失", {"concerns": ["contributors_leaving"]}, "members_leaving"),
    ("two of our core maintainers quit", {"key_person_left": True}, "members_leaving"),
    ("someone got doxxed", {"safety_risk": True, "threats_or_doxxing": True}, "members_leaving"),
])
def test_the_more_specific_phrase_wins(kb, text, expected, absent):
    got = heard(kb, text)
    assert absent not in got, got
    for fact, value in expected.items():
        assert got.get(fact) == value, got
