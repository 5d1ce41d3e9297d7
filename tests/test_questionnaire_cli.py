"""expert consult through click's CliRunner: the conversation, commands, sessions and exports."""
from __future__ import annotations

import json

import yaml

from expert.cli import cli
from expert.model.situation import Situation

from .conftest import ROOT

OPENING = ["We build hardware together.", "members solve build problems together", "questions resolved within 48 h", "declining"]


def consult(runner, tmp_path, lines, *args, columns=400):
    """Run consult with the given answer lines; returns (result, session path)."""
    session = tmp_path / "s.session.yaml"
    result = runner.invoke(cli, ["consult", "--session", str(session), *args], input="\n".join(lines) + "\n",
                           env={"COLUMNS": str(columns)})
    return result, session


def steps(session):
    return yaml.safe_load(session.read_text(encoding="utf-8"))["steps"]


def test_opening_listens_first_acknowledges_worry_and_saves_every_answer(runner, tmp_path):
    lines = ["We build hardware together and I am worried.", ""] + OPENING[1:] + ["quit"]
    result, session = consult(runner, tmp_path, lines)
    out = result.output
    assert result.exit_code == 0, out
    assert out.index("what is happening?") < out.index("It is understandable to be worried.")
    assert out.index("It is understandable to be worried.") < out.index("What is this community for")
    assert out.index("What is this community for") < out.index("How will you judge") < out.index("Where is the community now")
    assert out.index("Where is the community now") < out.index("What brings you here")
    assert "Which community" not in out and "feeling about the community right now" not in out  # heard, not asked
    assert f"expert consult --resume {session}" in out
    assert [s["fact"] for s in steps(session)] == ["story", "mood", "objective", "success_metric", "stage"]


def test_invalid_answers_are_re_asked_with_the_reason(runner, tmp_path):
    result, session = consult(runner, tmp_path, OPENING[:3] + ["dormant", "2", "quit"])
    assert "That answer does not fit (Stage as the team sees it): 'dormant' is not one of" in result.output
    assert yaml.safe_load(session.read_text(encoding="utf-8"))["situation"]["community"]["stage"] == "growth"


def test_commands_dont_know_back_why_how_plan(runner, tmp_path):
    lines = OPENING + ["activity is falling", "-30", "why", "why rules", "how situation.activity_decline",
                       "how 1 rules", "how nope", "plan", "?", "back", "back", "-25", "quit"]
    result, session = consult(runner, tmp_path, lines)
    out = result.output
    assert result.exit_code == 0, out
    assert "I am trying to tell these apart:" in out or "together with the next answers it bears on:" in out
    assert "Rules that still wait on this answer:" in out  # rule ids only on request
    assert "for: " in out and "[decline.trigger.activity]" in out
    assert "'nope' is not a conclusion so far" in out
    assert "The plan so far" in out and "Community diagnosis: your community" in out  # the name is asked last
    assert "Noted as unknown" in out and out.count("Undone:") == 2
    facts = [(s["fact"], s.get("value")) for s in steps(session)]
    assert facts[-1] == ("activity_change_pct", -25.0)
    assert not any(s.get("dont_know") for s in steps(session))


def test_a_finished_consultation_prints_the_plan_and_exports(runner, tmp_path):
    report = tmp_path / "plan.json"
    situation = tmp_path / "situation.yaml"
    lines = ["We build hardware together and I am under pressure.", ""] + OPENING[1:] + ["1", "-30", "done", "MakersHub"]
    result, session = consult(runner, tmp_path, lines, "--format", "json", "--output", str(report),
                              "--export-situation", str(situation))
    assert result.exit_code == 0, result.output
    assert "You are under real pressure" in result.output
    assert "Stopping the questions here" in result.output
    assert result.output.index("done") < result.output.index("Which community")  # the name, asked last
    plan = json.loads(report.read_text(encoding="utf-8"))
    assert any(d["id"] == "situation.activity_decline" for d in plan["diagnoses"])
    exported = Situation.parse(yaml.safe_load(situation.read_text(encoding="utf-8")), _kb())
    assert exported.facts()["activity_change_pct"] == -30.0 and exported.facts()["mood"] == "under_pressure"
    assert exported.facts()["name"] == "MakersHub" and plan["community"] == "MakersHub"
    assert yaml.safe_load(session.read_text(encoding="utf-8"))["finished"] is True


def test_the_concern_ends_the_opening_and_sets_the_focus(runner, tmp_path):
    result, session = consult(runner, tmp_path, OPENING + ["why", "conflict, 8", "quit"])
    out = result.output
    assert result.exit_code == 0, out
    assert out.index("Where is the community now") < out.index("What brings you here? Choose all that apply.")
    assert "1. activity is falling" in out and "5. a conflict" in out
    assert "To know where to start" in out
    assert "I will start with: a conflict, health: noise, dependence on admins, events without review." in out
    assert steps(session)[-1] == {"fact": "concerns", "value": ["conflict", "health"]}


def test_dont_know_for_the_concern_looks_everywhere(runner, tmp_path):
    result, session = consult(runner, tmp_path, OPENING + ["?", "quit"])
    assert "Then I will look at every area." in result.output
    assert steps(session)[-1] == {"fact": "concerns", "dont_know": True}


def test_every_format_on_stdout(runner, tmp_path):
    for fmt, marker in (("markdown", "# Community diagnosis: MakersHub"), ("terminal", "Community diagnosis: MakersHub")):
        (tmp_path / fmt).mkdir()  # a new session each time: --session never overwrites an existing file
        result, _ = consult(runner, tmp_path / fmt, OPENING + ["done", "MakersHub"], "--format", fmt)
        assert result.exit_code == 0 and marker in result.output


def test_from_a_scenario_asks_only_what_is_missing(runner, tmp_path):
    result, session = consult(runner, tmp_path, ["grow a developer community", "quit"], "--from",
                              str(ROOT / "scenarios" / "demo.yaml"))
    out = result.output
    assert "Which community" not in out and "feeling about the community right now" not in out
    assert "What is this community for" in out
    data = yaml.safe_load(session.read_text(encoding="utf-8"))
    assert data["base"]["community"]["name"] == "DevForum"
    assert data["situation"]["community"]["objective"] == "grow a developer community"


def test_resume_does_not_ask_again(runner, tmp_path):
    _, session = consult(runner, tmp_path, OPENING[:2] + ["quit"])
    result = runner.invoke(cli, ["consult", "--resume", str(session)], input="\n".join(OPENING[2:] + ["quit"]) + "\n")
    out = result.output
    assert result.exit_code == 0, out
    assert "Picking up where we stopped: 2 answers kept." in out
    assert "what is happening" not in out and "What is this community for" not in out
    assert [s["fact"] for s in steps(session)] == ["story", "objective", "success_metric", "stage"]


def test_end_of_input_saves_and_leaves(runner, tmp_path):
    result, session = consult(runner, tmp_path, OPENING[:1])
    assert result.exit_code == 0 and "Saved. Resume with" in result.output
    assert steps(session) == [{"fact": "story", "value": "We build hardware together."}]


def test_name_cannot_be_skipped(runner, tmp_path):
    result, session = consult(runner, tmp_path, OPENING + ["done", "?", "Hub"])
    assert "A name is needed" in result.output
    assert "you stopped the questions here; one last thing for the report" in result.output  # not 'nothing left'
    assert "[1 known ·" in result.output and "answered ·" not in result.output
    assert steps(session)[-1] == {"fact": "name", "value": "Hub"}


def test_chinese_consultation_has_no_english_prose(runner, tmp_path, kb):
    lines = ["我们一起做硬件,我很担心", "", "帮助成员解决问题", "48 小时内解决率", "4", "活跃度下滑", "为什么", "-30",
             "如何 situation.activity_decline", "不知道", "返回", "-20", "完成", "社群A"]
    result, session = consult(runner, tmp_path, lines, "--lang", "zh")
    out = result.output
    assert result.exit_code == 0, out
    assert "用一两句话说说" in out and "担心是可以理解的" in out and "已撤销" in out
    assert out.index("已撤销") < out.index("我们要看的是哪个社群") and "社群A" in out
    assert "这次是什么让你来找我" in out and "我会先从这些方面入手:活跃度下滑" in out
    english = [q.ask.en for q in _catalogue().questions.values()] + [q.help.en for q in _catalogue().questions.values()]
    english += [m.en for k, m in kb.messages.items() if k.startswith(("consult_", "answer_"))]
    assert not [e for e in english if len(e.split("{")[0].strip()) >= 4 and e.split("{")[0].strip() in out]
    assert yaml.safe_load(session.read_text(encoding="utf-8"))["lang"] == "zh"


def test_unknown_session_file_is_an_error_without_traceback(runner, tmp_path):
    result = runner.invoke(cli, ["consult", "--resume", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.exception


def _kb():
    from expert.knowledge import cached_knowledge

    return cached_knowledge()


def _catalogue():
    from expert.consult.questionnaire import load_questions

    return load_questions(_kb())


def test_plan_shown_in_consult_wraps_instead_of_cropping_long_lines(runner, tmp_path):
    result, _ = consult(runner, tmp_path, OPENING + ["1", "-30", "plan", "quit"])
    flat = " ".join(result.output.replace("│", " ").split())
    assert "they burn trust." in flat


def test_session_path_of_an_existing_file_is_refused_not_overwritten(runner, tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("community: {name: Mine}\n", encoding="utf-8")
    result = runner.invoke(cli, ["consult", "--session", str(mine)], input="quit\n")
    assert result.exit_code == 2
    assert "would overwrite a file that already exists" in result.stderr and "--resume" in result.stderr
    assert mine.read_text(encoding="utf-8") == "community: {name: Mine}\n"


def test_none_yet_for_the_success_measure_leaves_it_to_define(runner, tmp_path):
    for lang, none in (("en", "none yet"), ("zh", "还没想好")):
        (tmp_path / lang).mkdir()
        result, session = consult(runner, tmp_path / lang, [OPENING[0], OPENING[1], none, "quit"], "--lang", lang)
        assert result.exit_code == 0, result.output
        assert steps(session)[-1] == {"fact": "success_metric", "dont_know": True}
        assert "success_metric" not in yaml.safe_load(session.read_text(encoding="utf-8"))["situation"]["community"]


def test_why_at_the_confirmation_is_a_question_not_consent(runner, tmp_path):
    result, session = consult(runner, tmp_path, ["We build hardware and I am worried.", "why", "n", "quit"])
    assert result.exit_code == 0, result.output
    assert "what you keep I will not ask again" in result.output
    assert "Kept 0 of 1" in result.output and not any(s["fact"] == "mood" for s in steps(session))


def test_a_referral_is_said_the_moment_an_answer_raises_it(runner, tmp_path):
    result, _ = consult(runner, tmp_path, ["There is a fight and someone got doxxed.", "", "quit"])
    out = result.output
    assert result.exit_code == 0, out
    assert "Before anything else — Safety referral" in out
    assert out.index("Before anything else") < out.index("What is this community for")
    assert out.count("Before anything else") == 1


def test_a_narrow_terminal_wraps_between_words_never_inside_one(runner, tmp_path):
    for lang in ("en", "zh"):
        (tmp_path / lang).mkdir()
        result, _ = consult(runner, tmp_path / lang, OPENING + ["why", "quit"], "--lang", lang, columns=50)
        lines = [line.split("> ")[-1] for line in result.output.splitlines()]  # the prompt shares a line here
        assert all(len(line) <= 50 for line in lines if "session" not in line and "/" not in line), result.output
        if lang == "en":
            flat = " ".join(result.output.split())  # rejoined at the wraps: every word whole
            assert "What is this community for: what result should it produce for its members and for you?" in flat
