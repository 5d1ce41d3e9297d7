"""Question selection: the catalogue, opening order, value of information, stopping."""
from __future__ import annotations

import pytest

from expert.consult.questionnaire import (
    GENERAL,
    Catalogue,
    bears_on,
    candidates,
    check_questions,
    focus,
    live_diagnoses,
    load_questions,
    next_question,
    opened_topics,
    rank_questions,
    run,
    screening,
    top_of,
    topics_for_families,
)
from expert.errors import KnowledgeError
from expert.planning.pipeline import load_situation

from .conftest import ROOT


@pytest.fixture(scope="module")
def catalogue(kb) -> Catalogue:
    return load_questions(kb)


def test_every_question_names_a_fact_and_speaks_both_languages(kb, catalogue):
    assert catalogue.questions
    for fact, q in catalogue.questions.items():
        assert fact in kb.facts
        assert q.ask.en and q.ask.zh and q.help.en and q.help.zh


def test_opening_listens_first_and_the_name_comes_last(catalogue):
    assert catalogue.opening == ("story", "objective", "success_metric", "stage", "concerns")
    assert catalogue.closing == ("name",)
    assert "mood" in catalogue.questions and not catalogue.fixed("mood")  # heard in the account, or asked when it matters


def _topics(kb) -> dict:
    """A valid topics section: one topic per concern value, plus general."""
    return {GENERAL: {"families": ["objective"]}, **{v: {"families": ["activity"]} for v in kb.facts["concerns"].values}}


def _q(**extra) -> dict:
    return {"ask": {"en": "a", "zh": "b"}, "help": {"en": "c", "zh": "d"}, "topics": [GENERAL], **extra}


def test_every_question_has_known_topics_and_every_concern_a_topic(kb, catalogue):
    assert set(catalogue.topics) == set(kb.facts["concerns"].values) | {GENERAL}
    for topic, families in catalogue.topics.items():
        assert set(families) <= set(kb.families), topic
    for q in catalogue.questions.values():
        assert q.topics and set(q.topics) <= set(catalogue.topics)


def test_unknown_fact_is_reported_with_a_suggestion(kb):
    data = {"opening": [], "topics": _topics(kb), "questions": {"activty_change_pct": _q()}}
    _, problems = check_questions(kb, data, "questions.yaml")
    assert len(problems) == 1
    assert "unknown fact 'activty_change_pct'" in problems[0].message
    assert "activity_change_pct" in problems[0].hint


def test_missing_chinese_and_bad_opening_are_reported(kb):
    data = {"opening": ["mood"], "topics": _topics(kb),
            "questions": {"name": {"ask": {"en": "a"}, "help": {"en": "c", "zh": "d"}, "topics": [GENERAL]}}}
    _, problems = check_questions(kb, data, "q.yaml")
    messages = " | ".join(p.message for p in problems)
    assert "needs both en and zh" in messages
    assert "opening question 'mood'" in messages


def test_unknown_topics_and_families_are_reported_with_suggestions(kb):
    topics = {**_topics(kb), "conflikt": {"families": ["conflict"]}}
    topics["conflict"] = {"families": ["conflcit"]}
    data = {"opening": [], "topics": topics, "questions": {"severity": _q(topics=["conflict", "governanse"]),
                                                           "members": _q(topics=[])}}
    catalogue, problems = check_questions(kb, data, "q.yaml")
    found = {p.message: p.hint for p in problems}
    assert found["topic 'conflikt' is not a value of the 'concerns' fact"] == "did you mean 'conflict'?"
    assert found["topic 'conflict' families: unknown 'conflcit'"] == "did you mean 'conflict'?"
    assert found["question 'severity' topics: unknown 'governanse'"] == "did you mean 'governance'?"
    assert "question 'members' topics needs a non-empty list" in found
    assert "members" not in catalogue.questions


def test_a_concern_without_a_topic_and_a_question_without_topics_are_reported(kb):
    topics = _topics(kb)
    del topics["health"]
    data = {"opening": [], "topics": topics, "questions": {"members": {"ask": {"en": "a", "zh": "b"}, "help": {"en": "c", "zh": "d"}}}}
    _, problems = check_questions(kb, data, "q.yaml")
    messages = " | ".join(p.message for p in problems)
    assert "concern 'health' has no topic" in messages
    assert "question 'members' topics needs a non-empty list" in messages


def test_a_broken_catalogue_file_raises_a_located_error(kb, tmp_path):
    bad = tmp_path / "questions.yaml"
    bad.write_text("opening: [name]\ntopics:\n  general: {families: [objective]}\nquestions:\n  nmae:\n"
                   "    ask: {en: a, zh: b}\n    help: {en: a, zh: b}\n    topics: [general]\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_questions(kb, bad)
    assert "questions.yaml:6" in str(err.value) and "did you mean 'name'" in str(err.value)


def test_an_unknown_topic_in_a_file_is_located(kb, tmp_path):
    bad = tmp_path / "questions.yaml"
    text = (ROOT / "knowledge" / "questions.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("    topics: [conflict]\n", "    topics: [confilct]\n", 1), encoding="utf-8")
    line = bad.read_text(encoding="utf-8").splitlines().index("    topics: [confilct]") + 1
    with pytest.raises(KnowledgeError) as err:
        load_questions(kb, bad)
    assert f"questions.yaml:{line}" in str(err.value) and "did you mean 'conflict'" in str(err.value)


def test_opening_questions_come_first_in_order(kb, catalogue):
    facts: dict = {}
    skipped: set = set()
    asked = []
    for answer in (None, "help members", None, "declining", ("activity_decline",)):
        choice, _ = next_question(kb, catalogue, facts, skipped)
        asked.append(choice.fact)
        assert choice.opening
        if answer is None:
            skipped.add(choice.fact)
        else:
            facts[choice.fact] = answer
    assert asked == list(catalogue.opening)
    choice, left = next_question(kb, catalogue, facts, skipped)
    assert choice is not None and not choice.opening and left >= 1


def test_the_name_is_asked_last_once_nothing_can_change_the_top(kb, catalogue):
    facts: dict = {"objective": "help members", "success_metric": "questions solved", "stage": "mature", "concerns": ()}
    skipped: set = set()
    while True:
        choice, left = next_question(kb, catalogue, facts, skipped)
        assert choice is not None
        if choice.fact == "name":
            break
        assert left >= 1  # this question at least (the name, still to come, changes nothing)
        skipped.add(choice.fact)
    assert choice.opening and left == 0
    facts["name"] = "Hub"
    assert next_question(kb, catalogue, facts, skipped) == (None, 0)


def test_number_candidates_straddle_every_threshold(kb):
    values = candidates(kb, "activity_change_pct")
    assert min(values) == -100 and max(values) == kb.facts["activity_change_pct"].max
    assert any(-20 < v < -19 for v in values) and -20 in values and any(-21 < v < -20 for v in values)
    assert candidates(kb, "content_repetition") == (True, False)
    assert set(candidates(kb, "stage")) == set(kb.facts["stage"].values)


def test_facts_no_rule_reads_are_never_asked(kb, catalogue):
    ranked = {c.fact for c in rank_questions(kb, catalogue, {"name": "x"}, set())}
    assert "platform" not in ranked and "team_size" not in ranked


def test_a_decline_opens_its_differential_and_the_next_question_refines_it(kb, catalogue):
    facts = {"name": "x", "objective": "o", "success_metric": "m", "stage": "declining", "mood": "calm",
             "concerns": ("activity_decline",), "activity_change_pct": -30}
    choice, _ = next_question(kb, catalogue, facts, set())
    assert choice.changes_top and choice.live_score > 0
    assert any(d == "situation.activity_decline" or d.startswith("decline.") for d in choice.concerns)


def test_selection_is_deterministic(kb, catalogue):
    facts = {"name": "x", "activity_change_pct": -30, "key_person_left": True}
    first = rank_questions(kb, catalogue, facts, set())
    assert first == rank_questions(kb, catalogue, facts, set())


def test_nothing_left_to_ask_when_every_question_is_settled(kb, catalogue):
    facts = {"name": "x"}
    skipped = set(catalogue.questions) - {"name"}
    assert next_question(kb, catalogue, facts, skipped) == (None, 0)


@pytest.mark.parametrize("name,concerns", [("decline_relationship_gap", None), ("demo", None),
                                           ("decline_relationship_gap", ("activity_decline",)),
                                           ("combined_conflict_churn_decline", ("contributors_leaving",))])
def test_answering_from_a_scenario_reaches_its_full_information_top(kb, catalogue, name, concerns):
    """With concerns unknown, or named (even only one of several areas: evidence leads to the others)."""
    full = load_situation(ROOT / "scenarios" / f"{name}.yaml", kb).facts()
    target = top_of(kb, run(kb, full))
    if concerns is not None:
        full["concerns"] = concerns
    facts, skipped, asked = {}, set(), []
    while True:
        choice, _ = next_question(kb, catalogue, facts, skipped)
        if choice is None:
            break
        assert choice.fact not in asked, "a question is never asked twice"
        asked.append(choice.fact)
        if choice.fact in full:
            facts[choice.fact] = full[choice.fact]
        else:
            skipped.add(choice.fact)
    assert top_of(kb, run(kb, facts)) == target
    assert len(asked) < len(catalogue.questions)


# --- focus: the presenting concern gates the areas explored -----------------------------------------

OPENED = {"name": "x", "story": "s", "objective": "o", "success_metric": "m", "stage": "declining", "mood": "calm"}


def _conflict_questions(catalogue) -> set[str]:
    return {f for f, q in catalogue.questions.items() if "conflict" in q.topics}


def _asked_until_done(kb, catalogue, facts, answers=None, limit=200, skipped=()):
    """Run the questionnaire; answers from ``answers`` (others: don't know); returns the facts asked.

    No question may be asked twice."""
    facts, skipped, asked = dict(facts), set(skipped), []
    answers = answers or {}
    while len(asked) < limit:
        choice, _ = next_question(kb, catalogue, facts, skipped)
        if choice is None:
            return asked
        assert choice.fact not in asked
        asked.append(choice.fact)
        if choice.fact in answers:
            facts[choice.fact] = answers[choice.fact]
        else:
            skipped.add(choice.fact)
    raise AssertionError("the questionnaire did not stop")


def test_focus_is_the_concerns_plus_general_and_none_while_unknown():
    assert focus({}) is None
    assert focus({"concerns": ("conflict",)}) == {"conflict", GENERAL}
    assert focus({"concerns": ()}) == {GENERAL}


def test_conflict_questions_are_not_asked_for_a_decline_when_nothing_points_to_conflict(kb, catalogue):
    facts = {**OPENED, "concerns": ("activity_decline",), "activity_change_pct": -30}
    ranked = {c.fact for c in rank_questions(kb, catalogue, facts, set())}
    assert ranked, "the decline itself is explored"
    assert not ranked & _conflict_questions(catalogue)
    asked = _asked_until_done(kb, catalogue, facts)
    assert not set(asked) & _conflict_questions(catalogue)
    assert "year_over_year_change_pct" in asked


def test_evidence_of_conflict_opens_the_conflict_questions(kb, catalogue):
    facts = {**OPENED, "concerns": ("contributors_leaving",), "core_total": 6, "core_inactive_4w": 3}
    assert "harassment" not in {c.fact for c in rank_questions(kb, catalogue, facts, set())}
    facts["exit_reasons"] = ("conflict",)
    assert "churn.conflict_or_unfairness" in live_diagnoses(kb, run(kb, facts))
    assert "severity" in {c.fact for c in rank_questions(kb, catalogue, facts, set()) if c.changes_top}
    facts["severity"] = "high"
    ranked = {c.fact for c in rank_questions(kb, catalogue, facts, set())}
    assert {"harassment", "involves_admin", "written_rules"} <= ranked


def test_a_concern_opens_its_own_questions_without_evidence(kb, catalogue):
    facts = {**OPENED, "concerns": ("conflict",)}
    ranked = {c.fact for c in rank_questions(kb, catalogue, facts, set())}
    assert "severity" in ranked
    assert not ranked & {"year_over_year_change_pct", "contributions_visible"}


def test_dont_know_for_concerns_keeps_full_exploration(kb, catalogue):
    facts = {**OPENED, "activity_change_pct": -30}
    everything = {c.fact for c in rank_questions(kb, catalogue, facts, {"concerns"})}
    focused = {c.fact for c in rank_questions(kb, catalogue, {**facts, "concerns": ("activity_decline",)}, set())}
    assert focused < everything
    assert _conflict_questions(catalogue) & everything


def test_a_fact_bears_on_what_its_rules_conclude_and_what_builds_on_them(kb):
    assert {"conflict.high", "churn.conflict_or_unfairness"} <= bears_on(kb, "severity")
    assert "churn.not_seen" in bears_on(kb, "core_total")
    assert not bears_on(kb, "platform")


def test_topics_for_families_follow_the_catalogue(catalogue):
    assert topics_for_families(catalogue, {"conflict"}) == ("conflict",)
    assert set(topics_for_families(catalogue, {"churn", "decline"})) == {"contributors_leaving", "activity_decline"}
    assert topics_for_families(catalogue, {"objective"}) == ()


# --- concerns unknown: screen every area, explore only what the answers open ----------------------

UNSURE = {**OPENED}
UNSURE_SKIPPED = {"concerns"}


def _asked_unsure(kb, catalogue, answers, limit=200):
    """Run the questionnaire after an opening whose concerns were answered don't know."""
    return _asked_until_done(kb, catalogue, UNSURE, answers, limit, skipped=UNSURE_SKIPPED)


def test_every_concern_topic_has_a_screen_of_its_own_questions(catalogue):
    assert set(catalogue.screens) == set(catalogue.topics) - {GENERAL}
    for topic, facts in catalogue.screens.items():
        assert 1 <= len(facts) <= 3, topic
        for fact in facts:
            assert set(catalogue.questions[fact].topics) & {topic, GENERAL}, (topic, fact)
    assert catalogue.screens["conflict"] == ("severity",)
    assert screening(catalogue)[0] == "activity_change_pct"


def test_a_screen_fact_outside_its_topic_is_located_with_a_suggestion(kb, tmp_path):
    bad = tmp_path / "questions.yaml"
    text = (ROOT / "knowledge" / "questions.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("screen: [severity]", "screen: [severty]", 1)
                   .replace("screen: [moderation_complaints]", "screen: [harassment]", 1), encoding="utf-8")
    lines = bad.read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(lines, 1) if "screen: [severty]" in t)
    with pytest.raises(KnowledgeError) as err:
        load_questions(kb, bad)
    message = str(err.value)
    assert f"questions.yaml:{line}" in message and "topic 'conflict' screen: unknown 'severty'" in message
    assert "did you mean 'severity'" in message
    assert "topic 'governance' screen: unknown 'harassment'" in message


def test_unsure_asks_the_screening_questions_first_in_catalogue_order(kb, catalogue):
    asked = _asked_unsure(kb, catalogue, {})
    screens = [f for f in screening(catalogue) if f in asked]
    assert asked[:len(screens)] == screens
    assert {"activity_change_pct", "severity", "key_person_left", "safety_risk"} <= set(screens)


def test_unsure_does_not_explore_an_area_without_evidence(kb, catalogue):
    for severity in ("none", None):
        answers = {"activity_change_pct": 2, "severity": severity} if severity else {"activity_change_pct": 2}
        asked = _asked_unsure(kb, catalogue, answers)
        assert "severity" in asked
        assert set(asked) & _conflict_questions(catalogue) <= set(screening(catalogue)), severity
        assert len(asked) < 30


def test_unsure_explores_an_area_whose_screen_shows_evidence(kb, catalogue):
    facts = {**UNSURE, "severity": "high"}
    assert "conflict" in opened_topics(kb, catalogue, live_diagnoses(kb, run(kb, facts)))
    asked = _asked_unsure(kb, catalogue, {"severity": "high"})
    deeper = set(asked) & _conflict_questions(catalogue) - set(screening(catalogue))
    assert {"harassment", "involves_admin"} & deeper
    calm = _asked_unsure(kb, catalogue, {"severity": "none"})
    assert not set(calm) & deeper


def test_unsure_follows_a_decline_found_by_screening(kb, catalogue):
    asked = _asked_unsure(kb, catalogue, {"activity_change_pct": -30})
    assert "year_over_year_change_pct" in asked
    assert "year_over_year_change_pct" not in _asked_unsure(kb, catalogue, {"activity_change_pct": 2})


# Facts a consultation never asks: measured from an export by `expert analyze` (a person cannot
# count days since the last activity or the usual longest pause reliably), or, for the adjacent
# fields, heard in the person's own account (language.yaml) rather than asked of everyone.
NOT_ASKED = {"days_since_last_activity", "usual_gap_days", "trailing_12m_change_pct", "activity_change_signal",
             "active_members_change_signal", "newcomer_activity_share", "handover_to_newcomers", "adjacent_topics"}


def test_every_fact_a_person_can_tell_has_a_question(kb, catalogue):
    assert {f for f in kb.facts if f not in catalogue.questions} == NOT_ASKED


def test_every_family_with_a_diagnosis_a_person_can_reach_belongs_to_a_topic(kb, catalogue):
    covered = {family for families in catalogue.topics.values() for family in families}
    families = {d.family for d in kb.diagnoses.values()} - {"anti_pattern", "adjacent"}
    assert families <= covered, families - covered
