"""Question selection: the catalogue, opening order, value of information, stopping."""
from __future__ import annotations

import pytest

from expert.api import load_situation
from expert.errors import KnowledgeError
from expert.questionnaire import (OPENING, Catalogue, candidates, check_questions, load_questions,
                                  next_question, rank_questions, run, top_of)

from .conftest import ROOT


@pytest.fixture(scope="module")
def catalogue(kb) -> Catalogue:
    return load_questions(kb)


def test_every_question_names_a_fact_and_speaks_both_languages(kb, catalogue):
    assert catalogue.questions
    for fact, q in catalogue.questions.items():
        assert fact in kb.facts
        assert q.ask.en and q.ask.zh and q.help.en and q.help.zh


def test_opening_is_name_objective_metric_stage_mood(catalogue):
    assert catalogue.opening == OPENING == ("name", "objective", "success_metric", "stage", "mood")


def test_unknown_fact_is_reported_with_a_suggestion(kb):
    data = {"opening": [], "questions": {"activty_change_pct": {"ask": {"en": "a", "zh": "b"}, "help": {"en": "c", "zh": "d"}}}}
    _, problems = check_questions(kb, data, "questions.yaml")
    assert len(problems) == 1
    assert "unknown fact 'activty_change_pct'" in problems[0].message
    assert "activity_change_pct" in problems[0].hint


def test_missing_chinese_and_bad_opening_are_reported(kb):
    data = {"opening": ["mood"], "questions": {"name": {"ask": {"en": "a"}, "help": {"en": "c", "zh": "d"}}}}
    _, problems = check_questions(kb, data, "q.yaml")
    messages = " | ".join(p.message for p in problems)
    assert "needs both en and zh" in messages
    assert "opening question 'mood'" in messages


def test_a_broken_catalogue_file_raises_a_located_error(kb, tmp_path):
    bad = tmp_path / "questions.yaml"
    bad.write_text("opening: [name]\nquestions:\n  nmae:\n    ask: {en: a, zh: b}\n    help: {en: a, zh: b}\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_questions(kb, bad)
    assert "questions.yaml:4" in str(err.value) and "did you mean 'name'" in str(err.value)


def test_opening_questions_come_first_in_order(kb, catalogue):
    facts: dict = {}
    skipped: set = set()
    asked = []
    for answer in ("Hub", "help members", None, "declining", "calm"):
        choice, _ = next_question(kb, catalogue, facts, skipped)
        asked.append(choice.fact)
        assert choice.opening
        if answer is None:
            skipped.add(choice.fact)
        else:
            facts[choice.fact] = answer
    assert asked == list(OPENING)
    choice, left = next_question(kb, catalogue, facts, skipped)
    assert choice is not None and not choice.opening and left >= 1


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
             "activity_change_pct": -30}
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


@pytest.mark.parametrize("name", ["decline_relationship_gap", "demo"])
def test_answering_from_a_scenario_reaches_its_full_information_top(kb, catalogue, name):
    full = load_situation(ROOT / "scenarios" / f"{name}.yaml", kb).facts()
    target = top_of(kb, run(kb, full))
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
