"""People's own words: tactics recognised by meaning (refused however they are wrapped), answers as people write them."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expert.consult.session import AnswerError, parse_answer
from expert.consult.whatif import parse_changes
from expert.knowledge import cached_knowledge
from expert.model.situation import Situation
from expert.model.tactics import read_tactic
from expert.planning.pipeline import diagnose

KB = cached_knowledge()
FORBIDDEN = [(t.id, name, lang) for t in KB.tactics.values() if t.forbidden
             for lang, names in (("en", (t.label.en, *t.synonyms_en)), ("zh", (t.label.zh or "", *t.synonyms_zh)))
             for name in names if name]
FILLER = {"en": ["we", "plan", "next", "week", "to", "try", "quickly", "for", "the", "launch", "maybe", "a", "few"],
          "zh": ["我们", "打算", "下周", "试试", "一些", "然后", "社群里", "搞点", "先"]}


def _wrapped(draw_words: list[str], name: str, at: int, lang: str) -> str:
    """The name with the drawn words before and after it, joined as the language writes."""
    sep = " " if lang == "en" else ""
    return sep.join([*draw_words[:at], name, *draw_words[at:]])


@pytest.mark.parametrize(("tactic", "name", "lang"), FORBIDDEN)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_forbidden_tactic_wrapped_in_other_words_is_still_refused(tactic, name, lang, data):
    words = data.draw(st.lists(st.sampled_from(FILLER[lang]), max_size=6))
    at = data.draw(st.integers(0, len(words)))
    text = _wrapped(words, name, at, lang)
    assert tactic in read_tactic(KB, text).proposed, text


@pytest.mark.parametrize(("tactic", "name", "lang"), FORBIDDEN)
def test_a_negated_forbidden_tactic_is_not_a_proposal(tactic, name, lang):
    text = f"no {name}" if lang == "en" else f"不要{name}"
    reading = read_tactic(KB, text)
    assert tactic not in reading.proposed and tactic in reading.negated and not reading.unrecognised


@settings(max_examples=25, deadline=None)
@given(picks=st.lists(st.sampled_from(FORBIDDEN), min_size=1, max_size=3),
       words=st.lists(st.sampled_from(FILLER["en"] + FILLER["zh"]), max_size=4))
def test_the_plan_refuses_every_wrapped_forbidden_tactic_and_never_plans_it(picks, words):
    phrases = [_wrapped(words, name, len(words) // 2, lang) for _, name, lang in picks]
    plan = diagnose({"community": {"name": "P"}, "pressure": {"proposed_tactics": phrases}}, knowledge=KB)
    assert "violation.fake_activity" in [d.id for d in plan.diagnoses]
    refused_labels = {KB.tactics[t].label.en for t, _, _ in picks}
    assert all(any(label in w for w in plan.warnings) for label in refused_labels)
    forbidden_actions = {KB.tactics[t].action for t, _, _ in picks}
    assert not forbidden_actions & {a.id for a in plan.actions}


@pytest.mark.parametrize(("text", "tactic"), [
    ("找水军刷活跃", "sock_puppet_accounts"), ("每天强制打卡", "forced_checkins"), ("买赞", "paid_engagement"),
    ("托儿", "hired_posters"), ("KOC代写笔记", "ghost_written_member_posts"),
    ("staff posting under customer aliases", "ghost_written_member_posts"), ("ban the critics", "hide_criticism"),
    ("a sock puppet or two", "sock_puppet_accounts"), ("AI personas posing as members", "bots_posing_as_members"),
    ("buy followers", "paid_engagement"), ("买粉", "paid_engagement"),
])
def test_the_issue_s_forbidden_phrasings_are_refused(text, tactic):
    situation = Situation.parse({"community": {"name": "T"}, "pressure": {"proposed_tactics": [text]}}, KB)
    assert tactic in situation.facts()["proposed_tactics"] and KB.tactics[tactic].forbidden


@pytest.mark.parametrize(("text", "tactic"), [
    ("作者直播答疑", "expert_ama"), ("抽奖", "giveaway_lottery"), ("红包雨", "giveaway_lottery"),
    ("points for posting", "points_for_posts"), ("mass DMs", "mass_dm"),
])
def test_tactics_that_need_guardrails_get_them_in_the_report(text, tactic):
    plan = diagnose({"community": {"name": "T"}, "pressure": {"proposed_tactics": [text]}}, knowledge=KB, lang="zh")
    guard = KB.tactics[tactic].guardrails
    assert guard is not None and any(guard.zh in w for w in plan.warnings)


def test_unmatched_tactics_are_listed_with_the_closest_catalogue_entries():
    plan = diagnose({"community": {"name": "T"}, "pressure": {"proposed_tactics": ["sock puppet shows", "skywriting",
                                                                                   "paid engagment"]}}, knowledge=KB)
    assert plan.unrecognised_tactics == ["skywriting", "paid engagment"]
    assert any("'paid engagment'" in w and "Did you mean" in w and "Paid engagement" in w for w in plan.warnings)


@pytest.mark.parametrize(("fact", "text", "value"), [
    ("members", "about 12k", 12000), ("members", "一万二", 12000), ("members", "12,000", 12000),
    ("members", "两万", 20000), ("members", "三千五", 3500), ("members", "约 800 人", 800),
    ("age_months", "4 years", 48), ("age_months", "4年", 48), ("age_months", "18 months", 18),
    ("effective_interaction_rate", "60%", 0.6), ("effective_interaction_rate", "六成", 0.6),
    ("effective_interaction_rate", "0.3", 0.3),
    ("activity_change_pct", "down about 40%", -40), ("activity_change_pct", "下降了四成", -40),
    ("activity_change_pct", "-34", -34), ("activity_change_pct", "up 20%", 20), ("activity_change_pct", "活跃度下降了30%", -30),
    ("deadline_weeks", "6 weeks", 6), ("deadline_weeks", "六周", 6),
    ("content_repetition", "nope", False), ("content_repetition", "not really", False), ("content_repetition", "没有", False),
    ("content_repetition", "不是", False), ("content_repetition", "Yeah.", True), ("content_repetition", "是的", True),
    ("stage", "decline", "declining"), ("stage", "declining?", "declining"), ("stage", "衰退", "declining"),
    ("stage", "3", "mature"), ("mood", "压力很大", "under_pressure"), ("mood", "under a lot of pressure", "under_pressure"),
    ("concerns", "conflict and activity falling", ["conflict", "activity_decline"]),
    ("concerns", "吵架、冷清", ["conflict", "activity_decline"]),
    # a change said as a proportion (the newcomer review saw 降了一半 kept as -0.5 %)
    ("activity_change_pct", "降了一半", -50), ("activity_change_pct", "多了一倍", 100), ("activity_change_pct", "翻倍了", 100),
    ("activity_change_pct", "halved", -50), ("activity_change_pct", "doubled", 100), ("activity_change_pct", "up 2x", 100),
    ("activity_change_pct", "3x fewer", -66.67), ("activity_change_pct", "up by half", 50),
    ("activity_change_pct", "about the same", 0), ("activity_change_pct", "持平", 0), ("activity_change_pct", "差不多没变", 0),
    ("members", "两千名成员", 2000), ("effective_interaction_rate", "一半", 0.5),
    ("content_repetition", "yes, two of them", True), ("content_repetition", "yeah pretty much", True),
    ("content_repetition", "是的,两个", True), ("content_repetition", "no, never", False),
    ("content_repetition", "没有吧", False), ("content_repetition", "有,但是没人看", True),
    ("activity_change_pct", "down by two thirds", -66.67), ("activity_change_pct", "少了三分之一左右", -33.33),
    ("activity_change_pct", "down 30% in 2 months", -30), ("deadline_weeks", "about 3 months", 13),
])
def test_answers_as_people_write_them(fact, text, value):
    assert parse_answer(KB, fact, text) == pytest.approx(value) if isinstance(value, float) else \
        parse_answer(KB, fact, text) == value


@pytest.mark.parametrize(("fact", "text", "lang", "needle", "hidden"), [
    ("stage", "香蕉", "zh", "冷启动, 成长期, 成熟期, 衰退期, 复苏期", "cold_start"),
    ("stage", "bananas", "en", "cold start, growth, mature", "cold_start"),
    ("members", "lots", "zh", "不是数字", None),
    ("content_repetition", "perhaps", "en", "not yes or no", None),
    ("effective_interaction_rate", "150%", "en", "outside the allowed range 0 to 1", None),
])
def test_refusals_name_the_value_and_what_fits_in_the_session_language(fact, text, lang, needle, hidden):
    with pytest.raises(AnswerError) as err:
        parse_answer(KB, fact, text, lang)
    assert needle in str(err.value) and (hidden is None or hidden not in str(err.value))


@pytest.mark.parametrize("text", ["I don't know", "不清楚", "not sure"])
def test_dont_know_in_either_language_makes_a_whatif_fact_unknown(text):
    assert parse_changes(KB, [f"activity_change_pct={text}"]) == {"activity_change_pct": None}


def test_whatif_reads_values_as_people_write_them():
    assert parse_changes(KB, ["activity_change_pct=down about 40%", "stage=衰退"]) == {
        "activity_change_pct": -40, "stage": "declining"}


# --- a tactic said in the opening account (listen first) --------------------------------------------

@pytest.mark.parametrize(("tactic", "name", "lang"), FORBIDDEN)
def test_a_forbidden_tactic_in_the_opening_account_is_proposed_then_refused(tactic, name, lang):
    from expert.consult.listen import listen

    text = (f"activity is down 30%, the boss is pushing and we are thinking of {name}" if lang == "en"
            else f"活跃度下降了三成,老板在催,我们打算{name}")
    heard = {p.fact: p.value for p in listen(KB, text)}
    said = heard.get("proposed_tactics") or []
    assert any(tactic in read_tactic(KB, s).proposed for s in said), (text, heard)
    plan = diagnose({"community": {"name": "P"}, "pressure": {"proposed_tactics": said}}, knowledge=KB)
    assert "violation.fake_activity" in [d.id for d in plan.diagnoses]
    assert KB.tactics[tactic].action not in {a.id for a in plan.actions}


@pytest.mark.parametrize("text", ["we will not use sock puppets or buy followers", "我们不找托儿,也不买粉",
                                  "no fake accounts, ever"])
def test_a_tactic_the_account_rules_out_is_not_proposed(text):
    from expert.consult.listen import listen

    assert "proposed_tactics" not in {p.fact for p in listen(KB, text)}


@pytest.mark.parametrize(("text", "tactic"), [
    ("we should mute anyone who complains about the price hike", "hide_criticism"),
    ("kick the people who keep criticizing us", "hide_criticism"), ("禁言那些说坏话的", "hide_criticism"),
    ("have the interns pretend to be customers", "ghost_written_member_posts"),
    ("找几个KOC写好文案发", "ghost_written_member_posts"), ("班主任想让我们每天必须在群里打卡接龙", "forced_checkins"),
    ("the boss said we should buy followers", "paid_engagement"),  # someone else's idea, still proposed
])
def test_the_second_review_s_phrasings_are_refused(text, tactic):
    assert tactic in read_tactic(KB, text).proposed


@pytest.mark.parametrize(("text", "tactic"), [("买点粉", "paid_engagement"), ("买些赞", "paid_engagement"),
                                              ("禁言那些唱反调的", "hide_criticism"), ("先买一些粉丝撑场面", "paid_engagement")])
def test_chinese_tactics_with_a_measure_word_inside_are_recognised(text, tactic):
    assert tactic in read_tactic(KB, text).proposed


@pytest.mark.parametrize(("text", "tactic"), [("不找托儿", "hired_posters"), ("不买粉", "paid_engagement"),
                                              ("我们不会去买点粉", "paid_engagement")])
def test_a_chinese_negation_that_runs_into_the_tactic_is_still_a_negation(text, tactic):
    reading = read_tactic(KB, text)
    assert tactic not in reading.proposed and tactic in reading.negated


def test_a_short_tactic_text_is_read_once_per_knowledge_base_and_reads_the_same():
    for text in ("买点粉", "sock puppets", "不找托儿", "a lottery for the launch"):
        first = read_tactic(KB, text)
        assert read_tactic(KB, text) is first
    long = "sock puppets " * 40
    assert read_tactic(KB, long) == read_tactic(KB, long) and read_tactic(KB, long) is not read_tactic(KB, long)


def test_an_age_is_not_taken_for_a_change_in_percent():
    with pytest.raises(AnswerError):
        parse_answer(KB, "year_over_year_change_pct", "server's only 8 months old")
